"""Fixtures of the report tests: the demo organisation and a query counter."""

import pytest
from sqlalchemy import event

from lms import clock
from lms.demo import seed_demo
from lms.people.models import Person


@pytest.fixture
def demo_org(db):
    """The demo organisation, committed; returns {employee_id: Person}."""
    seed_demo(db.session, clock.today())
    db.session.commit()
    return {p.employee_id: p for p in db.session.query(Person)}


class QueryCounter:
    """Counts the SQL statements sent while active (BEGIN/SAVEPOINT excluded)."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._hit)

    def _hit(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            self.count += 1


@pytest.fixture
def count_queries(db):
    """count_queries() -> a context manager whose .count is the statements sent inside."""
    return lambda: QueryCounter(db.engine)
