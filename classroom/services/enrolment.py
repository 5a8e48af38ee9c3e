"""Enrolment: HR and managers enrol people, people sign themselves up where the event allows
it; beyond the seats on offer (the event's capacity, or fewer where a session's room holds
fewer) people wait in line and move up, first come first served, whenever a seat frees.

No overbooking under concurrent sign-ups: every change of an event's seats first locks the
event's row (SELECT … FOR UPDATE on PostgreSQL; on SQLite writers already run one at a time,
their transactions beginning IMMEDIATE), then counts the seats taken.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select

from classroom.models import EventEnrolment, TrainingEvent
from classroom.services.invitations import invite, tell_cancelled_place, tell_promoted
from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.people.models import Person


def lock_event(session, event_id: int) -> TrainingEvent:
    """The event, its row locked until the transaction ends (fresh from the database)."""
    event = session.scalar(select(TrainingEvent).where(TrainingEvent.id == event_id)
                           .with_for_update().execution_options(populate_existing=True))
    if event is None:
        raise DomainError(_("This event no longer exists."))
    return event


def seats_taken(session, event_id: int) -> int:
    """How many people hold a seat (counted in the database, not from loaded rows)."""
    return session.scalar(select(func.count()).select_from(EventEnrolment).where(
        EventEnrolment.event_id == event_id, EventEnrolment.status == "enrolled")) or 0


def enrolment_of(session, event_id: int, person_id: int) -> EventEnrolment | None:
    return session.scalar(select(EventEnrolment).where(EventEnrolment.event_id == event_id,
                                                       EventEnrolment.person_id == person_id))


def _place(session, actor: Person | None, event: TrainingEvent, person: Person
           ) -> EventEnrolment | None:
    """Give `person` a seat or a place in line; None when they already have one."""
    found = enrolment_of(session, event.id, person.id)
    if found is not None and found.status != "cancelled":
        return None
    status = "enrolled" if seats_taken(session, event.id) < event.seats else "waitlisted"
    if found is None:
        found = EventEnrolment(event_id=event.id, person_id=person.id)
        session.add(found)
    found.status, found.requested_at = status, clock.now()
    found.enrolled_by_id = actor.id if actor is not None else None
    found.cancelled_at, found.cancel_reason = None, ""
    session.flush()
    audit.record(actor, "classroom.enrol", found, event_id=event.id, person_id=person.id,
                 status=status)
    invite(session, person, event, found)
    return found


def enrol(session, actor: Person, event_id: int, people: list[Person]) -> list[EventEnrolment]:
    """Enrol `people` on the event (the caller checked the actor may enrol each); those
    beyond the capacity are waitlisted. Returns the new places; people already placed are
    skipped. Refuses a cancelled or finished event and inactive people."""
    event = lock_event(session, event_id)
    _open_for_enrolment(event)
    inactive = [p.name for p in people if not p.active]
    if inactive:
        raise DomainError(_("Inactive people cannot be enrolled: %(names)s",
                            names=", ".join(inactive)), field="person_ids")
    return [place for person in people
            if (place := _place(session, actor, event, person)) is not None]


def sign_up(session, person: Person, event_id: int) -> EventEnrolment:
    """The person signs themselves up: a seat, or a place on the waitlist. Refuses events
    without self sign-up, cancelled or finished ones, and a second sign-up."""
    event = lock_event(session, event_id)
    _open_for_enrolment(event)
    if not event.self_signup:
        raise DomainError(_("This event takes enrolments from HR and managers only."))
    place = _place(session, person, event, person)
    if place is None:
        raise DomainError(_("You are already on this event."))
    return place


def _open_for_enrolment(event: TrainingEvent) -> None:
    if event.cancelled:
        raise DomainError(_("This event is cancelled."))
    if not event.sessions:
        raise DomainError(_("This event has no sessions yet."))
    if max(s.ends_at for s in event.sessions) < clock.now():
        raise DomainError(_("This event has finished."))


def cancel_place(session, actor: Person, enrolment_id: int, reason: str) -> EventEnrolment:
    """Cancel a seat or a place in line, with a reason; a freed seat goes to the first person
    waiting. Refuses an empty reason and a place already cancelled."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the place is cancelled."), field="reason")
    place = session.get(EventEnrolment, enrolment_id)
    if place is None:
        raise DomainError(_("This enrolment no longer exists."))
    event = lock_event(session, place.event_id)
    session.refresh(place)
    if place.status == "cancelled":
        raise DomainError(_("This place is already cancelled."))
    place.status, place.cancelled_at, place.cancel_reason = "cancelled", clock.now(), reason
    session.flush()
    audit.record(actor, "classroom.cancel_place", place, event_id=event.id,
                 person_id=place.person_id, reason=reason)
    if actor is None or actor.id != place.person_id:
        tell_cancelled_place(session, place.person, event, reason)
    promote_waitlist(session, actor, event)
    return place


def promote_waitlist(session, actor: Person | None, event: TrainingEvent) -> list[EventEnrolment]:
    """Give free seats to the people waiting, first come first served (the event's row must
    be locked, or be new); each promoted person is told."""
    lock_event(session, event.id)
    free = event.seats - seats_taken(session, event.id)
    if free <= 0 or event.cancelled:
        return []
    waiting = session.scalars(
        select(EventEnrolment).where(EventEnrolment.event_id == event.id,
                                     EventEnrolment.status == "waitlisted")
        .order_by(EventEnrolment.requested_at, EventEnrolment.id).limit(free)).all()
    for place in waiting:
        place.status = "enrolled"
        session.flush()
        audit.record(actor, "classroom.promote", place, event_id=event.id,
                     person_id=place.person_id)
        tell_promoted(session, place.person, event)
    return list(waiting)


def waitlist_position(session, place: EventEnrolment) -> int | None:
    """1 for the first person waiting; None when the place is not on the waitlist."""
    if place.status != "waitlisted":
        return None
    return session.scalar(select(func.count()).select_from(EventEnrolment).where(
        EventEnrolment.event_id == place.event_id, EventEnrolment.status == "waitlisted",
        (EventEnrolment.requested_at < place.requested_at)
        | ((EventEnrolment.requested_at == place.requested_at)
           & (EventEnrolment.id <= place.id))))
