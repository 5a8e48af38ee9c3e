"""The set-based engine gives exactly the answers and awards of evaluating one person at a
time: on the demo organisation (every kind of result, KPI streaks, certificates in every
state) today and later, and on a made-up population that is awarded in the same run."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from certificates.models import (
    AwardApproval,
    Certificate,
    CertificationEvaluation,
    CertificationSettings,
    RecertificationSlot,
    RulesVersion,
)
from certificates.services import awards, evaluation
from lms.competencies.models import Competency, Evidence
from lms.core import clock
from lms.core.extensions import db as _db
from lms.kpis.models import KpiDefinition, KpiRequirement, KpiValue
from lms.people.models import Person
from tests.conftest import QueryCounter

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _stored(session) -> dict:
    """Everything the engine writes, comparable across runs (ids of certificates aside)."""
    E, C, A = CertificationEvaluation, Certificate, AwardApproval
    # Versions by number and content: ids taken from a sequence differ after a rollback.
    versions = {v.id: (v.path_id, v.number, v.digest) for v in session.scalars(
        select(RulesVersion))}
    evaluations = {
        (e.person_id, e.path_id): (e.route, e.eligible, e.percent, e.rules_met, e.rules_total,
                                   e.missing, None if e.composite is None
                                   else Decimal(e.composite).normalize(),
                                   e.components, e.started, versions[e.rules_version_id],
                                   e.valid_until)
        for e in session.scalars(select(E))}
    certificates = sorted((c.person_id, c.path_id, c.status, c.route, c.issued_on,
                           c.expires_on, c.serial) for c in session.scalars(select(C)))
    approvals = sorted((a.person_id, a.path_id, a.status) for a in session.scalars(select(A)))
    return {"evaluations": evaluations, "certificates": certificates, "approvals": approvals}


def _one_at_a_time(session, today) -> dict:
    people = session.scalars(select(Person).order_by(Person.id)).all()
    for person in people:
        awards.evaluate_person(session, person, None, today)
    session.flush()
    return _stored(session)


def _all_at_once(session, today) -> dict:
    evaluation.evaluate_people(session, session.scalars(select(Person.id)).all(), None, today)
    session.flush()
    session.expire_all()
    return _stored(session)


def _compare(session, today) -> dict:
    expected = _one_at_a_time(session, today)
    session.rollback()
    got = _all_at_once(session, today)
    session.rollback()
    assert got["evaluations"].keys() == expected["evaluations"].keys()
    for pair, row in expected["evaluations"].items():
        assert got["evaluations"][pair] == row, pair
    assert got["certificates"] == expected["certificates"]
    assert got["approvals"] == expected["approvals"]
    return expected


@pytest.fixture
def demo_org(db):
    """The demo organisation (its template: tests/databases.py)."""
    return {p.employee_id: p for p in db.session.query(Person)}


@pytest.mark.parametrize("days_later", [0, 40, 200, 400])
def test_the_demo_organisation_gets_the_same_answers(db, demo_org, days_later):
    today = clock.today() + timedelta(days=days_later)
    clock.freeze(datetime.combine(today, datetime.min.time(), tzinfo=UTC)
                 + timedelta(hours=9))
    expected = _compare(db.session, today)
    # The comparison means something: the demo has answers of every kind.
    rows = expected["evaluations"].values()
    assert len(rows) > 20
    assert {route for route, *_rest in rows} >= {"initial"}
    assert any(eligible for _route, eligible, *_rest in rows)
    assert any(not eligible for _route, eligible, *_rest in rows)
    assert any(m["code"] == "kpi" for row in rows for m in row[5])


@pytest.fixture
def population(db, make_path, make_person, scores, defaults):
    """A new-hire path (exam, matrix, recertification) and a senior path (prerequisite,
    composite, a KPI rule, approval) and people in every state between."""
    clock.freeze(T0)
    newhire = make_path("NEW", slots=[("EXAM", "scorecard", "", None, "80")],
                        matrix={"COMM-LISTEN": 3})
    db.session.add(RecertificationSlot(path_id=newhire.id, code="RE", label="Re-exam",
                                       kind="scorecard", reference="re", pass_mark=Decimal(80),
                                       position=0, translations={}))
    db.session.add(CertificationSettings(path_id=newhire.id, require_approval=False,
                                         recert_window_days=60, recert_grace_days=30,
                                         recert_requires_matrix=True))
    senior = make_path("SEN", slots=[("CASE", "scorecard", "case", "60", None),
                                     ("CUST", "scorecard", "cust", "40", None)],
                       composite="80", prerequisite=newhire)
    db.session.add(CertificationSettings(path_id=senior.id, require_approval=True))
    csat = db.session.scalar(select(KpiDefinition).where(KpiDefinition.code == "CSAT"))
    db.session.add(KpiRequirement(path_id=senior.id, kpi_id=csat.id, threshold=Decimal(90),
                                  periods=2))
    listen = db.session.scalar(select(Competency).where(Competency.code == "COMM-LISTEN"))
    people = []
    for n in range(24):
        tier = newhire if n % 3 else senior
        person = make_person(employee_id=f"P{n:02d}", email=f"p{n}@example.com",
                             tier_id=tier.id)
        person.active = n != 7
        people.append(person)
        if n % 2:
            scores(person, 70 + n)                     # 71 … 93: some pass the exam
        if n % 3 == 0:
            scores(person, 60 + n * 2, "case")
            scores(person, 85, "cust")
        if n % 5 == 0:
            scores(person, 85, "re", at=T0 - timedelta(days=10 * n))
        db.session.add(Evidence(person_id=person.id, competency_id=listen.id,
                                level=Decimal(2 + n % 3), source_kind="quiz",
                                source_id=f"q{n}", weight=Decimal(1),
                                observed_at=T0 - timedelta(days=30)))
        for months, value in ((0, 88 + n % 5), (1, 91), (2, 95)):
            month = date(2026, 12 - months, 1)
            db.session.add(KpiValue(person_id=person.id, kpi_id=csat.id, period_start=month,
                                    value=Decimal(value), recorded_at=T0))
        if n % 6 == 0:   # certified a while ago: inside or outside the recertification window
            issued = date(2025, 12, 1) + timedelta(days=20 * n)
            db.session.add(Certificate(
                serial=f"OLD-{n}", verify_code=f"v{n}", achievement_key=f"{person.id}:old",
                person_id=person.id, path_id=newhire.id, rules_version_id=_version(db, newhire),
                route="initial", status="revoked" if n == 12 else "valid",
                holder_name=person.name, path_name=newhire.name, issued_on=issued,
                expires_on=issued.replace(year=issued.year + 1), validity_months=12))
    db.session.commit()
    return people


def _version(db, path):
    from certificates.services import rules

    return rules.rules_version(db.session, path).id


def test_a_made_up_population_is_answered_and_awarded_the_same(db, population):
    expected = _compare(db.session, clock.today())
    # Awards and approval requests happened in the run, and the KPI streak mattered.
    assert len(expected["certificates"]) > 4
    assert expected["approvals"]
    assert any(route == "recert" for route, *_rest in expected["evaluations"].values())
    assert any(m["code"] == "kpi" for row in expected["evaluations"].values()
               for m in row[5])


def test_many_people_cost_the_same_queries_as_a_few(db, make_path, make_person, defaults):
    clock.freeze(T0)
    path = make_path("NEW", slots=[("EXAM", "scorecard", "", None, "80")],
                     matrix={"COMM-LISTEN": 3})
    ids = [make_person(employee_id=f"Q{n}", email=f"q{n}@example.com", tier_id=path.id).id
           for n in range(24)]
    counts = []
    for group in (ids[:3], ids):
        with QueryCounter(_db.engine) as counter:
            assert evaluation.evaluate_people(db.session, group) == len(group)
        db.session.rollback()
        counts.append(counter.count)
    assert counts[0] == counts[1]
