"""Two people finishing their first exam at the same moment both need the path's first rules
version: the later transaction uses the earlier one's row instead of failing (which answered
the loser's submit with 409 on PostgreSQL)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from certificates.models import RulesVersion
from certificates.services import rules
from lms.core.database import writing
from lms.core.extensions import db as _db
from lms.paths.models import CertificationPath
from tests.databases import someone_waits_for_a_lock


@pytest.mark.commits  # two threads, each with a connection of its own
def test_two_first_versions_at_once_make_one_row(app, db, make_path):
    path = make_path()
    db.session.commit()
    path_id = path.id
    first_inserted = threading.Event()
    second_blocked = {}

    def first() -> int:
        with app.app_context(), writing():
            version = rules.rules_version(_db.session, _db.session.get(CertificationPath,
                                                                       path_id))
            version_id = version.id
            first_inserted.set()
            if _db.engine.dialect.name == "postgresql":
                # Commit only once the second transaction, which could not see this row,
                # is waiting to insert the same one: the race, provoked every time.
                second_blocked["waited"] = someone_waits_for_a_lock()
            else:
                time.sleep(0.3)  # SQLite: the second writer waits for the write lock
            _db.session.commit()
            _db.session.remove()
            return version_id

    def second() -> int:
        assert first_inserted.wait(10)
        with app.app_context(), writing():
            version = rules.rules_version(_db.session, _db.session.get(CertificationPath,
                                                                       path_id))
            _db.session.commit()
            version_id = version.id
            _db.session.remove()
            return version_id

    with ThreadPoolExecutor(max_workers=2) as pool:
        ids = [f.result(timeout=30) for f in (pool.submit(first), pool.submit(second))]
    if db.engine.dialect.name == "postgresql":
        assert second_blocked["waited"], "the second transaction never raced the first"
    assert ids[0] == ids[1]
    db.session.rollback()
    versions = db.session.execute(select(RulesVersion.number, func.count()).where(
        RulesVersion.path_id == path_id).group_by(RulesVersion.number)).all()
    assert versions == [(1, 1)]


def test_changed_rules_get_the_next_number(db, make_path):
    path = make_path()
    first = rules.rules_version(db.session, path, {"rules": 1})
    again = rules.rules_version(db.session, path, {"rules": 1})
    changed = rules.rules_version(db.session, path, {"rules": 2})
    assert first.id == again.id and (first.number, changed.number) == (1, 2)
    assert changed.snapshot == {"rules": 2}
