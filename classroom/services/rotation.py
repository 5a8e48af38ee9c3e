"""Front-line rotation: a manager logs shifts worked with a team; a supervisor of that team
(an active mentor or manager who belongs to it, not the manager themself) confirms them.
Confirmed hours per quarter are a result the path rules read (the "rotation" kind)."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from classroom.models import RotationShift
from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.core.signals import result_recorded
from lms.people.models import Person, PersonRole, Team

KIND_KEY = "rotation"


def quarter_of(day: date) -> tuple[date, date]:
    """The first and last day of `day`'s calendar quarter."""
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    end = (date(day.year + 1, 1, 1) if first_month == 10
           else date(day.year, first_month + 3, 1))
    return start, date.fromordinal(end.toordinal() - 1)


def supervisors(session, team_id: int) -> list[Person]:
    """The team's supervisors: its active members holding the mentor or manager role."""
    return list(session.scalars(
        select(Person).join(PersonRole).where(Person.team_id == team_id,
                                              Person.active.is_(True),
                                              PersonRole.role.in_(("mentor", "manager")))
        .distinct().order_by(Person.sort_name)))


def log_shift(session, actor: Person, team: Team, worked_on: date, minutes: int,
              learned: str) -> RotationShift:
    """Log a shift the actor worked on the front line; refuses future days, shifts over 12
    hours, no notes, and a team without a supervisor to confirm it."""
    if worked_on > clock.today():
        raise DomainError(_("A shift is logged once it has been worked."), field="worked_on")
    if not 30 <= minutes <= 12 * 60:
        raise DomainError(_("A shift lasts between 30 minutes and 12 hours."), field="hours")
    if not learned.strip():
        raise DomainError(_("Say what you learned on the shift."), field="learned")
    if not [p for p in supervisors(session, team.id) if p.id != actor.id]:
        raise DomainError(_("%(team)s has no supervisor who could confirm the shift.",
                            team=team.name), field="team_id")
    shift = RotationShift(person_id=actor.id, team_id=team.id, worked_on=worked_on,
                          minutes=minutes, learned=learned.strip(), created_at=clock.now())
    session.add(shift)
    session.flush()
    audit.record(actor, "classroom.rotation_log", shift, team_id=team.id, minutes=minutes)
    return shift


def may_confirm(actor: Person, shift: RotationShift, team_supervisors: list[Person]) -> bool:
    return actor.id != shift.person_id and any(p.id == actor.id for p in team_supervisors)


def confirm_shift(session, actor: Person, shift: RotationShift) -> RotationShift:
    """A supervisor of the shift's team confirms it; the rules are told. Refuses anyone
    else and a second confirmation."""
    if shift.confirmed_at is not None:
        raise DomainError(_("This shift is already confirmed."))
    if not may_confirm(actor, shift, supervisors(session, shift.team_id)):
        raise DomainError(_("Only a supervisor of %(team)s can confirm this shift.",
                            team=shift.team.name))
    shift.confirmed_by_id, shift.confirmed_at = actor.id, clock.now()
    session.flush()
    audit.record(actor, "classroom.rotation_confirm", shift)
    result_recorded.send(KIND_KEY, session=session, person_id=shift.person_id,
                         source_id=shift.id)
    return shift


def confirmed_minutes(session, person_id: int, start: date, end: date) -> int:
    """Minutes of the person's confirmed shifts worked between start and end."""
    return int(session.scalar(select(func.coalesce(func.sum(RotationShift.minutes), 0)).where(
        RotationShift.person_id == person_id, RotationShift.confirmed_at.is_not(None),
        RotationShift.worked_on >= start, RotationShift.worked_on <= end)) or 0)


def waiting_for(session, actor: Person) -> list[RotationShift]:
    """Shifts waiting for the actor's confirmation (teams they supervise)."""
    if not actor.has_role("mentor", "manager") or actor.team_id is None:
        return []
    return list(session.scalars(
        select(RotationShift).where(RotationShift.team_id == actor.team_id,
                                    RotationShift.confirmed_at.is_(None),
                                    RotationShift.person_id != actor.id)
        .order_by(RotationShift.worked_on)))
