"""What classroom training puts on to-do lists: a trainer's registers to confirm, meetings of
the mentoring log waiting for one's confirmation, and rotation shifts a supervisor has to
confirm."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from classroom.models import (
    EventEnrolment,
    MentoringMeeting,
    RotationShift,
    TrainingEvent,
    TrainingSession,
)
from classroom.services.invitations import when
from lms.core.todo import TodoItem, todo_source
from lms.people.models import Person

# A register still open this long after its session is overdue.
CONFIRM_WITHIN = timedelta(days=1)


def local_day(row: TrainingSession, moment: datetime) -> date:
    """The day `moment` falls on where the session is held: the home page's "Due …" then
    agrees with the session's own time line below it, whatever the server's zone."""
    return moment.astimezone(ZoneInfo(row.timezone)).date()


@todo_source
def registers_to_confirm(session, person, now: datetime) -> list[TodoItem]:
    """Each session the person trains that has started and whose register is not confirmed
    (cancelled events aside), due a day after it ends."""
    rows = session.scalars(
        select(TrainingSession).join(TrainingEvent)
        .where(TrainingSession.trainers.any(Person.id == person.id),
               TrainingSession.confirmed_at.is_(None), TrainingSession.starts_at <= now,
               TrainingEvent.cancelled_at.is_(None))
        .options(selectinload(TrainingSession.event))).all()
    return [TodoItem(_("Take and confirm attendance: %(title)s", title=row.event.tr("title")),
                     url_for("classroom.register", session_id=row.id), lane="lead",
                     due=local_day(row, row.ends_at + CONFIRM_WITHIN), detail=when(row),
                     overdue=now > row.ends_at + CONFIRM_WITHIN)
            for row in rows]


@todo_source
def meetings_to_confirm(session, person, now: datetime) -> list[TodoItem]:
    """Logged mentoring meetings the person's partner logged and they have not confirmed."""
    meetings = session.scalars(select(MentoringMeeting).where(
        MentoringMeeting.held_on.is_not(None),
        ((MentoringMeeting.mentor_id == person.id)
         & MentoringMeeting.mentor_confirmed_at.is_(None))
        | ((MentoringMeeting.mentee_id == person.id)
           & MentoringMeeting.mentee_confirmed_at.is_(None)))
        .options(selectinload(MentoringMeeting.mentor), selectinload(MentoringMeeting.mentee))
    ).all()
    return [TodoItem(_("Confirm the mentoring meeting with %(name)s",
                       name=(m.mentee if m.mentor_id == person.id else m.mentor).name),
                     url_for("classroom.mentoring_page"), lane="review")
            for m in meetings]


@todo_source
def shifts_to_confirm(session, person, now: datetime) -> list[TodoItem]:
    """Rotation shifts worked with the team the person supervises, not yet confirmed."""
    if not person.has_role("mentor", "manager") or person.team_id is None:
        return []
    shifts = session.scalars(select(RotationShift).where(
        RotationShift.team_id == person.team_id, RotationShift.confirmed_at.is_(None),
        RotationShift.person_id != person.id)
        .options(selectinload(RotationShift.person))).all()
    return [TodoItem(_("Confirm the front-line shift of %(name)s", name=s.person.name),
                     url_for("classroom.rotation_page"), lane="lead", due=s.worked_on)
            for s in shifts]


# Sessions show on a seat holder's list this far ahead.
AHEAD = timedelta(days=14)


@todo_source
def sessions_to_attend(session, person, now: datetime) -> list[TodoItem]:
    """Each session of an event the person holds a seat on, from now to two weeks ahead."""
    rows = session.scalars(
        select(TrainingSession).join(TrainingEvent)
        .join(EventEnrolment, EventEnrolment.event_id == TrainingEvent.id)
        .where(EventEnrolment.person_id == person.id, EventEnrolment.status == "enrolled",
               TrainingEvent.cancelled_at.is_(None), TrainingSession.ends_at > now,
               TrainingSession.starts_at < now + AHEAD)
        .order_by(TrainingSession.starts_at)
        .options(selectinload(TrainingSession.event))).all()
    return [TodoItem(_("Attend “%(title)s”", title=row.event.tr("title")),
                     url_for("classroom.event_detail", event_id=row.event_id), lane="learn",
                     due=local_day(row, row.starts_at), detail=when(row)) for row in rows]
