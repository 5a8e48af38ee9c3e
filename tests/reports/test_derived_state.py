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
    check_levels,
    record_evidence,
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
    # One read and one write; on PostgreSQL first the person's advisory lock.
    assert counter.count == (3 if connection.dialect.name == "postgresql" else 2)


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
