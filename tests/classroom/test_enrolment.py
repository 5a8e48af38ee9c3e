"""Enrolment, capacity, waitlist promotion and cancellation; no overbooking under
concurrent sign-ups (threads with connections of their own, on SQLite and PostgreSQL)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from classroom.models import EventEnrolment
from classroom.services import enrolment, events
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.database import writing
from lms.core.errors import DomainError
from lms.notifications.models import Notification, OutboxEmail
from lms.notifications.services import _message
from lms.people.models import Person
from tests.conftest import PASSWORD


def _statuses(db, event):
    return dict(db.session.execute(
        select(EventEnrolment.person_id, EventEnrolment.status)
        .where(EventEnrolment.event_id == event.id)).all())


def test_capacity_then_waitlist_then_promotion_in_order(db, make_event, make_person, hr):
    event = make_event(capacity=2)
    people = [make_person(name=f"Agent {n}") for n in range(4)]
    placed = enrolment.enrol(db.session, hr, event.id, people)
    db.session.commit()
    assert [p.status for p in placed] == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    assert enrolment.waitlist_position(db.session, placed[3]) == 2
    # A second enrolment of the same people changes nothing.
    assert enrolment.enrol(db.session, hr, event.id, people) == []
    enrolment.cancel_place(db.session, hr, placed[0].id, "Sick leave")
    db.session.commit()
    assert _statuses(db, event) == {people[0].id: "cancelled", people[1].id: "enrolled",
                                    people[2].id: "enrolled", people[3].id: "waitlisted"}
    assert enrolment.waitlist_position(db.session, placed[3]) == 1
    assert placed[0].cancel_reason == "Sick leave"
    subjects = db.session.scalars(select(Notification.subject).where(
        Notification.person_id == people[2].id).order_by(Notification.id)).all()
    assert subjects == ["On the waitlist: New-hire cohort", "A seat is yours: New-hire cohort"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "classroom.promote")) == 1


def test_invitation_mail_carries_the_ics(db, make_event, make_person, hr):
    event = make_event()
    agent = make_person(name="Ann Agent", email="ann@example.com")
    enrolment.enrol(db.session, hr, event.id, [agent])
    db.session.commit()
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == agent.email))
    assert mail.subject == "You are enrolled: New-hire cohort"
    [ics] = mail.attachments
    assert ics["content_type"] == "text/calendar" and "BEGIN:VEVENT" in ics["text"]


def test_chinese_reader_gets_a_chinese_invitation(db, make_event, make_person, hr):
    event = make_event()
    agent = make_person(name="李娜", locale="zh_Hans_CN")
    enrolment.enrol(db.session, hr, event.id, [agent])
    db.session.commit()
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == agent.email))
    assert mail.subject == "您已报名：新员工培训班"
    assert "SUMMARY:新员工培训班" in mail.attachments[0]["text"]


def test_refusals_change_nothing(db, make_event, make_person, hr):
    event = make_event(self_signup=False)
    agent = make_person()
    with pytest.raises(DomainError, match="HR and managers only"):
        enrolment.sign_up(db.session, agent, event.id)
    db.session.rollback()
    place = enrolment.enrol(db.session, hr, event.id, [agent])[0]
    db.session.commit()
    with pytest.raises(DomainError, match="Say why"):
        enrolment.cancel_place(db.session, hr, place.id, "  ")
    db.session.rollback()
    events.cancel_event(db.session, hr, event, "Trainer ill")
    db.session.commit()
    with pytest.raises(DomainError, match="cancelled"):
        enrolment.enrol(db.session, hr, event.id, [make_person()])
    db.session.rollback()
    assert _statuses(db, event) == {agent.id: "enrolled"}
    assert db.session.scalar(select(Notification.subject).where(
        Notification.person_id == agent.id, Notification.kind == "classroom-cancelled")
    ) == "Cancelled: New-hire cohort"


@pytest.mark.commits  # threads with connections of their own
def test_concurrent_sign_ups_never_overbook(app, db, make_event, make_person):
    event = make_event(capacity=3)
    people = [make_person(name=f"Racer {n}") for n in range(8)]
    clients = []
    for person in people:
        client = app.test_client()
        client.post("/login", data={"login": person.email, "password": PASSWORD})
        clients.append(client)
    url = f"/classroom/events/{event.id}/signup"
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda c: c.post(url).status_code, clients))
    assert codes == [302] * 8
    db.session.rollback()
    statuses = list(_statuses(db, event).values())
    assert statuses.count("enrolled") == 3 and statuses.count("waitlisted") == 5


@pytest.mark.commits  # threads with connections of their own
def test_concurrent_cancellations_promote_each_waiting_person_once(app, db, make_event,
                                                                   make_person, hr):
    event = make_event(capacity=3)
    people = [make_person(name=f"Seat {n}") for n in range(6)]
    places = enrolment.enrol(db.session, hr, event.id, people)
    db.session.commit()
    seated = [p.id for p in places if p.status == "enrolled"]

    def cancel(place_id):
        with app.app_context(), writing():
            actor = db.session.get(Person, hr.id)
            enrolment.cancel_place(db.session, actor, place_id, "Rota change")
            db.session.commit()
            db.session.remove()

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(cancel, seated))
    db.session.rollback()
    statuses = list(_statuses(db, event).values())
    assert statuses.count("enrolled") == 3 and statuses.count("cancelled") == 3


def test_send_reminders_reminds_seat_holders_once(db, runner, make_event, make_person, hr):
    event = make_event()
    seated, waiting = make_person(name="Seated"), make_person(name="Waiting")
    event.capacity = 1
    enrolment.enrol(db.session, hr, event.id, [seated, waiting])
    db.session.commit()
    # The session starts on 8 December at 01:00 UTC: 23 hours ahead.
    clock.freeze(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    first = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["send-reminders"])
    assert second.exit_code == 0
    reminded = db.session.scalars(select(Notification.person_id).where(
        Notification.kind == "classroom-reminder")).all()
    assert reminded == [seated.id]


def test_smtp_message_carries_the_attachment():
    message = _message({"SMTP_FROM": "academy@example.com"}, "ann@example.com", "Invited",
                       "Body", [{"filename": "training-1.ics", "content_type": "text/calendar",
                                 "text": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}])
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_filename() == "training-1.ics"
    assert "BEGIN:VCALENDAR" in part.get_content()


def test_a_smaller_session_room_limits_the_seats(db, make_event, make_person, hr):
    """Everyone enrolled attends every session: a session whose room holds 2 seats the event
    of 10 at 2; the rest wait, and a bad seat count is refused without a change."""
    event = make_event(capacity=10)
    day = event.sessions[0].starts_at.date()
    events.add_session(db.session, hr, event, events.SessionData(
        day=day.replace(day=day.day + 1), starts=datetime(2026, 1, 1, 9).time(),
        ends=datetime(2026, 1, 1, 12).time(), timezone="Asia/Shanghai", room="Drill room",
        capacity=2))
    db.session.commit()
    assert event.seats == 2
    people = [make_person(name=f"Agent {n}") for n in range(3)]
    placed = enrolment.enrol(db.session, hr, event.id, people)
    db.session.commit()
    assert [p.status for p in placed] == ["enrolled", "enrolled", "waitlisted"]
    with pytest.raises(DomainError, match="between 1 and 1000") as refused:
        events.add_session(db.session, hr, event, events.SessionData(
            day=day, starts=datetime(2026, 1, 1, 18).time(), ends=datetime(2026, 1, 1, 19).time(),
            timezone="Asia/Shanghai", capacity=0))
    assert refused.value.field == "capacity"
    db.session.rollback()
    assert len(db.session.get(type(event), event.id).sessions) == 2
