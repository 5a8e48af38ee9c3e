"""Builders for classroom tests: an event on the new-hire path with dated sessions."""

from datetime import UTC, date, datetime, time

import pytest

from classroom.services import events
from lms.core import clock
from lms.core.extensions import db as _db

# A Monday in December (no daylight-saving change in Asia/Shanghai at all).
T0 = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


@pytest.fixture
def hr(make_person):
    return make_person(("hr",), name="Hana HR")


@pytest.fixture
def trainer(make_person):
    return make_person(("mentor", "agent"), name="Tao Trainer")


@pytest.fixture
def make_event(app, defaults, hr, trainer):
    """make_event(capacity=…, sessions=[(day, start, end)], zone=…, self_signup=…)."""

    def make(capacity=10, sessions=((date(2026, 12, 8), time(9), time(17)),),
             zone="Asia/Shanghai", self_signup=True, path="NEWHIRE", title="New-hire cohort"):
        clock.freeze(T0)  # scheduled a day before the first session; tests move on
        event = events.create_event(_db.session, hr, events.EventData(
            title=title, title_zh="新员工培训班", path_id=defaults[path].id,
            capacity=capacity, self_signup=self_signup))
        for day, starts, ends in sessions:
            events.add_session(_db.session, hr, event, events.SessionData(
                day=day, starts=starts, ends=ends, timezone=zone, room="Room 3",
                trainer_ids=[trainer.id]))
        _db.session.commit()
        return event

    return make
