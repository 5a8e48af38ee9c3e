"""Scheduling: events, their dated sessions and trainers, and cancelling an event.

Times arrive as a local date and time plus an IANA zone ("Asia/Shanghai"); they are stored
as aware UTC. A local time that does not exist (skipped by a daylight-saving change) is
refused, and one that happens twice (the hour repeated in autumn) is refused too, since the
person scheduling must say which they mean.
"""

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext as _
from sqlalchemy import select

from classroom.models import TrainingEvent, TrainingSession
from classroom.services.enrolment import promote_waitlist
from classroom.services.invitations import tell_cancelled
from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.people.models import Person


@dataclass
class EventData:
    """What HR types for an event."""

    title: str
    title_zh: str = ""
    description: str = ""
    course_id: int | None = None
    path_id: int | None = None
    capacity: int = 20
    self_signup: bool = False


@dataclass
class SessionData:
    """One session as typed: its local day and times in `timezone`."""

    day: date
    starts: time
    ends: time
    timezone: str
    title: str = ""
    room: str = ""
    online_link: str = ""
    trainer_ids: list[int] = field(default_factory=list)
    capacity: int | None = None


def zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`; refuses an unknown name."""
    try:
        if name not in available_timezones():
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(_("Unknown time zone %(zone)s: use a name such as Asia/Shanghai.",
                            zone=name), field="timezone") from None


def aware(day: date, at: time, tz: ZoneInfo, field_name: str) -> datetime:
    """`day` `at` in `tz` as an aware UTC datetime; refuses a local time a daylight-saving
    change skips or repeats."""
    local = datetime.combine(day, at, tzinfo=tz)
    back = local.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise DomainError(_("%(time)s does not exist on %(day)s in %(zone)s (the clocks "
                            "change that night).", time=at.strftime("%H:%M"),
                            day=day.isoformat(), zone=tz.key), field=field_name)
    other = local.replace(fold=1)
    if other.utcoffset() != local.utcoffset():
        raise DomainError(_("%(time)s happens twice on %(day)s in %(zone)s (the clocks go "
                            "back that night): choose another time.",
                            time=at.strftime("%H:%M"), day=day.isoformat(), zone=tz.key),
                          field=field_name)
    return local.astimezone(UTC)


def _check_event(session, data: EventData) -> None:
    if not data.title.strip():
        raise DomainError(_("Give the event a title."), field="title")
    if not 1 <= data.capacity <= 1000:
        raise DomainError(_("Capacity must be between 1 and 1000 seats."), field="capacity")
    if data.course_id is None and data.path_id is None:
        raise DomainError(_("Choose the course or the certification path this training "
                            "belongs to."), field="path_id")


def create_event(session, actor: Person, data: EventData) -> TrainingEvent:
    """A new event (flushed, audited); refuses a missing title, course/path or capacity."""
    _check_event(session, data)
    event = TrainingEvent(created_by_id=actor.id if actor else None, created_at=clock.now())
    _apply(event, data)
    session.add(event)
    session.flush()
    audit.record(actor, "classroom.event_create", event, title=event.title)
    return event


def update_event(session, actor: Person, event: TrainingEvent, data: EventData) -> TrainingEvent:
    """Change an event's details; a smaller capacity never removes anyone already enrolled,
    a larger one moves the waitlist up."""
    if event.cancelled:
        raise DomainError(_("This event is cancelled."))
    _check_event(session, data)
    _apply(event, data)
    session.flush()
    audit.record(actor, "classroom.event_update", event, title=event.title)
    promote_waitlist(session, actor, event)
    return event


def _apply(event: TrainingEvent, data: EventData) -> None:
    event.title = data.title.strip()
    event.description = data.description.strip()
    event.course_id, event.path_id = data.course_id, data.path_id
    event.capacity, event.self_signup = data.capacity, data.self_signup
    translations = dict(event.translations or {})
    if data.title_zh.strip():
        translations["zh_Hans_CN"] = {"title": data.title_zh.strip()}
    else:
        translations.pop("zh_Hans_CN", None)
    event.translations = translations


def add_session(session, actor: Person, event: TrainingEvent, data: SessionData
                ) -> TrainingSession:
    """A dated session of `event` (flushed, audited); refuses an end before the start, a
    local time a clock change skips or repeats, and an unknown trainer."""
    if event.cancelled:
        raise DomainError(_("This event is cancelled."))
    tz = zone(data.timezone)
    starts_at = aware(data.day, data.starts, tz, "starts")
    ends_at = aware(data.day, data.ends, tz, "ends")
    if ends_at <= starts_at:
        raise DomainError(_("The session must end after it starts."), field="ends")
    if ends_at - starts_at > timedelta(hours=16):
        raise DomainError(_("A session lasts at most 16 hours; add one session per day."),
                          field="ends")
    link = data.online_link.strip()
    if link and not link.startswith(("https://", "http://")):
        raise DomainError(_("The online link must start with https://."), field="online_link")
    if data.capacity is not None and not 1 <= data.capacity <= 1000:
        raise DomainError(_("Capacity must be between 1 and 1000 seats."), field="capacity")
    trainers = list(session.scalars(select(Person).where(Person.id.in_(data.trainer_ids),
                                                         Person.active.is_(True))))
    if len(trainers) != len(set(data.trainer_ids)):
        raise DomainError(_("A chosen trainer was not found or is inactive."),
                          field="trainer_ids")
    row = TrainingSession(event=event, title=data.title.strip(), starts_at=starts_at,
                          ends_at=ends_at, timezone=tz.key, room=data.room.strip(),
                          online_link=link, checkin_secret=secrets.token_hex(32),
                          trainers=trainers, capacity=data.capacity)
    session.add(row)
    session.flush()
    audit.record(actor, "classroom.session_add", row, event_id=event.id,
                 starts_at=starts_at.isoformat(), timezone=tz.key, capacity=data.capacity)
    return row


def cancel_event(session, actor: Person, event: TrainingEvent, reason: str) -> TrainingEvent:
    """Cancel an event with a reason: every enrolled or waiting person is told (flushed,
    audited); refuses an empty reason and an event already cancelled."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the event is cancelled."), field="reason")
    if event.cancelled:
        raise DomainError(_("This event is already cancelled."))
    event.cancelled_at, event.cancel_reason = clock.now(), reason
    people = [e.person for e in event.enrolments if e.status != "cancelled"]
    session.flush()
    audit.record(actor, "classroom.event_cancel", event, reason=reason)
    for person in people:
        tell_cancelled(session, person, event, reason)
    return event


def upcoming_events(session, now: datetime | None = None) -> list[TrainingEvent]:
    """Events not cancelled whose last session has not ended, soonest first."""
    now = now or clock.now()
    running = (select(TrainingSession.event_id).where(TrainingSession.ends_at >= now)
               .scalar_subquery())
    events = session.scalars(
        select(TrainingEvent).where(TrainingEvent.cancelled_at.is_(None),
                                    TrainingEvent.id.in_(running))).all()
    return sorted(events, key=lambda e: min(s.starts_at for s in e.sessions))
