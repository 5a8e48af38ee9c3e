"""What live training puts on to-do lists: sessions coming up for those with a seat, registers
to take and confirm for trainers, mentoring meetings and rotation shifts to confirm."""

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from classroom.models import (
    EventEnrolment,
    MentoringMeeting,
    TrainingEvent,
    TrainingSession,
    session_trainer,
)
from classroom.services.rotation import waiting_for
from lms.core.todo import TodoItem, todo_source

# Sessions show on a learner's list this far ahead; a register is overdue a day after the end.
AHEAD = timedelta(days=14)
REGISTER_GRACE = timedelta(days=1)


def _name(row: TrainingSession) -> str:
    event = row.event.tr("title")
    return f"{event}: {row.title}" if row.title else event


@todo_source
def sessions_to_attend(session, person, now: datetime) -> list[TodoItem]:
    """Each session of an event the person holds a seat on, from now to two weeks ahead."""
    rows = session.scalars(select(TrainingSession).join(TrainingEvent).join(
        EventEnrolment, EventEnrolment.event_id == TrainingEvent.id).where(
        EventEnrolment.person_id == person.id, EventEnrolment.status == "enrolled",
        TrainingEvent.cancelled_at.is_(None), TrainingSession.ends_at > now,
        TrainingSession.starts_at < now + AHEAD).order_by(TrainingSession.starts_at)).all()
    return [TodoItem(_("Attend “%(session)s”", session=_name(row)),
                     url_for("classroom.event_detail", event_id=row.event_id), lane="learn",
                     due=row.starts_at, detail=row.room or "") for row in rows]


@todo_source
def registers_to_confirm(session, person, now: datetime) -> list[TodoItem]:
    """For trainers: each session they train that has started and whose register is not
    confirmed yet (overdue a day after it ended)."""
    rows = session.scalars(select(TrainingSession).join(
        session_trainer, session_trainer.c.session_id == TrainingSession.id).where(
        session_trainer.c.person_id == person.id, TrainingSession.starts_at <= now,
        TrainingSession.confirmed_at.is_(None)).order_by(TrainingSession.starts_at)).all()
    return [TodoItem(_("Take and confirm the register of “%(session)s”", session=_name(row)),
                     url_for("classroom.register", session_id=row.id), lane="review",
                     due=row.ends_at + REGISTER_GRACE,
                     overdue=now > row.ends_at + REGISTER_GRACE,
                     detail=format_datetime(row.starts_at, "short"))
            for row in rows if not row.event.cancelled]


@todo_source
def practice_to_confirm(session, person, now: datetime) -> list[TodoItem]:
    """Mentoring meetings the other side logged and this person has not confirmed, and
    rotation shifts waiting for this supervisor's confirmation."""
    meetings = session.scalars(select(MentoringMeeting).where(
        MentoringMeeting.held_on.is_not(None),
        ((MentoringMeeting.mentor_id == person.id)
         & MentoringMeeting.mentor_confirmed_at.is_(None))
        | ((MentoringMeeting.mentee_id == person.id)
           & MentoringMeeting.mentee_confirmed_at.is_(None)))).all()
    items = [TodoItem(_("Confirm the mentoring meeting of %(day)s with %(name)s",
                        day=meeting.held_on.isoformat(),
                        name=(meeting.mentee if meeting.mentor_id == person.id
                              else meeting.mentor).name),
                      url_for("classroom.mentoring_page"), lane="review")
             for meeting in meetings]
    items += [TodoItem(_("Confirm %(name)s's front-line shift of %(day)s",
                         name=shift.person.name, day=shift.worked_on.isoformat()),
                       url_for("classroom.rotation_page"), lane="lead")
              for shift in waiting_for(session, person)]
    return items
