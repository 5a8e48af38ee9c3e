"""Database plumbing: SQLite pragmas, concurrent writers, aware datetimes."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from lms.people.models import Person
from tests.conftest import ON_POSTGRES, PASSWORD


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite pragmas")
def test_sqlite_pragmas(db):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_foreign_keys_enforced(db):
    db.session.add(Person(employee_id="X", name="X", email="x@example.com", team_id=4242))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.commits  # threads with connections of their own
def test_concurrent_writers_never_see_database_is_locked(app, make_person, db):
    """Eight clients (separate connections, like separate gunicorn workers) change their
    language at once, many times: every write lands, none fails with "database is locked"."""
    people = [make_person() for _ in range(8)]
    emails = [p.email for p in people]

    def work(email: str) -> list[int]:
        client = app.test_client()
        statuses = [client.post("/login", data={"login": email, "password": PASSWORD})
                    .status_code]
        for n in range(15):
            locale = "zh_Hans_CN" if n % 2 == 0 else "en"
            statuses.append(client.post("/language", data={"lang-locale": locale}).status_code)
            statuses.append(client.get("/account").status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, emails))
    assert all(code in (200, 302) for statuses in results for code in statuses), results
    db.session.rollback()  # end the test's own read snapshot (SQLite WAL keeps it otherwise)
    # 15 alternating writes end on "zh_Hans_CN" (n = 14 is even).
    assert {db.session.get(Person, p.id).locale for p in people} == {"zh_Hans_CN"}


def test_datetimes_come_back_aware_utc(db, make_person):
    person = make_person()
    db.session.expire_all()
    created = db.session.get(Person, person.id).created_at
    assert created.tzinfo is not None and created.utcoffset().total_seconds() == 0
    with pytest.raises(sa.exc.StatementError):
        person.created_at = datetime(2026, 1, 1)  # naive: refused
        db.session.flush()
    db.session.rollback()
    assert datetime.now(UTC) >= created


def test_bulk_rows_are_stored_as_given(db, defaults, make_person):
    # insert_rows and upsert bind one array per column on PostgreSQL (one value for a column
    # the rows share, NULLs and aware datetimes included); SQLite takes an executemany: the
    # rows read back the same either way, and an upsert replaces only the rows it names.
    from decimal import Decimal

    from lms.competencies.models import Competency, CompetencyLevel, Evidence
    from lms.core.database import insert_rows, upsert

    people = [make_person().id for _n in range(60)]   # over _ARRAY_ROWS: arrays on PostgreSQL
    competencies = db.session.scalars(sa.select(Competency.id).limit(2)).all()
    moments = [datetime(2026, 11, 30, 16, 0, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)]
    rows = [{"person_id": p, "competency_id": c, "level": Decimal(n % 5) + Decimal("0.25"),
             "score": None if n % 2 else Decimal("77.5"), "source_kind": "kpi",
             "source_id": f"{p}:{n}", "weight": Decimal(1), "observed_at": moments[n % 2]}
            for n, (p, c) in enumerate((p, c) for p in people for c in competencies)]
    # Texts may hold anything, the separators of the joined form included (that column then
    # travels as an array), and empty texts stay empty, not NULL.
    rows[3]["source_id"], rows[4]["source_id"] = "王芳:4", ""
    rows[70]["source_id"] = "a\x1fb\x1e"
    insert_rows(db.session.connection(), Evidence.__table__, rows[:60])
    insert_rows(db.session.connection(), Evidence.__table__, rows[60:])
    E = Evidence.__table__.c
    stored = db.session.execute(sa.select(
        E.person_id, E.competency_id, E.level, E.score, E.source_kind, E.source_id, E.weight,
        E.observed_at).where(E.person_id.in_(people))).all()
    assert sorted(tuple(r) for r in stored) == sorted(tuple(r.values()) for r in rows)
    levels = [{"person_id": p, "competency_id": competencies[0], "level": 2,
               "exact": Decimal("2.125"), "sources": "kpi", "updated_at": moments[0]}
              for p in people]
    upsert(db.session.connection(), CompetencyLevel.__table__, levels,
           ("person_id", "competency_id"))
    upsert(db.session.connection(), CompetencyLevel.__table__,
           [{**row, "level": 3, "exact": Decimal("3.5")} for row in levels[:10]] + levels[10:],
           ("person_id", "competency_id"))
    L = CompetencyLevel.__table__.c
    assert sorted(db.session.execute(sa.select(L.level, sa.func.count()).where(
        L.person_id.in_(people)).group_by(L.level)).all()) == [(2, 50), (3, 10)]


def test_json_columns_travel_as_text_arrays(db, defaults, make_person):
    # The certification engine upserts thousands of evaluations with JSON columns: on
    # PostgreSQL they go as text arrays cast back to JSON. A list, a dict with Chinese text,
    # a shared object and JSON's null read back as the ORM would have stored them (null is
    # JSON's null, not SQL NULL: the columns are NOT NULL).
    from certificates.models import CertificationEvaluation
    from certificates.services import rules
    from lms.core.database import upsert
    from lms.paths.models import CertificationPath

    path = db.session.scalars(sa.select(CertificationPath).limit(1)).one()
    version = rules.rules_version(db.session, path, rules.snapshot(db.session, path))
    people = [make_person().id for _n in range(60)]
    shared = [{"code": "course", "params": {"title": "客户服务基础"}}]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [{"person_id": p, "path_id": path.id, "route": "initial", "eligible": False,
             "percent": n, "rules_met": 0, "rules_total": 3,
             "missing": shared if n % 3 else [{"code": "kpi", "params": {"n": n}}],
             "composite": None, "components": {"EXAM": str(n)} if n % 2 else {},
             "started": bool(n % 2), "valid_until": None, "rules_version_id": version.id,
             "evaluated_at": now} for n, p in enumerate(people)]
    rows[5]["missing"] = None
    upsert(db.session.connection(), CertificationEvaluation.__table__, rows,
           ("person_id", "path_id"))
    E = CertificationEvaluation.__table__.c
    stored = {pid: (missing, components) for pid, missing, components in db.session.execute(
        sa.select(E.person_id, E.missing, E.components).where(E.person_id.in_(people)))}
    assert stored == {row["person_id"]: (row["missing"], row["components"]) for row in rows}
    assert db.session.scalar(sa.select(sa.func.count()).where(
        E.person_id.in_(people), E.missing.is_(None))) == 0
    upsert(db.session.connection(), CertificationEvaluation.__table__,
           [{**row, "missing": [], "percent": 100} for row in rows],
           ("person_id", "path_id"))
    assert {(str(missing), percent) for missing, percent in db.session.execute(
        sa.select(E.missing, E.percent).where(E.person_id.in_(people)))} == {("[]", 100)}


def test_a_bulk_writer_has_grown_tables_counted(db, defaults):
    # PostgreSQL plans `person_id = ANY(…)` as a whole-table read until a table's rows are
    # counted: a writer of thousands of rows counts a table it grew by half or more (its own
    # uncommitted rows included), and leaves small writes and counted tables alone.
    from lms.core.database import keep_statistics
    from lms.kpis.models import KpiDefinition, KpiValue

    connection = db.session.connection()
    if db.engine.dialect.name != "postgresql":
        assert keep_statistics(connection, {"kpi_value": 5000}) == []
        return
    # The count survives a rollback (PostgreSQL writes it in place): start from an empty one,
    # whatever an earlier test on this database left.
    connection.execute(sa.text("ANALYZE kpi_value"))
    now = datetime(2026, 12, 1, tzinfo=UTC)
    people = connection.execute(sa.insert(Person.__table__).returning(Person.__table__.c.id), [
        {"employee_id": f"S{n:05d}", "name": f"坐席 {n}", "sort_name": f"坐席 {n}",
         "email": f"s{n}@example.com", "active": True, "can_author": False,
         "session_version": 1, "created_at": now, "updated_at": now}
        for n in range(1500)]).scalars().all()
    kpis = db.session.scalars(sa.select(KpiDefinition.id).limit(2)).all()
    connection.execute(sa.insert(KpiValue.__table__), [
        {"person_id": p, "kpi_id": k, "period_start": date(2026, 11, 1), "value": 80,
         "recorded_at": now} for p in people for k in kpis])
    assert keep_statistics(connection, {"kpi_value": 999}) == []          # a small write
    assert keep_statistics(connection, {"kpi_value": 3000}) == ["kpi_value"]
    counted = connection.scalar(sa.text("SELECT reltuples FROM pg_class "
                                        "WHERE oid = 'kpi_value'::regclass"))
    assert counted >= 3000
    assert keep_statistics(connection, {"kpi_value": 1200}) == []         # counted: 40 %
