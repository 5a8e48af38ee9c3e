"""Opening improvement plans for a KPI is set-based (issue #21): everyone below target for
the KPI's periods gets a plan, its follow-up, the practice course (enrolled, told) and an
audit entry in a number of statements that does not grow with the number of people; someone
with an open plan on the KPI's competency has the KPI merged into it, not a second plan."""

from datetime import date

import pytest
from sqlalchemy import func, insert, select

from courses.models import Enrollment
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.kpis.models import ImprovementItem, ImprovementPlan, KpiDefinition, KpiValue
from lms.kpis.services import plans
from lms.notifications.models import Notification, OutboxEmail
from lms.people.models import Person

OCTOBER, NOVEMBER = date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture
def fcr(db, defaults, today):
    return db.session.scalar(select(KpiDefinition).where(KpiDefinition.code == "FCR"))


@pytest.fixture
def practice(fcr, make_course):
    """A published course on FCR's competency: every plan on it enrols its person."""
    return make_course("FCR-1", publish=True,
                       competency_ids=[fcr.competencies[0].competency_id])


def below_target(db, fcr, count: int, prefix: str) -> list[int]:
    """`count` new agents with FCR below target in October and November (their ids)."""
    now = clock.now()
    ids = db.session.scalars(insert(Person.__table__).returning(Person.__table__.c.id), [
        {"employee_id": f"{prefix}{n:04d}", "name": f"Agent {prefix}{n}",
         "sort_name": f"Agent {prefix}{n}", "email": f"{prefix.lower()}{n}@example.com",
         "active": True, "can_author": False, "session_version": 1, "created_at": now,
         "updated_at": now} for n in range(count)]).all()
    db.session.execute(insert(KpiValue.__table__), [
        {"person_id": pid, "kpi_id": fcr.id, "period_start": month, "value": 70,
         "recorded_at": now} for pid in ids for month in (OCTOBER, NOVEMBER)])
    db.session.commit()
    return ids


def with_open_plan(db, person_ids: list[int], competency_id: int) -> None:
    """A failed exam's open plan on `competency_id` for each of `person_ids`."""
    for pid in person_ids:
        db.session.add(ImprovementPlan(
            person_id=pid, trigger="quiz", detail={"triggers": [{"kind": "quiz"}]},
            competency_ids=[competency_id], opened_on=clock.today(),
            due_on=date(2026, 12, 20), status="open", closed_reason=""))
    db.session.commit()


def follow(db, fcr, ids, count_queries):
    with count_queries() as counter:
        done = plans.follow_kpis(db.session, {fcr.id: NOVEMBER}, set(ids))
        db.session.flush()
    db.session.commit()
    return done, counter.count


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_statements_do_not_grow_with_the_people_behind(db, fcr, practice, count_queries):
    competency_id = fcr.competencies[0].competency_id
    small, large = below_target(db, fcr, 30, "S"), below_target(db, fcr, 300, "L")
    # A tenth of each already has an open plan on FCR's competency: merged, same statements.
    with_open_plan(db, small[::10] + large[::10], competency_id)
    (opened_small, _c), statements_small = follow(db, fcr, small, count_queries)
    (opened_large, _c), statements_large = follow(db, fcr, large, count_queries)
    assert (opened_small, opened_large) == (27, 270)
    assert statements_large == statements_small
    assert statements_small < 40

    for ids in (small, large):
        assert count(db, ImprovementPlan, ImprovementPlan.person_id.in_(ids)) == len(ids)
        opened = db.session.scalars(select(ImprovementPlan).where(
            ImprovementPlan.person_id.in_(ids), ImprovementPlan.trigger == "kpi")).all()
        assert len(opened) == len(ids) - len(ids[::10])
        plan = opened[0]
        assert plan.kpi_id == fcr.id and plan.detail["values"] == [["2026-10", "70"],
                                                                   ["2026-11", "70"]]
        assert [(i.purpose, i.kind, i.reference_id) for i in plan.items] == [
            ("follow_up", "kpi", fcr.id), ("practice", "course", practice.id)]
        assert plan.due_on == date(2027, 1, 4)           # 30 days after 5 December
        # The new plans' people are enrolled, due with the plan, and told once each.
        enrolled = db.session.scalars(select(Enrollment).where(
            Enrollment.person_id.in_([p.person_id for p in opened]))).all()
        assert {(e.course_id, e.due_date) for e in enrolled} == {(practice.id, plan.due_on)}
        assert len(enrolled) == len(opened)
        assert count(db, Notification, Notification.kind == "enrolment",
                     Notification.person_id.in_(ids)) == len(opened)
        assert count(db, OutboxEmail, OutboxEmail.to_address.like(
            f"{'s' if ids is small else 'l'}%@example.com")) == len(opened)
    assert count(db, AuditEntry, AuditEntry.action == "improvement_plan.open") == 297
    assert count(db, AuditEntry, AuditEntry.action == "enrolment.create") == 297


def test_an_open_plan_on_the_competency_takes_the_kpi_in(db, fcr, practice, count_queries):
    competency_id = fcr.competencies[0].competency_id
    merged, elsewhere, fresh = below_target(db, fcr, 3, "M")
    with_open_plan(db, [merged], competency_id)
    with_open_plan(db, [elsewhere], competency_id + 999)       # another competency
    (opened, closed), _statements = follow(db, fcr, [merged, elsewhere, fresh], count_queries)
    assert (opened, closed) == (2, 0)
    [plan] = db.session.scalars(select(ImprovementPlan).where(
        ImprovementPlan.person_id == merged)).all()
    assert plan.trigger == "quiz" and plan.kpi_id is None     # the first trigger heads it
    assert [t["kind"] for t in plan.triggers()] == ["quiz", "kpi"]
    assert plan.competency_ids == [competency_id]
    # The competency was weak already: the KPI to recover, no practice assigned again.
    assert [(i.purpose, i.kind) for i in plan.items] == [("follow_up", "kpi")]
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "improvement_plan.merge")).all()
    assert entry.object_id == str(plan.id) and entry.details == {
        "person": "M0000", "trigger": "kpi", "follow_up": fcr.name}
    assert count(db, ImprovementPlan, ImprovementPlan.person_id == elsewhere) == 2
    assert count(db, ImprovementPlan, ImprovementPlan.person_id == fresh) == 1
    # The same values again: everyone waits for FCR already, nothing opens or merges.
    assert follow(db, fcr, [merged, elsewhere, fresh], count_queries)[0] == (0, 0)
    assert count(db, ImprovementPlan) == 4
    assert count(db, ImprovementItem, ImprovementItem.kind == "kpi") == 3


def test_one_call_with_the_same_person_twice(db, fcr, staff, practice):
    # A person can appear more than once in one batch: a trigger on a plan's competency
    # merges into the plan the batch opened, one on others opens a second, as calls one
    # after the other would.
    weak = fcr.competencies[0].competency_id
    exam = plans.Trigger(kind="quiz", competency_ids=[weak],
                         follow_up=plans.Step("quiz", 7, "Exam", "/quizzes/7"))
    scenario = plans.Trigger(kind="roleplay", competency_ids=[weak, 999999],
                             follow_up=plans.Step("roleplay", 8, "Angry caller", "/r/8"))
    other = plans.Trigger(kind="quiz", competency_ids=[888888],
                          follow_up=plans.Step("quiz", 9, "Products", "/quizzes/9"))
    done = plans.open_or_merge_many(db.session, [(staff["A1"], exam), (staff["A1"], scenario),
                                                 (staff["A1"], other)])
    db.session.commit()
    first, second = db.session.scalars(select(ImprovementPlan).order_by(ImprovementPlan.id))
    assert done == [(first.id, True), (first.id, False), (second.id, True)]
    assert first.competency_ids == [weak, 999999] and second.competency_ids == [888888]
    assert [(i.purpose, i.kind) for i in first.items] == [
        ("follow_up", "quiz"), ("follow_up", "roleplay"), ("practice", "course")]
    assert [(i.purpose, i.kind, i.reference_id) for i in second.items] == [
        ("follow_up", "quiz", 9)]
    assert [(e.action, e.object_id) for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "ImprovementPlan").order_by(AuditEntry.id))] == [
        ("improvement_plan.open", str(first.id)), ("improvement_plan.open", str(second.id)),
        ("improvement_plan.merge", str(first.id))]


def test_plans_close_in_bulk_when_the_kpi_recovers(db, fcr, practice, count_queries):
    # Everyone's FCR plan waits for FCR to recover; December is back on target for all: the
    # follow-ups are met and the plans closed (with their audit entries) in statements that
    # do not grow with the people.
    small, large = below_target(db, fcr, 30, "S"), below_target(db, fcr, 300, "L")
    follow(db, fcr, small + large, count_queries)
    december = date(2026, 12, 1)
    now = clock.now()
    db.session.execute(insert(KpiValue.__table__), [
        {"person_id": pid, "kpi_id": fcr.id, "period_start": december, "value": 95,
         "recorded_at": now} for pid in small + large])
    db.session.commit()
    results = []
    for ids in (small, large):
        with count_queries() as counter:
            done = plans.follow_kpis(db.session, {fcr.id: december}, set(ids))
            db.session.flush()
        db.session.commit()
        results.append((done, counter.count))
    (small_done, small_statements), (large_done, large_statements) = results
    assert (small_done, large_done) == ((0, 30), (0, 300))
    assert large_statements == small_statements
    closed = db.session.scalars(select(ImprovementPlan).where(
        ImprovementPlan.person_id.in_(small + large))).all()
    assert {(p.status, p.closed_reason, p.closed_in_time) for p in closed} == {
        ("closed", "kpi_recovered", True)}
    assert count(db, ImprovementItem, ImprovementItem.purpose == "follow_up",
                 ImprovementItem.met_on.is_(None),
                 ImprovementItem.plan_id.in_([p.id for p in closed])) == 0
    assert count(db, AuditEntry, AuditEntry.action == "improvement_plan.close",
                 AuditEntry.reason == "kpi_recovered") == 330
