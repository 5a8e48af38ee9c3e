"""Seat holders see their next sessions on the home to-do list; trainers their registers."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from classroom.models import EventEnrolment, TrainingSession
from classroom.services.todo import local_day
from lms.core import clock
from lms.core.todo import todo_for
from lms.people.models import Person


@pytest.fixture
def demo_org(db):
    """The demo organisation (its running new-hire cohort included)."""
    return {p.id: p for p in db.session.scalars(select(Person))}


def _items(app, db, person, now):
    with app.test_request_context():
        return todo_for(db.session, person, now)


def test_seat_holders_see_their_next_sessions_and_trainers_their_registers(app, db, demo_org):
    upcoming = db.session.scalars(select(TrainingSession).where(
        TrainingSession.starts_at > clock.now()).order_by(TrainingSession.starts_at)).all()
    assert upcoming, "the demo cohort has sessions ahead"
    first = upcoming[0]
    seat = db.session.scalar(select(EventEnrolment).where(
        EventEnrolment.event_id == first.event_id, EventEnrolment.status == "enrolled"))
    learner = demo_org[seat.person_id]
    before = first.starts_at - timedelta(hours=2)
    attend = [i for i in _items(app, db, learner, before) if i.title.startswith("Attend")]
    assert attend and attend[0].due == local_day(first, first.starts_at)
    assert attend[0].url == f"/classroom/events/{first.event_id}"
    # Once the session is over it leaves the learner's list ...
    after = first.ends_at + timedelta(days=2)
    assert not [i for i in _items(app, db, learner, after)
                if i.title.startswith("Attend") and i.due == local_day(first, first.starts_at)]
    # ... and its register is overdue on the trainer's, until confirmed.
    trainer = first.trainers[0]
    register = [i for i in _items(app, db, trainer, after)
                if i.url == f"/classroom/sessions/{first.id}/register"]
    assert register and register[0].overdue
    assert not [i for i in _items(app, db, trainer, before)
                if i.url == f"/classroom/sessions/{first.id}/register"]
