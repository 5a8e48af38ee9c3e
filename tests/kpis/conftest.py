from datetime import UTC, datetime

import pytest

from lms.core import clock
from tests.courses.conftest import make_course  # noqa: F401  (a fixture)


@pytest.fixture
def today():
    clock.freeze(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    return clock.today()


@pytest.fixture
def staff(defaults, make_person, today):
    """An HR person, an admin and three agents (A1–A3) on the new-hire tier."""
    newhire = defaults["NEWHIRE"]
    return {
        "hr": make_person(roles=("hr",), employee_id="H1", email="h1@example.com"),
        "admin": make_person(roles=("admin",), employee_id="AD1", email="ad1@example.com"),
        **{f"A{n}": make_person(employee_id=f"A{n}", email=f"a{n}@example.com",
                                tier_id=newhire.id) for n in (1, 2, 3)},
    }
