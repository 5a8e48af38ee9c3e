"""The per-person report rows every report reads (dashboard, exports, heat map, packs).

Two stages, each in a constant number of queries whatever the number of people:

- `report_people(session, scope, filters)`: who is in the report — the people `scope` (a SQL
  condition on Person, from `policy.report_scope`) selects, narrowed by the filters, with
  their team, manager, tier and certification standing per path; sorted. Status and expiry
  filters and sorting need every person's standing, so this stage reads it for all of them
  (three queries; see `certificates.standing`).
- `details(session, rows)`: the heavier columns — competency profile against the tier's
  required levels, latest 360 score, overdue training — for one page or one export batch.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from assessments.review360.results import LatestScore, latest_scores
from certificates.standing import PathStanding, standings
from courses.progress import overdue_counts
from lms import clock
from lms.competencies.evidence import ProfileEntry, profiles
from lms.competencies.models import Competency, CompetencyArea, MatrixRequirement
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from lms.reports.filters import ReportFilters

# Certificates ending within this many days show as "expiring" (the dashboard's default).
EXPIRING_DAYS = 60
# People per `details` call when a report walks everyone (exports, team heat maps).
BATCH = 500


@dataclass
class PersonRow:
    id: int
    employee_id: str
    name: str
    email: str
    active: bool
    hire_date: date | None
    team_id: int | None
    team: str | None
    manager_id: int | None
    manager: str | None
    manager_employee_id: str | None
    mentor_id: int | None
    tier_id: int | None
    standings: dict[int, PathStanding] = field(default_factory=dict)

    def standing(self, path_id: int | None) -> PathStanding | None:
        return self.standings.get(path_id) if path_id is not None else None

    def status(self, path_id: int | None) -> str | None:
        """The status on `path_id` ("not_started" with nothing recorded), None without a
        path."""
        if path_id is None:
            return None
        held = self.standings.get(path_id)
        return held.status if held else "not_started"

    @property
    def tier_standing(self) -> PathStanding | None:
        return self.standing(self.tier_id)


@dataclass(frozen=True)
class CompetencyLine:
    competency_id: int
    level: int | None            # evidenced level (None: no evidence)
    exact: Decimal | None
    required: int | None         # what the person's tier requires (None: nothing)

    @property
    def gap(self) -> int | None:
        if self.required is None:
            return None
        return self.required - (self.level or 0)


@dataclass(frozen=True)
class PersonDetail:
    competencies: dict[int, CompetencyLine]
    review360: LatestScore | None
    overdue: int


def paths(session) -> list[CertificationPath]:
    """Active paths in ladder order (the report's status columns)."""
    return list(session.scalars(select(CertificationPath).where(
        CertificationPath.active.is_(True)).order_by(CertificationPath.position,
                                                     CertificationPath.id)))


def competencies(session) -> list[Competency]:
    """Active competencies in framework order (the report's competency columns)."""
    return list(session.scalars(
        select(Competency).join(CompetencyArea, CompetencyArea.id == Competency.area_id)
        .where(Competency.active.is_(True))
        .order_by(CompetencyArea.position, CompetencyArea.code, Competency.position,
                  Competency.code)))


def _line_of(session, manager_id: int) -> set[int]:
    """Everyone below `manager_id`, however deep (one query per level; lines are short)."""
    reports, frontier = set(), {manager_id}
    while frontier:
        frontier = set(session.scalars(
            select(Person.id).where(Person.manager_id.in_(frontier)))) - reports
        reports |= frontier
    return reports


def _sort_key(sort: str, path_of):
    """Sort keys put missing values last in either order (see report_people)."""
    order = {s: i for i, s in enumerate(("expired", "revoked", "expiring", "pending_approval",
                                         "in_progress", "not_started", "certified"))}

    def key(row: PersonRow):
        standing = row.standing(path_of(row))
        value = {
            "name": row.name.casefold(), "employee_id": row.employee_id,
            "team": (row.team or "").casefold() or None, "tier": row.tier_id,
            "status": order.get(row.status(path_of(row))) if path_of(row) else None,
            "expires_on": standing.expires_on if standing else None,
            "composite": standing.composite if standing else None,
            "hire_date": row.hire_date,
        }[sort]
        return value
    return key


def report_people(session, scope, filters: ReportFilters, *, today: date | None = None,
                  expiring_days: int = EXPIRING_DAYS) -> list[PersonRow]:
    """Everyone `scope` selects, filtered and sorted, with their standing per path, in a
    constant number of queries (plus one per level of a manager filter's line)."""
    today = today or clock.today()
    manager = aliased(Person)
    stmt = (select(Person.id, Person.employee_id, Person.name, Person.email, Person.active,
                   Person.hire_date, Person.team_id, Team.name, Person.manager_id,
                   manager.name, manager.employee_id, Person.mentor_id, Person.tier_id)
            .outerjoin(Team, Team.id == Person.team_id)
            .outerjoin(manager, manager.id == Person.manager_id)
            .where(scope))
    if not filters.include_inactive:
        stmt = stmt.where(Person.active.is_(True))
    if filters.team_id is not None:
        # A department takes in the teams under it.
        stmt = stmt.where(or_(Person.team_id == filters.team_id, Person.team_id.in_(
            select(Team.id).where(Team.parent_id == filters.team_id))))
    if filters.manager_id is not None:
        stmt = stmt.where(Person.id.in_(_line_of(session, filters.manager_id)))
    if filters.tier_id is not None:
        stmt = stmt.where(Person.tier_id == filters.tier_id)
    if filters.hired_from is not None:
        stmt = stmt.where(Person.hire_date >= filters.hired_from)
    if filters.hired_to is not None:
        stmt = stmt.where(Person.hire_date <= filters.hired_to)
    rows = [PersonRow(*values) for values in session.execute(stmt)]
    held = standings(session, [r.id for r in rows], today=today,
                     expiring_within_days=expiring_days)
    for row in rows:
        row.standings = held.get(row.id, {})

    def path_of(row: PersonRow) -> int | None:
        return filters.path_id if filters.path_id is not None else row.tier_id

    if filters.status is not None:
        rows = [r for r in rows if path_of(r) is not None and r.status(path_of(r))
                == filters.status]
    if filters.expiring_within is not None:
        horizon = today + timedelta(days=filters.expiring_within)
        rows = [r for r in rows if any(
            s.status in ("certified", "expiring") and s.expires_on is not None
            and s.expires_on <= horizon for s in r.standings.values())]
    key = _sort_key(filters.sort, path_of)
    present = [r for r in rows if key(r) is not None]
    absent = [r for r in rows if key(r) is None]
    present.sort(key=lambda r: (key(r), r.name.casefold(), r.id), reverse=filters.descending)
    absent.sort(key=lambda r: (r.name.casefold(), r.id))
    return present + absent


def details(session, rows: list[PersonRow], *,
            today: date | None = None) -> dict[int, PersonDetail]:
    """{person_id: PersonDetail} for `rows` (a page or a batch, up to about 1,000 people) in
    four queries: profiles, required levels, latest 360 scores and overdue enrolments."""
    ids = [r.id for r in rows]
    if not ids:
        return {}
    held = profiles(session, ids)
    required: dict[int, dict[int, int]] = defaultdict(dict)
    tiers = {r.tier_id for r in rows if r.tier_id is not None}
    if tiers:
        for path_id, competency_id, level in session.execute(
                select(MatrixRequirement.path_id, MatrixRequirement.competency_id,
                       MatrixRequirement.required_level)
                .where(MatrixRequirement.path_id.in_(tiers))):
            required[path_id][competency_id] = level
    scores = latest_scores(session, ids)
    overdue = overdue_counts(session, ids, today)
    result = {}
    for row in rows:
        profile: dict[int, ProfileEntry] = held.get(row.id, {})
        needs = required.get(row.tier_id, {})
        lines = {
            cid: CompetencyLine(
                competency_id=cid,
                level=profile[cid].level if cid in profile else None,
                exact=profile[cid].exact if cid in profile else None,
                required=needs.get(cid))
            for cid in set(profile) | set(needs)
        }
        result[row.id] = PersonDetail(competencies=lines, review360=scores.get(row.id),
                                      overdue=overdue.get(row.id, 0))
    return result


def batches(rows: list[PersonRow], size: int = BATCH):
    """`rows` in slices of `size`, for reports that call `details` on everyone."""
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


@dataclass(frozen=True)
class TeamTotal:
    team_id: int | None
    team: str | None
    people: int
    with_tier: int
    certified: int          # certified (or expiring) on their own tier's path
    expiring: int
    overdue_paths: int      # expired or revoked on their own tier's path

    @property
    def completion_rate(self) -> int | None:
        """Percent of people with a tier who hold its certificate, rounded down."""
        return self.certified * 100 // self.with_tier if self.with_tier else None


def team_totals(rows: list[PersonRow]) -> tuple[list[TeamTotal], TeamTotal]:
    """Per-team totals and completion rates of `rows` (no queries), and the grand total."""
    buckets: dict[int | None, list[PersonRow]] = defaultdict(list)
    for row in rows:
        buckets[row.team_id].append(row)

    def total(team_id, team, members) -> TeamTotal:
        statuses = [r.status(r.tier_id) for r in members if r.tier_id is not None]
        return TeamTotal(
            team_id=team_id, team=team, people=len(members), with_tier=len(statuses),
            certified=sum(s in ("certified", "expiring") for s in statuses),
            expiring=sum(s == "expiring" for s in statuses),
            overdue_paths=sum(s in ("expired", "revoked") for s in statuses))

    teams = [total(team_id, members[0].team, members) for team_id, members in buckets.items()]
    teams.sort(key=lambda t: (t.team is None, (t.team or "").casefold()))
    return teams, total(None, None, rows)
