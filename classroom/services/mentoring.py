"""The mentoring log: a mentor and their mentee (the pairing is the mentee's `mentor_id`)
plan meetings and log them; a logged meeting counts once both have confirmed it.

Mentoring is a result the path rules read (the "mentoring" kind): confirming a meeting
tells them through `result_recorded`.
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from classroom.models import MentoringMeeting
from lms.competencies.models import Competency
from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.core.signals import result_recorded
from lms.people.models import Person

KIND_KEY = "mentoring"


@dataclass
class MeetingLog:
    """What the mentor or mentee writes about a meeting held."""

    held_on: date
    minutes: int
    topics: str
    actions: str = ""
    competency_ids: list[int] = field(default_factory=list)


def partner_of(actor: Person, partner: Person) -> tuple[Person, Person]:
    """(mentor, mentee) when `actor` and `partner` are a pairing; refuses anyone else."""
    if partner.mentor_id == actor.id:
        return actor, partner
    if actor.mentor_id == partner.id:
        return partner, actor
    raise DomainError(_("%(name)s is not your mentor or mentee.", name=partner.name),
                      field="partner_id")


def plan_meeting(session, actor: Person, partner: Person, planned_on: date) -> MentoringMeeting:
    """A planned meeting of a pairing; refuses a date in the past."""
    mentor, mentee = partner_of(actor, partner)
    if planned_on < clock.today():
        raise DomainError(_("Plan the meeting for today or later."), field="planned_on")
    meeting = MentoringMeeting(mentor_id=mentor.id, mentee_id=mentee.id, planned_on=planned_on,
                               created_at=clock.now())
    session.add(meeting)
    session.flush()
    audit.record(actor, "classroom.mentoring_plan", meeting, planned_on=planned_on.isoformat())
    return meeting


def log_meeting(session, actor: Person, partner: Person, data: MeetingLog,
                meeting: MentoringMeeting | None = None) -> MentoringMeeting:
    """Log a meeting held (a planned one, or a new one); the logger's confirmation is given,
    the partner's is awaited. Refuses a future date, 0 or more than 8 hours, no topics."""
    mentor, mentee = partner_of(actor, partner)
    if data.held_on > clock.today():
        raise DomainError(_("A meeting is logged once it has been held."), field="held_on")
    if not 1 <= data.minutes <= 8 * 60:
        raise DomainError(_("A meeting lasts between 1 minute and 8 hours."), field="minutes")
    if not data.topics.strip():
        raise DomainError(_("Say which topics you worked on."), field="topics")
    known = set(session.scalars(select(Competency.id).where(
        Competency.id.in_(data.competency_ids))))
    if known != set(data.competency_ids):
        raise DomainError(_("A chosen competency does not exist."), field="competency_ids")
    if meeting is None:  # the pairing's meeting planned for that day, if there is one
        meeting = session.scalar(select(MentoringMeeting).where(
            MentoringMeeting.mentor_id == mentor.id, MentoringMeeting.mentee_id == mentee.id,
            MentoringMeeting.planned_on == data.held_on, MentoringMeeting.held_on.is_(None)
        ).limit(1))
    if meeting is None:
        meeting = MentoringMeeting(mentor_id=mentor.id, mentee_id=mentee.id,
                                   created_at=clock.now())
        session.add(meeting)
    elif (meeting.mentor_id, meeting.mentee_id) != (mentor.id, mentee.id) or meeting.confirmed:
        raise DomainError(_("This meeting cannot be logged again."))
    meeting.held_on, meeting.minutes = data.held_on, data.minutes
    meeting.topics, meeting.actions = data.topics.strip(), data.actions.strip()
    meeting.competency_ids = sorted(known)
    now = clock.now()
    meeting.mentor_confirmed_at = now if actor.id == mentor.id else None
    meeting.mentee_confirmed_at = now if actor.id == mentee.id else None
    session.flush()
    audit.record(actor, "classroom.mentoring_log", meeting, minutes=data.minutes)
    return meeting


def confirm_meeting(session, actor: Person, meeting: MentoringMeeting) -> MentoringMeeting:
    """The other party confirms a logged meeting; the rules are told. Refuses a meeting not
    logged, someone outside the pairing and a second confirmation."""
    if meeting.held_on is None:
        raise DomainError(_("Log the meeting before confirming it."))
    now = clock.now()
    if actor.id == meeting.mentor_id and meeting.mentor_confirmed_at is None:
        meeting.mentor_confirmed_at = now
    elif actor.id == meeting.mentee_id and meeting.mentee_confirmed_at is None:
        meeting.mentee_confirmed_at = now
    else:
        raise DomainError(_("There is nothing for you to confirm on this meeting."))
    session.flush()
    audit.record(actor, "classroom.mentoring_confirm", meeting)
    if meeting.confirmed:
        result_recorded.send(KIND_KEY, session=session, person_id=meeting.mentee_id,
                             source_id=meeting.id)
    return meeting


def confirmed_minutes(session, mentee_id: int, start: date | None = None,
                      end: date | None = None) -> int:
    """Minutes of the mentee's meetings both sides confirmed (held between start and end)."""
    query = select(func.coalesce(func.sum(MentoringMeeting.minutes), 0)).where(
        MentoringMeeting.mentee_id == mentee_id,
        MentoringMeeting.mentor_confirmed_at.is_not(None),
        MentoringMeeting.mentee_confirmed_at.is_not(None))
    if start is not None:
        query = query.where(MentoringMeeting.held_on >= start)
    if end is not None:
        query = query.where(MentoringMeeting.held_on <= end)
    return int(session.scalar(query) or 0)


def meetings_of(session, person: Person) -> list[MentoringMeeting]:
    """The person's meetings as mentor or mentee, newest first."""
    return list(session.scalars(
        select(MentoringMeeting).where((MentoringMeeting.mentor_id == person.id)
                                       | (MentoringMeeting.mentee_id == person.id))
        .order_by(func.coalesce(MentoringMeeting.held_on, MentoringMeeting.planned_on).desc(),
                  MentoringMeeting.id.desc())))
