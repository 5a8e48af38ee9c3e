"""Each person's service KPIs for the last three periods and their training hours this year:
for a dashboard page (two queries for the page's people) and for the exports (subqueries the
one streamed export statement joins, so no person costs a query or a Python loop).

The last three periods of a KPI are the three complete ones before the current period of its
kind (month, week or quarter): KPI values arrive after a period ends. Training hours are
`classroom.services.hours`' count (online learning, attended sessions, mentoring, rotation)
from 1 January to 31 December of today's year, shown to one decimal, half up.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from classroom.services.hours import hours_of, minutes_per_person, year_bounds
from lms.kpis import periods
from lms.kpis.models import KpiValue
from lms.kpis.services.definitions import ordered_kpis

PERIODS_SHOWN = 3


@dataclass(frozen=True)
class KpiColumn:
    """One KPI in one period: a column of the exports, a figure of the dashboard."""

    kpi_id: int
    code: str
    name: str
    start: date
    label: str          # the period as people write it: "2026-11", "2026-W45", "2026-Q4"

    @property
    def column(self) -> str:
        return f"{self.code}_{self.label}"


def kpi_columns(session, today: date) -> list[KpiColumn]:
    """Every active KPI's last three complete periods, oldest first, KPIs in display order."""
    columns = []
    for kpi in ordered_kpis(session):
        start, starts = periods.current(today, kpi.period), []
        for _n in range(PERIODS_SHOWN):
            start = periods.preceding(start, kpi.period)
            starts.append(start)
        columns += [KpiColumn(kpi.id, kpi.code, kpi.tr("name"), s, periods.label(s, kpi.period))
                    for s in reversed(starts)]
    return columns


def by_kpi(columns: list[KpiColumn]) -> list[tuple[KpiColumn, list[int]]]:
    """(the KPI's first column, the positions of its columns) per KPI, in column order: how
    a page shows one KPI's periods together."""
    groups: list[tuple[KpiColumn, list[int]]] = []
    for position, column in enumerate(columns):
        if not groups or groups[-1][0].kpi_id != column.kpi_id:
            groups.append((column, []))
        groups[-1][1].append(position)
    return groups


def plain(value: Decimal | None) -> str:
    """A KPI value as written, without trailing zeros ("91.5", "90"); "—" for none."""
    return "—" if value is None else format(value.normalize(), "f")


def kpi_table(columns: list[KpiColumn], person_ids: list[int] | None = None):
    """A SELECT of (person_id, one value per column, None where none was recorded), pivoted
    by the database over the values of those periods only; None without columns."""
    if not columns:
        return None
    V = KpiValue.__table__.c
    cells = [func.max(case((and_(V.kpi_id == c.kpi_id, V.period_start == c.start), V.value)))
             .label(f"kpi_{n}") for n, c in enumerate(columns)]
    stmt = (select(V.person_id, *cells)
            .where(V.kpi_id.in_({c.kpi_id for c in columns}),
                   V.period_start.in_({c.start for c in columns}))
            .group_by(V.person_id))
    if person_ids is not None:
        stmt = stmt.where(V.person_id.in_(person_ids))
    return stmt


def training_minutes(today: date, person_ids: list[int] | None = None):
    """A SELECT of (person_id, minutes) of training in today's year."""
    return minutes_per_person(*year_bounds(today.year), person_ids)


@dataclass(frozen=True)
class PersonFigures:
    kpis: tuple             # one Decimal or None per KpiColumn
    hours: Decimal          # training hours this year


def page_figures(session, person_ids: list[int], columns: list[KpiColumn], today: date
                 ) -> dict[int, PersonFigures]:
    """{person id: PersonFigures} for a page of people in two queries (one without KPIs)."""
    if not person_ids:
        return {}
    none = (None,) * len(columns)
    values = {}
    if columns:
        values = {row[0]: tuple(row[1:]) for row in session.connection().execute(
            kpi_table(columns, person_ids))}
    minutes = dict(session.connection().execute(training_minutes(today, person_ids)).all())
    return {pid: PersonFigures(values.get(pid, none), hours_of(int(minutes.get(pid) or 0)))
            for pid in person_ids}
