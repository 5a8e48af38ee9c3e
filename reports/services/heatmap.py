"""The competency heat map: teams × competencies, one team's people × competencies, a person's
evidence, and a team's trend over the last twelve months.

Who is shown is `rows.report_people` under the reader's `policy.report_scope` and the report
filters, and levels are `rows.details` (the profile policy of `lms.competencies.services.evidence`
against the person's tier's required levels), so the heat map agrees with the dashboard and the
exports. Colours come from `lms.competencies.services.matrix.heat`, the one colour rule.

Team aggregation (the teams view), per team and competency, over the team's people whose tier
requires the competency (people whose tier does not require it are left out of that cell):

- a person's shortfall is max(required − level, 0), a person without evidence having level 0
  (no evidence is a full shortfall, as the heat rule treats it as critical);
- the cell shows the average shortfall (exact, shown to one decimal) and the share of those
  people meeting the required level (shortfall 0);
- its colour is the heat rule applied to the average shortfall rounded half up to a whole
  level: 0 green, 1 yellow, 2 orange, 3 or more red. Surpluses are not averaged in, so one
  expert does not hide a colleague's gap.

The teams view of everyone (HR and admins, no filter) is worked out from the level counters
the database keeps on write (`reports.services.level_tally`: active people per team, tier,
competency and level) and each team's head-count per tier: a few thousand rows whatever the
number of people. Any other view is counted by the database over the stored levels
(`CompetencyLevel`): GROUP BY team and competency. Either way the cells are kept between pages
while no level, person or requirement changed (`reports.services.totals`).

Trend (the team page): for each of the last twelve month ends (the current month up to
today), each person's profile is replayed as it stood then — the same profile policy
(latest row per source kind, weighted mean) over the evidence rows observed before the next
day begins (`profiles(as_of=…)`, so the policy has one home).
A competency area's point is the mean of the exact (unrounded)
levels of every (person, competency of the area) pair that had evidence by then; a month with
none is a gap in the line. People who left the team are not replayed: the line describes the
team as it is now.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql.elements import True_

from lms.competencies.models import (
    Competency,
    CompetencyArea,
    CompetencyLevel,
    Evidence,
    MatrixRequirement,
)
from lms.competencies.services.evidence import profiles
from lms.competencies.services.matrix import heat
from lms.core import clock
from lms.core.kinds import UnknownAssessmentKind, get_kind
from lms.core.numbers import WHOLE, half_up
from reports.services import level_tally, totals
from reports.services import rows as report_rows
from reports.services.filters import ReportFilters

TREND_MONTHS = 12


@dataclass(frozen=True)
class PersonCell:
    level: int | None
    required: int | None
    colour: str

    @property
    def gap(self) -> int | None:
        if self.required is None:
            return None
        return max(self.required - (self.level or 0), 0)


@dataclass
class TeamCell:
    people: int = 0          # people whose tier requires the competency
    met: int = 0
    shortfall: int = 0       # sum of max(required − level, 0)

    @property
    def average(self) -> Decimal | None:
        return Decimal(self.shortfall) / self.people if self.people else None

    @property
    def met_percent(self) -> int | None:
        return self.met * 100 // self.people if self.people else None

    @property
    def colour(self) -> str:
        if not self.people:
            return "none"
        rounded = int(half_up(self.average, WHOLE))
        return heat(rounded, 0)


@dataclass
class TeamHeatRow:
    team_id: int | None
    team: str | None
    people: int
    cells: dict[int, TeamCell]


@dataclass(frozen=True)
class PersonHeatRow:
    row: report_rows.PersonRow
    cells: dict[int, PersonCell]


def person_cell(line: report_rows.CompetencyLine | None) -> PersonCell:
    """One person's cell from their details line (no line: nothing required or evidenced)."""
    if line is None:
        return PersonCell(None, None, "none")
    return PersonCell(line.level, line.required, heat(line.required, line.level))


def team_heat(session, scope, filters: ReportFilters, *,
              today: date | None = None) -> list[TeamHeatRow]:
    """Teams × competencies under `scope` and `filters`, aggregated as the module says: a
    fixed number of queries (the cells — or the counters and head-counts per tier — and each
    team's head-count) whatever the number of people, or the head-counts and the change mark
    while the cells are kept (`reports.services.totals`)."""
    people = report_rows.report_members(session, scope, filters,
                                        today or clock.today()).subquery()
    R, L = MatrixRequirement, CompetencyLevel
    shortfall = R.required_level - func.coalesce(L.level, 0)
    connection = session.connection()
    teams: dict[int | None, TeamHeatRow] = {
        team_id: TeamHeatRow(team_id, team, count, defaultdict(TeamCell))
        for team_id, team, count in connection.execute(
            select(people.c.team_id, func.min(people.c.team), func.count())
            .group_by(people.c.team_id))}

    everyone = isinstance(scope, True_) and replace(
        filters, sort="name", descending=False, path_id=None) == ReportFilters()

    def count() -> list[tuple]:
        if everyone:  # from the counters the database keeps (module docstring)
            level_tally.fold_if_many(session.get_bind())
            return _cells_from_tally(connection, people, report_rows.required_levels(session))
        return [tuple(row) for row in connection.execute(
            select(people.c.team_id, R.competency_id, func.count(),
                   func.sum(case((shortfall <= 0, 1), else_=0)),
                   func.sum(case((shortfall > 0, shortfall), else_=0)))
            .select_from(people).join(R, R.path_id == people.c.tier_id)
            .outerjoin(L, and_(L.person_id == people.c.id, L.competency_id == R.competency_id))
            .group_by(people.c.team_id, R.competency_id))]

    scope_key = totals.scope_key(connection, scope)
    if scope_key is None or filters.status is not None or filters.expiring_within is not None:
        cells = count()  # people chosen by their standing: the levels' mark does not follow it
    else:
        # Kept between pages while no level, person or requirement changed (module
        # reports.services.totals); the head-counts and team names above are read each time.
        cells = totals.kept_or_counted(connection, (
            "team_heat", scope_key, replace(filters, sort="name", descending=False),
            today or clock.today()), count, totals.levels_mark)
    for team_id, competency_id, n, met, short in cells:
        if team_id in teams:
            teams[team_id].cells[competency_id] = TeamCell(people=n, met=int(met),
                                                           shortfall=int(short))
    return sorted(teams.values(), key=lambda t: (t.team is None, (t.team or "").casefold()))


def _cells_from_tally(connection, people, required: dict[int, dict[int, int]]) -> list[tuple]:
    """The teams view's cells (team, competency, people, met, shortfall) from the level
    counters and each team's head-count per tier: a person of the tier without a stored level
    holds level 0, as in the query over the levels."""
    held: dict[tuple[int, int, int], list[tuple[int, int]]] = defaultdict(list)
    for (team, tier, competency, level), n in level_tally.counts(connection).items():
        held[(team, tier, competency)].append((level, n))
    cells: dict[tuple[int | None, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for team_id, tier_id, heads in connection.execute(
            select(people.c.team_id, people.c.tier_id, func.count())
            .where(people.c.tier_id.is_not(None))
            .group_by(people.c.team_id, people.c.tier_id)):
        for competency_id, needed in required.get(tier_id, {}).items():
            levels = held.get((team_id or 0, tier_id, competency_id), ())
            without = heads - sum(n for _level, n in levels)
            cell = cells[(team_id, competency_id)]
            cell[0] += heads
            cell[1] += sum(n for level, n in levels if level >= needed) \
                + (without if needed <= 0 else 0)
            cell[2] += sum(n * (needed - level) for level, n in levels if level < needed) \
                + without * max(needed, 0)
    return [(team_id, competency_id, n, met, short)
            for (team_id, competency_id), (n, met, short) in cells.items()]


def people_heat(session, scope, filters: ReportFilters, team_id: int, *,
                today: date | None = None) -> list[PersonHeatRow]:
    """One team's people (a department: its teams' people) × competencies."""
    people = report_rows.report_people(session, scope, replace(filters, team_id=team_id),
                                       today=today)
    result = []
    for chunk in report_rows.batches(people):
        detail = report_rows.details(session, chunk, today=today)
        result += [PersonHeatRow(p, {cid: person_cell(line) for cid, line
                                     in detail[p.id].competencies.items()}) for p in chunk]
    return result


@dataclass(frozen=True)
class EvidenceLine:
    competency: Competency
    required: int | None
    level: int | None
    exact: Decimal | None
    colour: str
    rows: list            # Evidence rows, newest first
    counted: set[int]     # ids of the rows the profile policy counts (latest per kind)


def person_evidence(session, person) -> list[EvidenceLine]:
    """The person's profile against their tier's required levels, per active competency that
    is required or evidenced, with every evidence row behind each level (three queries)."""
    required = dict(session.execute(
        select(MatrixRequirement.competency_id, MatrixRequirement.required_level)
        .where(MatrixRequirement.path_id == person.tier_id)).all()) if person.tier_id else {}
    profile = profiles(session, [person.id])[person.id]
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for row in session.scalars(select(Evidence).where(Evidence.person_id == person.id)
                               .order_by(Evidence.observed_at.desc(), Evidence.id.desc())):
        evidence[row.competency_id].append(row)
    lines = []
    for competency in report_rows.competencies(session):
        cid = competency.id
        if cid not in required and cid not in evidence:
            continue
        entry = profile.get(cid)
        counted, seen = set(), set()
        for row in evidence[cid]:  # newest first: the first of each kind is the latest
            if row.source_kind not in seen:
                seen.add(row.source_kind)
                counted.add(row.id)
        level = entry.level if entry else None
        lines.append(EvidenceLine(competency, required.get(cid), level,
                                  entry.exact if entry else None,
                                  heat(required.get(cid), level), evidence[cid], counted))
    return lines


def kind_label(key: str) -> str:
    """The assessment kind's label (the key itself for a kind no longer installed)."""
    try:
        return str(get_kind(key).label)
    except UnknownAssessmentKind:
        return key


def month_ends(today: date, months: int = TREND_MONTHS) -> list[date]:
    """The last `months` month ends, oldest first; the current month ends today."""
    ends, year, month = [], today.year, today.month
    for _ in range(months):
        first = date(year, month, 1)
        following = (first + timedelta(days=32)).replace(day=1)
        ends.append(min(following - timedelta(days=1), today))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return ends[::-1]


@dataclass(frozen=True)
class Trend:
    months: list[date]
    areas: list[CompetencyArea]
    values: dict[int, list[Decimal | None]]   # area id -> one value per month


def team_trend(session, person_ids: list[int], *, today: date | None = None,
               months: int = TREND_MONTHS) -> Trend:
    """The average evidenced level per competency area at each month end (module docstring):
    one `profiles(as_of=…)` read per month (per 1,000 people), whatever the team's size."""
    today = today or clock.today()
    ends = month_ends(today, months)
    area_of = {c.id: c.area_id for c in report_rows.competencies(session)}
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(ends))
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * len(ends))
    for index, end in enumerate(ends):
        bound = datetime.combine(end + timedelta(days=1), time(), UTC)
        for start in range(0, len(person_ids), 1000):
            held = profiles(session, person_ids[start:start + 1000], as_of=bound)
            for entries in held.values():
                for cid, entry in entries.items():
                    if cid in area_of:
                        sums[area_of[cid]][index] += entry.exact
                        counts[area_of[cid]][index] += 1
    areas = [a for a in session.scalars(select(CompetencyArea).order_by(
        CompetencyArea.position, CompetencyArea.code)) if a.id in counts]
    values = {a.id: [sums[a.id][i] / counts[a.id][i] if counts[a.id][i] else None
                     for i in range(len(ends))] for a in areas}
    return Trend(ends, areas, values)
