"""The references of the bulk tables hold on both databases: foreign keys on SQLite, statement
triggers on PostgreSQL (lms.core.references). A row without its parent is refused (one bad
row refuses the whole statement), a deleted parent takes its children along or is refused,
a referenced key cannot change, and a writer and a deleter of the same person never leave a
row behind."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from certificates.models import CertificationStanding
from lms.competencies.models import Competency, CompetencyLevel, Evidence
from lms.competencies.services.evidence import refresh_levels
from lms.core.database import insert_rows, upsert, writing
from lms.core.extensions import db as _db
from lms.kpis.models import KpiDefinition, KpiImport, KpiValue
from lms.paths.models import CertificationPath
from lms.people.models import Person
from tests.databases import someone_waits_for_a_lock

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _evidence(person_id: int, competency_id: int, n: int = 0) -> dict:
    return {"person_id": person_id, "competency_id": competency_id, "level": Decimal(3),
            "score": None, "source_kind": "kpi", "source_id": f"{person_id}:{n}",
            "weight": Decimal(1), "observed_at": NOW}


def _count(db, model, **where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


def _competency(db) -> int:
    return db.session.scalars(sa.select(Competency.id).order_by(Competency.id)).first()


def test_a_row_without_its_parent_refuses_the_whole_statement(db, defaults, make_person):
    people = [make_person().id for _n in range(60)]   # arrays on PostgreSQL
    competency = _competency(db)
    rows = [_evidence(p, competency) for p in people]
    rows[37] = _evidence(max(people) + 1000, competency)
    with pytest.raises(IntegrityError) as raised, db.session.begin_nested():
        insert_rows(db.session.connection(), Evidence.__table__, rows)
    assert "fk_competency_evidence_person_id_person" in str(raised.value) or \
        db.engine.dialect.name == "sqlite"   # SQLite names no constraint
    assert _count(db, Evidence) == 0
    bad_competency = [_evidence(p, competency + 10_000) for p in people[:3]]
    with pytest.raises(IntegrityError), db.session.begin_nested():
        insert_rows(db.session.connection(), Evidence.__table__, bad_competency)
    insert_rows(db.session.connection(), Evidence.__table__, rows[:37])
    assert _count(db, Evidence) == 37


def test_an_upsert_and_an_orm_write_are_checked(db, defaults, make_person):
    person = make_person()
    competency = _competency(db)
    level = {"person_id": person.id + 999, "competency_id": competency, "level": 2,
             "exact": Decimal(2), "sources": "kpi", "updated_at": NOW}
    with pytest.raises(IntegrityError), db.session.begin_nested():
        upsert(db.session.connection(), CompetencyLevel.__table__, [level],
               ("person_id", "competency_id"))
    path = db.session.scalars(sa.select(CertificationPath)).first()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(CertificationStanding(person_id=person.id, path_id=path.id + 999))
        db.session.flush()
    upsert(db.session.connection(), CompetencyLevel.__table__,
           [{**level, "person_id": person.id}], ("person_id", "competency_id"))
    assert _count(db, CompetencyLevel, person_id=person.id) == 1


def _kpi_value(db, person_id: int) -> KpiImport:
    kpi = db.session.scalars(sa.select(KpiDefinition)).first()
    record = KpiImport(actor_id=None, source="api", file_name="", reason="", rows=1,
                       replaced=0, created_at=NOW)
    db.session.add(record)
    db.session.flush()
    db.session.add(KpiValue(person_id=person_id, kpi_id=kpi.id, period_start=date(2026, 10, 1),
                            value=Decimal("88.5"), import_id=record.id, recorded_at=NOW))
    db.session.flush()
    return record


def test_deleting_a_person_takes_their_rows_along(db, defaults, make_person):
    gone, kept = make_person(), make_person()
    competency = _competency(db)
    for person in (gone, kept):
        insert_rows(db.session.connection(), Evidence.__table__,
                    [_evidence(person.id, competency)])
        refresh_levels(db.session.connection(), {(person.id, competency)})
        _kpi_value(db, person.id)
    assert _count(db, CompetencyLevel, person_id=gone.id) == 1   # the levels follow
    db.session.execute(sa.delete(Person.__table__).where(Person.id == gone.id))
    for model in (Evidence, CompetencyLevel, KpiValue):
        assert _count(db, model, person_id=gone.id) == 0, model
        assert _count(db, model, person_id=kept.id) == 1, model


def test_a_referenced_import_or_key_cannot_go(db, defaults, make_person):
    person = make_person()
    record = _kpi_value(db, person.id)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(sa.delete(KpiImport.__table__).where(KpiImport.id == record.id))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(Person.__table__).where(Person.id == person.id)
                           .values(id=person.id + 5000))
    assert _count(db, KpiValue, person_id=person.id) == 1


@pytest.mark.commits  # two threads, each with a connection of its own
def test_a_delete_waits_for_a_writer_of_the_same_person(app, db, defaults, make_person):
    # The writer's check locks the person as a foreign key would: the delete waits for it,
    # then its cascade removes what the writer committed. Nothing is left behind.
    person_id = make_person().id
    competency = _competency(db)
    written = threading.Event()
    seen = {}

    def writer() -> None:
        with app.app_context(), writing():
            insert_rows(_db.session.connection(), Evidence.__table__,
                        [_evidence(person_id, competency, n) for n in range(60)])
            written.set()
            if _db.engine.dialect.name == "postgresql":
                seen["waited"] = someone_waits_for_a_lock()
            _db.session.commit()
            _db.session.remove()

    def deleter() -> None:
        assert written.wait(10)
        with app.app_context(), writing():
            _db.session.execute(sa.delete(Person.__table__).where(Person.id == person_id))
            _db.session.commit()
            _db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in (pool.submit(writer), pool.submit(deleter)):
            future.result(timeout=30)
    if db.engine.dialect.name == "postgresql":
        assert seen["waited"], "the delete never waited for the writer"
    db.session.rollback()
    assert _count(db, Person, id=person_id) == 0
    assert _count(db, Evidence, person_id=person_id) == 0
    assert _count(db, CompetencyLevel, person_id=person_id) == 0
