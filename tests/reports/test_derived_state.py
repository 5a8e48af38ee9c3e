"""Stored derived state (competency levels, certification standings) stays equal to what the
history gives, and `check-derived` proves it, reports drift and corrects it."""

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from certificates.models import Certificate, CertificationStanding
from certificates.services.standing import check_standings
from lms.competencies.models import Competency, CompetencyLevel, Evidence
from lms.competencies.services.evidence import (
    Observation,
    add_evidence,
    check_levels,
    record_evidence,
    record_evidence_many,
    refresh_levels,
)
from lms.core import database
from lms.core.database import writing
from reports.services import level_tally
from tests.conftest import QueryCounter


def _competency(db, code):
    return db.session.scalar(select(Competency).where(Competency.code == code))


def _stored(db, person, competency):
    return db.session.get(CompetencyLevel, (person.id, competency.id))


def _observe(competency, level, day=1):
    return Observation(competency_id=competency.id, level=Decimal(level), score=None,
                       observed_at=datetime(2026, 11, day, tzinfo=UTC))


def test_record_evidence_keeps_the_stored_level_and_replaces_a_source(db, defaults,
                                                                       make_person):
    person = make_person()
    empathy, listening = _competency(db, "COMM-EMPATHY"), _competency(db, "COMM-LISTEN")
    record_evidence(db.session, person_id=person.id, source_kind="quiz", source_id=7,
                    observations=[_observe(empathy, "3.6"), _observe(listening, "2.4")])
    record_evidence(db.session, person_id=person.id, source_kind="roleplay", source_id=9,
                    observations=[_observe(empathy, "4.4", day=2)])
    db.session.commit()
    assert (_stored(db, person, empathy).level, _stored(db, person, empathy).exact) == (
        4, Decimal("4.00000000"))
    assert _stored(db, person, listening).level == 2
    # A regrade of the quiz: listening is no longer evidenced, empathy changes.
    record_evidence(db.session, person_id=person.id, source_kind="quiz", source_id=7,
                    observations=[_observe(empathy, "2.0", day=3)])
    db.session.commit()
    db.session.expire_all()
    assert _stored(db, person, listening) is None
    assert _stored(db, person, empathy).exact == Decimal("3.20000000")   # (2.0 + 4.4) / 2
    assert check_levels(db.session) == []


def test_a_cell_costs_one_read_and_one_write(db, defaults, make_person):
    person = make_person()
    empathy = _competency(db, "COMM-EMPATHY")
    db.session.add(Evidence(person_id=person.id, competency_id=empathy.id, level=Decimal(3),
                            source_kind="quiz", source_id="1", weight=Decimal(1),
                            observed_at=datetime(2026, 11, 1, tzinfo=UTC)))
    db.session.commit()
    cell = (person.id, empathy.id)
    connection = db.session.connection()
    with QueryCounter(db.engine) as counter:
        refresh_levels(connection, {cell})
    # One read and one write; on PostgreSQL the person's advisory lock, then one statement
    # that reads and writes in the database.
    assert counter.count == 2


def test_many_results_follow_the_profile_policy_in_one_pass(db, defaults, make_person):
    # record_evidence_many recomputes the touched cells at once (on PostgreSQL in SQL): the
    # stored levels are what check_levels' replay in Python gives, case by case.
    first, second = make_person(), make_person()
    empathy, listening, tone = (_competency(db, code) for code in
                                ("COMM-EMPATHY", "COMM-LISTEN", "COMM-TONE"))
    record_evidence(db.session, person_id=first.id, source_kind="roleplay", source_id=1,
                    observations=[_observe(empathy, "3.00"),
                                  Observation(listening.id, Decimal("3.00"), None,
                                              datetime(2026, 11, 1, tzinfo=UTC),
                                              weight=Decimal("0.02"))])
    record_evidence(db.session, person_id=first.id, source_kind="quiz_check", source_id=2,
                    observations=[Observation(tone.id, Decimal("4.00"), None,
                                              datetime(2026, 11, 1, tzinfo=UTC),
                                              weight=Decimal(0))])
    written = record_evidence_many(db.session, source_kind="kpi", results=[
        # A half rounds up once: (2 + 3) / 2 = 2.5 → 3.
        (first.id, "a", [_observe(empathy, "2.00", day=2),
                         # (20.46 + 0.06) / 20.48 = 1.001953125: half up at the 9th place.
                         Observation(listening.id, Decimal("1.00"), None,
                                     datetime(2026, 11, 2, tzinfo=UTC),
                                     weight=Decimal("20.46"))]),
        # An older row of the same kind is history: only the latest counts.
        (second.id, "b", [_observe(empathy, "5.00", day=1)]),
        (second.id, "c", [_observe(empathy, "2.00", day=3), _observe(tone, "4.40", day=3)]),
    ])
    db.session.flush()
    assert written == 5
    levels = {(p, c): (row.level, row.exact, row.sources) for p, c, row in (
        (row.person_id, row.competency_id, row) for row in db.session.scalars(
            select(CompetencyLevel).where(CompetencyLevel.person_id.in_([first.id,
                                                                         second.id]))))}
    assert levels == {
        (first.id, empathy.id): (3, Decimal("2.50000000"), "kpi,roleplay"),
        (first.id, listening.id): (1, Decimal("1.00195313"), "kpi,roleplay"),
        (second.id, empathy.id): (2, Decimal("2.00000000"), "kpi"),
        (second.id, tone.id): (4, Decimal("4.40000000"), "kpi"),
    }   # the weightless knowledge check gives `tone` no level for the first person
    # A result replaced by one that evidences nothing takes its cells' levels away.
    record_evidence_many(db.session, source_kind="kpi", results=[(second.id, "c", [])])
    db.session.flush()
    db.session.expire_all()
    assert _stored(db, second, tone) is None
    assert (_stored(db, second, empathy).level, _stored(db, second, empathy).exact) == (
        5, Decimal("5.00000000"))
    assert check_levels(db.session) == []


def test_added_history_rows_bring_the_stored_levels_along(db, defaults, make_person):
    # add_evidence writes rows as they are, in one statement, and the levels of the cells
    # they touch follow: an older row of a kind changes nothing, a new kind does.
    person = make_person()
    empathy, tone = _competency(db, "COMM-EMPATHY"), _competency(db, "COMM-TONE")
    record_evidence(db.session, person_id=person.id, source_kind="roleplay", source_id=1,
                    observations=[_observe(empathy, "4.00", day=10)])

    def row(competency, level, kind, day):
        return {"person_id": person.id, "competency_id": competency.id,
                "level": Decimal(level), "score": None, "source_kind": kind,
                "source_id": f"history-{day}", "weight": Decimal(1),
                "observed_at": datetime(2026, 11, day, tzinfo=UTC)}

    with QueryCounter(db.engine) as counter:
        added = add_evidence(db.session, [row(empathy, "2.00", "roleplay", 1),
                                          row(empathy, "1.00", "kpi", 2),
                                          row(tone, "3.00", "kpi", 3)])
    assert added == 3
    assert sum(1 for text in counter.statements
               if text.startswith("INSERT INTO competency_evidence")) == 1
    db.session.expire_all()
    # Latest per kind (roleplay 4, kpi 1) averaged: 2.5 rounds half up to 3.
    assert (_stored(db, person, empathy).level, _stored(db, person, empathy).exact,
            _stored(db, person, empathy).sources) == (3, Decimal("2.50000000"), "kpi,roleplay")
    assert _stored(db, person, tone).level == 3
    assert add_evidence(db.session, []) == 0
    assert check_levels(db.session) == []


def test_check_derived_finds_drift_and_fixes_it(app, demo_org, db, runner, monkeypatch):
    result = runner.invoke(args=["check-derived"])
    assert result.exit_code == 0, result.output
    assert "0 competency levels and 0 standings differ." in result.output
    levels = db.session.scalar(select(CompetencyLevel).limit(1))
    standing = db.session.scalar(select(CertificationStanding)
                                 .where(CertificationStanding.valid_certificate_id.is_not(None))
                                 .limit(1))
    assert levels is not None and standing is not None
    db.session.execute(update(CompetencyLevel).where(
        CompetencyLevel.person_id == levels.person_id,
        CompetencyLevel.competency_id == levels.competency_id).values(level=levels.level + 1))
    db.session.execute(delete(CertificationStanding).where(
        CertificationStanding.person_id == standing.person_id,
        CertificationStanding.path_id == standing.path_id))
    db.session.commit()

    result = runner.invoke(args=["check-derived"])
    assert result.exit_code == 1
    assert f"level person={levels.person_id} competency={levels.competency_id}" in result.output
    assert f"standing person={standing.person_id} path={standing.path_id}" in result.output
    assert "1 competency levels and 1 standings differ." in result.output

    # A fix of many people locks the tables instead of one lock per person (PostgreSQL's lock
    # table would run out at 100,000): exercised here on the two people.
    monkeypatch.setattr(database, "MANY_KEYS", 0)
    fixed = runner.invoke(args=["check-derived", "--fix"])
    assert fixed.exit_code == 0 and "(corrected)" in fixed.output
    again = runner.invoke(args=["check-derived"])
    assert again.exit_code == 0, again.output


def test_certificate_writes_keep_the_standing(app, demo_org, db):
    certificate = db.session.scalar(select(Certificate).where(Certificate.status == "valid")
                                    .limit(1))
    stored = db.session.get(CertificationStanding, (certificate.person_id, certificate.path_id))
    assert stored.valid_certificate_id == certificate.id
    certificate.status = "revoked"
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(CertificationStanding, (certificate.person_id, certificate.path_id))
    assert stored.latest_status == "revoked"
    assert stored.valid_certificate_id in (None, certificate.previous_id)
    assert check_standings(db.session) == []


@pytest.mark.commits  # threads with connections of their own
def test_concurrent_writers_leave_no_drift(app, defaults, db, make_person):
    people = [make_person() for _ in range(4)]
    empathy, listening = _competency(db, "COMM-EMPATHY"), _competency(db, "COMM-LISTEN")
    db.session.commit()
    ids = [p.id for p in people]
    cells = [(empathy.id, "1"), (listening.id, "3")]
    db.session.rollback()  # the threads' commits must be visible to this session afterwards
    errors = []

    def write(worker: int):
        try:
            with app.app_context(), writing():
                from lms.core.extensions import db as shared

                for round_ in range(12):
                    for person_id in ids:
                        record_evidence(
                            shared.session, person_id=person_id, source_kind="quiz",
                            source_id=f"{worker}-{round_}-{person_id}",
                            observations=[
                                Observation(competency_id=cid,
                                            level=Decimal(level) + (worker + round_) % 3,
                                            score=None,
                                            observed_at=datetime(2026, 11, 1 + round_,
                                                                 tzinfo=UTC))
                                for cid, level in cells])
                        shared.session.commit()
                shared.session.remove()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.rollback()
    assert check_levels(db.session) == []
    # The heat map's counters, kept by triggers under the same concurrent writers.
    assert level_tally.check(db.session.connection()) == []
    assert len(db.session.scalars(select(CompetencyLevel).where(
        CompetencyLevel.person_id.in_(ids))).all()) == 8
