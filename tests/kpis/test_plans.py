"""Improvement plans: a KPI below target for the KPI's periods in a row opens one (owner the
mentor, else the manager); a period on target closes it; who sees and updates them."""

import pytest
from sqlalchemy import select

from lms.kpis.models import ImprovementPlan, KpiDefinition
from lms.kpis.services import plans, values

HEADER = "employee_id,kpi,period,value\n"


def push(db, lines: str):
    plan = values.check_rows(db.session, values.read_file((HEADER + lines).encode(), "k.csv",
                                                          10**6))
    assert plan.ok, plan.problems
    values.import_values(db.session, None, plan, source="command")
    db.session.commit()


@pytest.fixture
def team(make_person, staff, db):
    mentor = make_person(roles=("mentor",), employee_id="MT1", email="mt1@example.com")
    manager = make_person(roles=("manager",), employee_id="MG1", email="mg1@example.com")
    other_mentor = make_person(roles=("mentor",), employee_id="MT2", email="mt2@example.com")
    staff["A1"].mentor_id, staff["A1"].manager_id = mentor.id, manager.id
    staff["A2"].manager_id = manager.id
    db.session.commit()
    return {"mentor": mentor, "manager": manager, "other": other_mentor}


def open_plans(db):
    return db.session.scalars(select(ImprovementPlan).where(ImprovementPlan.status == "open")
                              ).all()


def test_two_months_below_target_open_a_plan_and_recovery_closes_it(db, staff, team):
    push(db, "A1,FCR,2026-09,90\nA1,FCR,2026-10,80\n")
    assert open_plans(db) == []                           # one month below: not yet
    push(db, "A1,FCR,2026-11,78\nA2,FCR,2026-10,70\nA2,FCR,2026-11,71\n")
    by_person = {p.person_id: p for p in open_plans(db)}
    plan = by_person[staff["A1"].id]
    assert plan.owner_id == team["mentor"].id             # the mentor owns it
    assert by_person[staff["A2"].id].owner_id == team["manager"].id   # no mentor: the manager
    assert plan.detail["values"] == [["2026-10", "80"], ["2026-11", "78"]]
    assert plan.competency_ids and plan.due_on > plan.opened_on
    push(db, "A1,FCR,2026-11,78\n")                       # the same values: no second plan
    assert len(open_plans(db)) == 2
    push(db, "A1,FCR,2026-12,88\n")
    db.session.refresh(plan)
    assert plan.status == "closed" and plan.closed_reason == "kpi_recovered"


def test_one_import_follows_every_kpi_in_it(db, staff, team):
    # The KPIs of one import are read together: a higher-is-better one recovers while a
    # lower-is-better one stays behind (its plan waiting, not opened twice), and a single
    # period behind opens nothing.
    kpi_ids = {k.code: k.id for k in db.session.scalars(select(KpiDefinition))}
    push(db, "A1,FCR,2026-09,80\nA1,FCR,2026-10,80\nA1,FRT,2026-09,9\nA1,FRT,2026-10,9\n"
             "A2,FRT,2026-09,3\nA2,FRT,2026-10,3\n")
    assert sorted(p.kpi_id for p in open_plans(db)) == sorted([kpi_ids["FCR"], kpi_ids["FRT"]])
    push(db, "A1,FCR,2026-11,90\nA1,FRT,2026-11,10\nA2,FRT,2026-11,8\n")
    plans_now = db.session.scalars(select(ImprovementPlan)).all()
    assert {(p.person_id, p.kpi_id, p.status, p.closed_reason) for p in plans_now} == {
        (staff["A1"].id, kpi_ids["FCR"], "closed", "kpi_recovered"),
        (staff["A1"].id, kpi_ids["FRT"], "open", ""),
    }


@pytest.mark.parametrize("who, status", [
    ("A1", 200), ("mentor", 200), ("manager", 200), ("hr", 200), ("admin", 200),
    ("A3", 403), ("other", 403)])
def test_who_sees_a_plan(client, auth, db, staff, team, who, status):
    push(db, "A1,FCR,2026-10,80\nA1,FCR,2026-11,78\n")
    plan = open_plans(db)[0]
    auth.login({**staff, **team}[who])
    assert client.get(f"/plans/{plan.id}").status_code == status
    listing = client.get("/plans").get_data(as_text=True)
    assert (staff["A1"].name in listing) == (status == 200)


@pytest.mark.parametrize("who, status", [
    ("mentor", 302), ("manager", 302), ("hr", 302), ("A1", 403), ("other", 403)])
def test_who_checks_in(app, client, auth, db, staff, team, who, status):
    app.config["WTF_CSRF_ENABLED"] = False
    push(db, "A1,FCR,2026-10,80\nA1,FCR,2026-11,78\n")
    plan = open_plans(db)[0]
    auth.login({**staff, **team}[who])
    answer = client.post(f"/plans/{plan.id}", data={"note": "Shadowed two calls."})
    assert answer.status_code == status
    db.session.refresh(plan)
    assert len(plan.checkins) == (1 if status == 302 else 0)


def test_closing_after_the_follow_up(app, client, auth, db, staff, team):
    app.config["WTF_CSRF_ENABLED"] = False
    push(db, "A1,FCR,2026-10,80\nA1,FCR,2026-11,78\n")
    plan = open_plans(db)[0]
    auth.login(team["mentor"])
    assert client.post(f"/plans/{plan.id}", data={"note": ""}).status_code == 422
    assert client.post(f"/plans/{plan.id}/close").status_code == 302
    db.session.refresh(plan)
    assert plan.status == "closed" and plan.closed_reason == "followed_up"
    with pytest.raises(Exception, match="closed"):
        plans.add_checkin(db.session, team["mentor"], plan, "late")


def test_an_exam_failed_on_a_kpi_plans_competency_merges_into_it(db, staff, team, today):
    push(db, "A1,FCR,2026-10,80\nA1,FCR,2026-11,78\n")
    [plan] = open_plans(db)
    assert [(i.kind, i.reference_id) for i in plan.follow_ups()] == [("kpi", plan.kpi_id)]
    exam = plans.Trigger(kind="quiz", competency_ids=[plan.competency_ids[0], 999999],
                         follow_up=plans.Step("quiz", 7, "Complaint exam", "/quizzes/7"))
    plans.assessment_outcome(db.session, staff["A1"].id, exam, passed=False)
    db.session.commit()
    [merged] = open_plans(db)
    assert merged.id == plan.id and 999999 in merged.competency_ids
    assert [t["kind"] for t in merged.triggers()] == ["kpi", "quiz"]
    push(db, "A1,FCR,2026-12,88\n")              # the KPI recovers: the exam still waits
    db.session.refresh(plan)
    assert plan.status == "open"
    plans.assessment_outcome(db.session, staff["A1"].id, exam, passed=True)
    db.session.commit()
    assert plan.status == "closed" and plan.closed_in_time is True


def test_the_hr_report_counts_plans_per_team(app, client, auth, db, staff, team, make_team,
                                             today):
    hotline = make_team("Hotline")
    staff["A1"].team_id = hotline.id
    db.session.commit()
    push(db, "A1,FCR,2026-10,80\nA1,FCR,2026-11,78\nA2,FCR,2026-10,80\nA2,FCR,2026-11,78\n")
    late = next(p for p in open_plans(db) if p.person_id == staff["A2"].id)
    late.due_on = today.replace(day=1)           # past due: overdue
    db.session.commit()
    auth.login(staff["A1"])
    assert client.get("/plans/report").status_code == 403
    auth.logout()
    auth.login(staff["hr"])
    page = client.get("/plans/report").get_data(as_text=True)
    assert "Hotline" in page
    rows = client.get("/plans/report.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0] == "Team,Open,Overdue,Closed in time,Closed late"
    assert "Hotline,1,0,0,0" in rows and "No team,1,1,0,0" in rows
    assert rows[-1] == "All teams,2,1,0,0"


def test_the_owner_is_reminded_to_check_in(app, db, staff, team, today):
    from datetime import UTC, datetime, timedelta

    from lms.core.todo import todo_for

    push(db, "A1,FCR,2026-10,80\nA1,FCR,2026-11,78\n")
    with app.test_request_context():
        [item] = [i for i in todo_for(db.session, team["mentor"], datetime.now(UTC))
                  if "improvement plan" in i.title]
        assert item.due == today + timedelta(days=14) and not item.overdue
        later = datetime.combine(today + timedelta(days=15), datetime.min.time(), tzinfo=UTC)
        [item] = [i for i in todo_for(db.session, team["mentor"], later)
                  if "improvement plan" in i.title]
        assert item.overdue
        [own] = [i for i in todo_for(db.session, staff["A1"], later)
                 if "improvement plan" in i.title]
        assert own.title == "Work on your improvement plan"


@pytest.mark.parametrize("who, status", [("admin", 200), ("hr", 403), ("A1", 403)])
def test_who_changes_the_plan_settings(client, auth, db, staff, who, status):
    auth.login(staff[who])
    assert client.get("/admin/plans/settings").status_code == status


def test_bad_plan_settings_change_nothing(app, client, auth, db, staff):
    app.config["WTF_CSRF_ENABLED"] = False
    auth.login(staff["admin"])
    answer = client.post("/admin/plans/settings", data={
        "weak_level": "3", "plan_days": "0", "checkin_days": "14"})
    assert answer.status_code == 422
    assert plans.plan_settings(db.session).plan_days == 30
    answer = client.post("/admin/plans/settings", data={
        "weak_level": "2.5", "plan_days": "45", "checkin_days": "7"})
    assert answer.status_code == 302
    assert plans.plan_settings(db.session).plan_days == 45
