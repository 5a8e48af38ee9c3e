"""The monthly schedule: which agents of a programme's team are shopped this month, by which
shopper. Idempotent: running it again for a month adds only the visits still missing (up to
`visits_per_month`), never a second visit for the same agent in the same month. Callers own
the commit.

Agents are picked in rotation: those shopped longest ago (or never) first, then by employee
id, so everyone is visited in turn. Shoppers take visits in turn too: the one with the
fewest visits that month first.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from assessments.review360.mystery.models import MysteryProgramme, MysteryVisit
from assessments.review360.mystery.services.links import SentLink, send_link
from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.people.models import Person, PersonRole


@dataclass
class ScheduleResult:
    programme: MysteryProgramme
    sent: list[SentLink] = field(default_factory=list)
    problem: str = ""


def parse_month(text: str | None, today: date) -> date:
    """The first day of the month written "YYYY-MM" (default: this month); refuses another
    shape and a month that has not begun."""
    if not text:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        start = date(year, month, 1)
    except ValueError:
        raise DomainError(_("Write the month like %(example)s.", example="2026-11")) from None
    if start > today:
        raise DomainError(_("%(month)s has not begun yet.", month=text.strip()))
    return start


def team_agents(session, programme: MysteryProgramme) -> list[Person]:
    """The programme team's active agents."""
    return list(session.scalars(
        select(Person).join(PersonRole, PersonRole.person_id == Person.id)
        .where(Person.team_id == programme.team_id, Person.active, PersonRole.role == "agent")
        .order_by(Person.employee_id)))


def schedule_month(session, actor, programme: MysteryProgramme, month: date) -> ScheduleResult:
    """Add the month's missing visits and send their shoppers the links (module
    docstring). A programme without active shoppers or agents gets a problem instead."""
    result = ScheduleResult(programme)
    if not programme.active:
        result.problem = _("The programme is paused.")
        return result
    shoppers = [s for s in programme.shoppers if s.active]
    if not shoppers:
        result.problem = _("The programme has no active shoppers.")
        return result
    existing = list(session.scalars(select(MysteryVisit).where(
        MysteryVisit.programme_id == programme.id, MysteryVisit.month == month)))
    wanted = programme.visits_per_month - len(existing)
    if wanted <= 0:
        return result
    booked = {v.agent_id for v in existing}
    last = dict(session.execute(
        select(MysteryVisit.agent_id, func.max(MysteryVisit.month))
        .where(MysteryVisit.programme_id == programme.id)
        .group_by(MysteryVisit.agent_id)).all())
    candidates = [a for a in team_agents(session, programme) if a.id not in booked]
    if not candidates and not existing:
        result.problem = _("The team has no active agents.")
        return result
    candidates.sort(key=lambda a: (last.get(a.id) or date.min, a.employee_id))
    load = Counter(v.shopper_id for v in existing)
    for agent in candidates[:wanted]:
        shopper = min(shoppers, key=lambda s: (load[s.id], s.id))
        load[shopper.id] += 1
        visit = MysteryVisit(programme=programme, month=month, agent_id=agent.id,
                             shopper=shopper, status="invited")
        session.add(visit)
        session.flush()
        result.sent.append(send_link(session, visit))
    if result.sent:
        audit.record(actor, "mystery.schedule", programme, month=month.isoformat(),
                     visits=len(result.sent))
    return result


def schedule_all(session, actor, month: date) -> list[ScheduleResult]:
    """Schedule the month for every active programme (the monthly command)."""
    programmes = session.scalars(select(MysteryProgramme).where(MysteryProgramme.active)
                                 .order_by(MysteryProgramme.id))
    return [schedule_month(session, actor, p, month) for p in programmes]


def this_month() -> date:
    return clock.today().replace(day=1)
