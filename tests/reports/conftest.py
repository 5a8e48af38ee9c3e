"""Fixtures of the report tests: the demo organisation."""

import pytest

from lms.people.models import Person


@pytest.fixture
def demo_org(db):
    """The demo organisation (seeded once per session into a template that this test starts
    from); returns {employee_id: Person}."""
    return {p.employee_id: p for p in db.session.query(Person)}
