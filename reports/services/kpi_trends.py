"""Service KPIs in reports: a team's monthly (or weekly, quarterly: each KPI's own period)
averages against target over the last periods, and one person's recent values for the review
pack.

The periods shown are the last complete ones: the current period is still being measured, so
its values (if any were pushed already) would make a half-month look like a trend.

Each function reads the people it is given as a SQL condition (`report_scope`) and asks the
database for grouped rows: the number of queries does not grow with the team.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import distinct, func, select

from lms.kpis import periods
from lms.kpis.models import KpiDefinition, KpiValue
from lms.people.models import Person

TREND_PERIODS = 12
PACK_PERIODS = 6


def last_periods(today: date, period: str, count: int) -> list[date]:
    """The first days of the `count` complete periods before the one `today` falls in,
    oldest first."""
    start = periods.current(today, period)
    found = []
    for _n in range(count):
        start = periods.preceding(start, period)
        found.append(start)
    return found[::-1]


def active_kpis(session) -> list[KpiDefinition]:
    """The KPIs in use, in their display order."""
    return list(session.scalars(select(KpiDefinition).where(KpiDefinition.active.is_(True))
                                .order_by(KpiDefinition.position, KpiDefinition.id)))


@dataclass(frozen=True)
class KpiTrend:
    """One KPI over the periods: the average of the people with a value and how many they
    were (None / 0 where nobody had one)."""

    kpi: KpiDefinition
    starts: list[date]
    averages: list[Decimal | None]
    people: list[int]

    @property
    def labels(self) -> list[str]:
        return [periods.label(start, self.kpi.period) for start in self.starts]

    def met(self, index: int) -> bool | None:
        value = self.averages[index]
        return None if value is None else self.kpi.meets(value)


def team_trend(session, scope, team_id: int | None, today: date,
               count: int = TREND_PERIODS) -> list[KpiTrend]:
    """Each active KPI's average per period over the last `count` complete periods, of the
    active people `scope` selects (within `team_id` when given); two queries."""
    kpis = active_kpis(session)
    if not kpis:
        return []
    windows = {kpi.id: last_periods(today, kpi.period, count) for kpi in kpis}
    earliest = min(starts[0] for starts in windows.values())
    people = select(Person.id).where(scope, Person.active.is_(True))
    if team_id is not None:
        people = people.where(Person.team_id == team_id)
    found = {(kpi_id, start): (average, number) for kpi_id, start, average, number in
             session.execute(
                 select(KpiValue.kpi_id, KpiValue.period_start, func.avg(KpiValue.value),
                        func.count(distinct(KpiValue.person_id)))
                 .where(KpiValue.person_id.in_(people), KpiValue.period_start >= earliest)
                 .group_by(KpiValue.kpi_id, KpiValue.period_start))}
    trends = []
    for kpi in kpis:
        starts = windows[kpi.id]
        cells = [found.get((kpi.id, start), (None, 0)) for start in starts]
        trends.append(KpiTrend(
            kpi=kpi, starts=starts,
            averages=[None if avg is None else Decimal(str(avg)) for avg, _n in cells],
            people=[int(n) for _avg, n in cells]))
    return trends


@dataclass(frozen=True)
class PersonKpi:
    """One KPI of one person over the last periods: (period label, value or None, met or
    None) per period, and the target."""

    kpi: KpiDefinition
    target: Decimal
    cells: list[tuple[str, Decimal | None, bool | None]]


def person_kpis(session, person_id: int, today: date,
                count: int = PACK_PERIODS) -> list[PersonKpi]:
    """The person's values of each active KPI over the last `count` complete periods (KPIs
    they have no value of in those periods are left out); two queries."""
    kpis = active_kpis(session)
    if not kpis:
        return []
    windows = {kpi.id: last_periods(today, kpi.period, count) for kpi in kpis}
    earliest = min(starts[0] for starts in windows.values())
    values = {(kpi_id, start): value for kpi_id, start, value in session.execute(
        select(KpiValue.kpi_id, KpiValue.period_start, KpiValue.value)
        .where(KpiValue.person_id == person_id, KpiValue.period_start >= earliest))}
    lines = []
    for kpi in kpis:
        cells = []
        for start in windows[kpi.id]:
            value = values.get((kpi.id, start))
            cells.append((periods.label(start, kpi.period), value,
                          None if value is None else kpi.meets(value)))
        if any(value is not None for _label, value, _met in cells):
            lines.append(PersonKpi(kpi=kpi, target=kpi.target, cells=cells))
    return lines
