"""iCalendar for sessions: the .ics sent with invitations and each person's feed.

Each event is written in its session's own zone (DTSTART;TZID=Asia/Shanghai with the zone's
VTIMEZONE), so calendars show the local time the trainer chose on both sides of a
daylight-saving change. UIDs are stable per session, so a changed session replaces the old
entry in a subscribed calendar.
"""

import hashlib
import secrets
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from classroom.models import CalendarFeed, EventEnrolment, TrainingEvent, TrainingSession
from lms.core import audit, clock
from lms.core.urls import public_url, site_base
from lms.people.models import Person

PRODID = "-//Service Academy//Classroom training//EN"


def _uid(row: TrainingSession) -> str:
    host = site_base().split("://", 1)[-1].split("/", 1)[0] or "service-academy"
    return f"training-session-{row.id}@{host}"


def session_summary(row: TrainingSession) -> str:
    title = row.event.tr("title")
    return f"{title}: {row.title}" if row.title else title


def calendar_for(sessions: list[TrainingSession], name: str = "") -> bytes:
    """An iCalendar document (METHOD:PUBLISH) of `sessions`, in the current language."""
    # Imported here: ~2.4 MB that only processes sending invitations or feeds need.
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for row in sessions:
        tz = ZoneInfo(row.timezone)
        entry = Event()
        entry.add("uid", _uid(row))
        entry.add("dtstamp", clock.now())
        entry.add("dtstart", row.starts_at.astimezone(tz))
        entry.add("dtend", row.ends_at.astimezone(tz))
        entry.add("summary", session_summary(row))
        where = ", ".join(part for part in (row.room, row.online_link) if part)
        if where:
            entry.add("location", where)
        if row.online_link:
            entry.add("url", row.online_link)
        details = [row.event.tr("description")] if row.event.description else []
        details.append(public_url(f"/classroom/events/{row.event_id}"))
        entry.add("description", "\n\n".join(details))
        if row.event.cancelled:
            entry.add("status", "CANCELLED")
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def event_calendar(event: TrainingEvent) -> bytes:
    """The .ics of every session of one event."""
    return calendar_for(list(event.sessions), event.tr("title"))


def attachment(event: TrainingEvent) -> dict:
    """The invitation's .ics as a notification attachment."""
    return {"filename": f"training-{event.id}.ics", "content_type": "text/calendar",
            "text": event_calendar(event).decode()}


def person_sessions(session, person_id: int) -> list[TrainingSession]:
    """The sessions of every event the person holds a seat on (cancelled events included,
    marked CANCELLED, so subscribed calendars drop them)."""
    return list(session.scalars(
        select(TrainingSession).join(EventEnrolment,
                                     EventEnrolment.event_id == TrainingSession.event_id)
        .where(EventEnrolment.person_id == person_id, EventEnrolment.status == "enrolled")
        .options(selectinload(TrainingSession.event))
        .order_by(TrainingSession.starts_at)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed(session, person: Person) -> str:
    """Make the person's calendar-feed token (revoking the one before) and return it: it is
    shown once, only its digest is kept."""
    token = secrets.token_urlsafe(32)
    feed = session.get(CalendarFeed, person.id)
    if feed is None:
        feed = CalendarFeed(person_id=person.id)
        session.add(feed)
    feed.token_hash, feed.created_at = _digest(token), clock.now()
    session.flush()
    audit.record(person, "classroom.feed_new", person)
    return token


def revoke_feed(session, person: Person) -> bool:
    """Stop the person's feed address working; False when they had none."""
    feed = session.get(CalendarFeed, person.id)
    if feed is None:
        return False
    session.delete(feed)
    session.flush()
    audit.record(person, "classroom.feed_revoke", person)
    return True


def feed_owner(session, token: str) -> Person | None:
    """The active person whose feed token this is, or None."""
    if not token or len(token) > 100:
        return None
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _digest(token)))
    if feed is None:
        return None
    person = session.get(Person, feed.person_id)
    return person if person is not None and person.active else None


def feed_name() -> str:
    return _("Service Academy training")
