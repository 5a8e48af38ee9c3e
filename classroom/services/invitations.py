"""What people are told: invitations (with the event's .ics), places on the waitlist,
promotions, cancellations and, through `send-reminders`, the day before a session. Each
message is composed in the recipient's language (lms.notifications)."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_time
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from classroom.models import EventEnrolment, TrainingEvent, TrainingSession
from classroom.services.calendar import attachment
from lms.core import clock
from lms.core.i18n import in_language, language_of
from lms.notifications.services import notify, reminder_source
from lms.people.models import Person


def when(row: TrainingSession) -> str:
    """A session's start and end in its own zone ("5 Dec 2026, 09:00 – 17:00 Asia/Shanghai")."""
    tz = ZoneInfo(row.timezone)
    start, end = row.starts_at.astimezone(tz), row.ends_at.astimezone(tz)
    # Dates and times formatted as they are in the session's zone (babel's own time zone
    # conversion applies to datetimes only, so plain dates and times are passed).
    last = (f"{format_date(end.date(), 'medium')}, " if end.date() != start.date() else "")
    return (f"{format_date(start.date(), 'medium')}, {format_time(start.time(), 'short')} – "
            f"{last}{format_time(end.time(), 'short')} ({row.timezone})")


def _schedule(event: TrainingEvent) -> str:
    return "\n".join(f"- {when(row)}" + (f", {row.room}" if row.room else "")
                     for row in event.sessions)


def invite(session, person: Person, event: TrainingEvent, place: EventEnrolment) -> None:
    """Tell the person their seat (with the .ics) or their place in line."""
    link = f"/classroom/events/{event.id}"
    if place.status == "enrolled":
        def message():
            return (_("You are enrolled: %(title)s", title=event.tr("title")),
                    _("You have a seat on %(title)s. The sessions:\n%(schedule)s\n\nThe "
                      "attached calendar file adds them to your calendar.",
                      title=event.tr("title"), schedule=_schedule(event)))
        with in_language(language_of(person)):
            files = [attachment(event)]
        notify(session, person, "classroom-invitation", message, link=link,
               attachments=files)
    else:
        notify(session, person, "classroom-waitlist",
               lambda: (_("On the waitlist: %(title)s", title=event.tr("title")),
                        _("%(title)s is full; you are on its waitlist and will be told as "
                          "soon as a seat frees.", title=event.tr("title"))), link=link)


def tell_promoted(session, person: Person, event: TrainingEvent) -> None:
    """A seat freed for someone waiting: their invitation, with the .ics."""
    with in_language(language_of(person)):
        files = [attachment(event)]
    notify(session, person, "classroom-invitation",
           lambda: (_("A seat is yours: %(title)s", title=event.tr("title")),
                    _("A seat freed on %(title)s and it is yours. The sessions:\n"
                      "%(schedule)s", title=event.tr("title"), schedule=_schedule(event))),
           link=f"/classroom/events/{event.id}", attachments=files)


def tell_cancelled(session, person: Person, event: TrainingEvent, reason: str) -> None:
    """The whole event is cancelled."""
    notify(session, person, "classroom-cancelled",
           lambda: (_("Cancelled: %(title)s", title=event.tr("title")),
                    _("%(title)s is cancelled. Reason: %(reason)s", title=event.tr("title"),
                      reason=reason)), link=f"/classroom/events/{event.id}")


def tell_cancelled_place(session, person: Person, event: TrainingEvent, reason: str) -> None:
    """Someone else cancelled the person's place."""
    notify(session, person, "classroom-cancelled",
           lambda: (_("Your place is cancelled: %(title)s", title=event.tr("title")),
                    _("Your place on %(title)s is cancelled. Reason: %(reason)s",
                      title=event.tr("title"), reason=reason)),
           link=f"/classroom/events/{event.id}")


@reminder_source
def session_reminders(session, today: date) -> int:
    """Remind everyone with a seat of each session starting within the next 24 hours (once
    per session and person; `send-reminders` runs hourly)."""
    start = clock.now()
    rows = session.scalars(
        select(TrainingSession).join(TrainingEvent)
        .where(TrainingEvent.cancelled_at.is_(None), TrainingSession.starts_at >= start,
               TrainingSession.starts_at < start + timedelta(days=1))
        .options(selectinload(TrainingSession.event).selectinload(TrainingEvent.enrolments)
                 .selectinload(EventEnrolment.person))).all()
    made = 0
    for row in rows:
        for place in row.event.enrolments:
            if place.status != "enrolled" or not place.person.active:
                continue
            made += notify(
                session, place.person, "classroom-reminder",
                lambda r=row: (_("Soon: %(title)s", title=r.event.tr("title")),
                               _("%(title)s meets %(when)s%(where)s.",
                                 title=r.event.tr("title"), when=when(r),
                                 where=f", {r.room}" if r.room else "")),
                link=f"/classroom/events/{row.event_id}",
                dedupe_key=f"classroom-session:{row.id}") is not None
    return made
