"""Fixtures of the report tests: the demo organisation."""

import pytest

from lms import clock
from lms.demo import seed_demo
from lms.people.models import Person


@pytest.fixture
def demo_org(db):
    """The demo organisation, committed; returns {employee_id: Person}."""
    seed_demo(db.session, clock.today())
    db.session.commit()
    return {p.employee_id: p for p in db.session.query(Person)}
