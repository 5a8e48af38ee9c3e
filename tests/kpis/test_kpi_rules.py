"""Certification rules on KPIs: held for N periods in a row, shown in what is missing in
both languages, and re-evaluated when values arrive."""

from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy import select

from certificates.models import CertificationEvaluation
from certificates.services import rules
from certificates.services.missing import describe
from lms.kpis.models import KpiDefinition
from lms.kpis.services import requirements, values

HEADER = "employee_id,kpi,period,value\n"


def kpi(db, code):
    return db.session.scalar(select(KpiDefinition).where(KpiDefinition.code == code))


def push(db, lines: str):
    plan = values.check_rows(db.session, values.read_file((HEADER + lines).encode(), "k.csv",
                                                          10**6))
    assert plan.ok, plan.problems
    values.import_values(db.session, None, plan, source="command")
    db.session.commit()


def kpi_items(db, person, path, today):
    answer = rules.evaluate(db.session, person.id, path, rules.snapshot(db.session, path),
                            today)
    return [m for m in answer.missing if m["code"] == "kpi"]


def test_a_path_without_kpi_rules_keeps_its_document(db, defaults):
    assert "kpis" not in rules.snapshot(db.session, defaults["SENIOR"])


def test_held_for_three_months_in_a_row(db, staff, defaults, today):
    senior, a1 = defaults["SENIOR"], staff["A1"]
    requirements.save_requirement(db.session, None, senior, kpi(db, "CSAT"), Decimal(90), 3)
    db.session.commit()
    [item] = kpi_items(db, a1, senior, today)
    assert item["params"]["held"] == 0
    with force_locale("en"):
        assert describe(item) == "Customer satisfaction (CSAT) ≥ 90 % for 3 months in a row " \
                                 "(held 0)"
    with force_locale("zh_Hans_CN"):
        assert "客户满意度" in describe(item)
    push(db, "A1,CSAT,2026-10,91\nA1,CSAT,2026-11,93\n")
    assert kpi_items(db, a1, senior, today)[0]["params"]["held"] == 2
    push(db, "A1,CSAT,2026-09,88\n")           # below: the streak stays at two
    assert kpi_items(db, a1, senior, today)[0]["params"]["held"] == 2
    push(db, "A1,CSAT,2026-12,95\n")           # the current month: three in a row
    assert kpi_items(db, a1, senior, today) == []


def test_a_gap_or_an_old_streak_does_not_count(db, staff, defaults, today):
    senior, a2 = defaults["SENIOR"], staff["A2"]
    requirements.save_requirement(db.session, None, senior, kpi(db, "FCR"), Decimal(85), 2)
    db.session.commit()
    push(db, "A2,FCR,2026-08,90\nA2,FCR,2026-09,90\n")     # ended more than a month ago
    assert kpi_items(db, a2, senior, today)[0]["params"]["held"] == 0
    push(db, "A2,FCR,2026-11,90\n")                        # October missing: a gap
    assert kpi_items(db, a2, senior, today)[0]["params"]["held"] == 1


def test_lower_is_better_rules(db, staff, defaults, today):
    senior, a3 = defaults["SENIOR"], staff["A3"]
    requirements.save_requirement(db.session, None, senior, kpi(db, "REPEAT"), Decimal(5), 1)
    db.session.commit()
    push(db, "A3,REPEAT,2026-11,4.5\n")
    assert kpi_items(db, a3, senior, today) == []


def test_an_import_re_evaluates_the_people_concerned(db, staff, defaults, today):
    newhire, a1 = defaults["NEWHIRE"], staff["A1"]
    requirements.save_requirement(db.session, None, newhire, kpi(db, "QA"), Decimal(80), 1)
    db.session.commit()
    push(db, "A1,QA,2026-11,70\n")
    stored = db.session.scalar(select(CertificationEvaluation).where(
        CertificationEvaluation.person_id == a1.id,
        CertificationEvaluation.path_id == newhire.id))
    assert any(m["code"] == "kpi" for m in stored.missing)
    push(db, "A1,QA,2026-11,85\n")
    db.session.refresh(stored)
    assert not any(m["code"] == "kpi" for m in stored.missing)


def test_the_rules_page(app, client, auth, staff, defaults, db):
    app.config["WTF_CSRF_ENABLED"] = False
    auth.login(staff["admin"])
    assert client.get("/admin/kpis/requirements").status_code == 200
    answer = client.post("/admin/kpis/requirements", data={
        "path_id": defaults["SENIOR"].id, "kpi_id": kpi(db, "CSAT").id, "threshold": "120",
        "periods": "3"})
    assert answer.status_code == 422 and b"between" in answer.data
    answer = client.post("/admin/kpis/requirements", data={
        "path_id": defaults["SENIOR"].id, "kpi_id": kpi(db, "CSAT").id, "threshold": "90",
        "periods": "3"})
    assert answer.status_code == 302
    page = client.get("/admin/kpis/requirements").get_data(as_text=True)
    assert "3 periods in a row" in page
    auth.logout()
    auth.login(staff["hr"])
    assert client.get("/admin/kpis/requirements").status_code == 403
