"""The HR report on the improvement loop: per team, the plans open, overdue (open past their
due date), closed in time and closed late, and the same over everyone in scope."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select

from lms.kpis.models import ImprovementPlan
from lms.people.models import Person, Team


@dataclass(frozen=True)
class TeamPlans:
    """One team's plan counts (`team` empty: people in no team; "total": everyone)."""

    team: str
    open: int
    overdue: int
    closed_in_time: int
    closed_late: int

    @property
    def closed(self) -> int:
        return self.closed_in_time + self.closed_late


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def team_counts(session, people_filter, today: date) -> tuple[list[TeamPlans], TeamPlans]:
    """The counts per team of the people `people_filter` selects, teams by name, and the
    total (one grouped query)."""
    is_open = ImprovementPlan.status == "open"
    is_closed = ImprovementPlan.status == "closed"
    rows = session.execute(
        select(Team.name, _count(is_open), _count(and_(is_open, ImprovementPlan.due_on < today)),
               _count(and_(is_closed, ImprovementPlan.closed_in_time.is_(True))),
               _count(and_(is_closed, ImprovementPlan.closed_in_time.is_not(True))))
        .select_from(ImprovementPlan)
        .join(Person, Person.id == ImprovementPlan.person_id)
        .outerjoin(Team, Team.id == Person.team_id)
        .where(people_filter)
        .group_by(Team.id, Team.name)
        .order_by(Team.name)).all()
    teams = [TeamPlans(name or "", *(int(n) for n in counts)) for name, *counts in rows]
    total = TeamPlans("total", *(sum(getattr(t, f) for t in teams) for f in (
        "open", "overdue", "closed_in_time", "closed_late")))
    return teams, total
