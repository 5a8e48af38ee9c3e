"""Database plumbing: SQLite pragmas, concurrent writers, aware datetimes."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

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
