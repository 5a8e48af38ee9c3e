"""The per-person report rows every report reads (dashboard, exports, heat map, packs).

Two stages, each in a constant number of queries whatever the number of people:

- `report_people(session, scope, filters)`: who is in the report — the people `scope` (a SQL
  condition on Person, from `policy.report_scope`) selects, narrowed by the filters, with
  their team, manager, tier and standing on the report path (status, dates, composite,
  computed by the database: `certificates.services.standing.status_columns`); sorted. One query.
- `details(session, rows)`: the heavier columns — every path's full standing (missing items,
  components), competency profile against the tier's required levels, latest 360 score,
  overdue training — for one page or one export batch.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from operator import itemgetter

from sqlalchemy import literal, or_, select
from sqlalchemy.orm import aliased

from assessments.review360.services.results import LatestScore, latest_scores
from certificates.models import Certificate
from certificates.services.standing import PathStanding, join_status, standings
from courses.services.progress import overdue_counts
from lms.competencies.models import Competency, CompetencyArea, MatrixRequirement
from lms.competencies.services.evidence import ProfileEntry, profiles
from lms.core import clock
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from lms.people.policy import reporting_line_ids
from reports.services.filters import ReportFilters

# Certificates ending within this many days show as "expiring" (the dashboard's default).
EXPIRING_DAYS = 60
# People per `details` call when a report walks everyone (exports, team heat maps).
BATCH = 500


@dataclass
class PersonRow:
    """One person in a report, with their standing on the report's path: the filter's path,
    else their own tier (None when neither). Other paths' standings are in `details`."""

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
    path_id: int | None
    status: str | None
    issued_on: date | None
    expires_on: date | None
    composite: Decimal | None


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
    # The full standing per path: missing items (current language) and component scores.
    standings: dict[int, PathStanding]


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


def narrow_people(session, stmt, *, team_id=None, manager_id=None, tier_id=None,
                  hired_from=None, hired_to=None):
    """`stmt` (over Person) narrowed by the people filters the reports and the API share: a
    team (a department takes in the teams under it), a manager's whole line, a tier and a
    hire-date range; None leaves a filter out."""
    if team_id is not None:
        stmt = stmt.where(or_(Person.team_id == team_id, Person.team_id.in_(
            select(Team.id).where(Team.parent_id == team_id))))
    if manager_id is not None:
        stmt = stmt.where(Person.id.in_(reporting_line_ids(manager_id)))
    if tier_id is not None:
        stmt = stmt.where(Person.tier_id == tier_id)
    if hired_from is not None:
        stmt = stmt.where(Person.hire_date >= hired_from)
    if hired_to is not None:
        stmt = stmt.where(Person.hire_date <= hired_to)
    return stmt



_STATUS_ORDER = {s: i for i, s in enumerate((
    "expired", "revoked", "expiring", "pending_approval", "in_progress", "not_started",
    "certified"))}
_SORT_KEYS = {
    "name": lambda r: r.name.casefold(),
    "employee_id": lambda r: r.employee_id,
    "team": lambda r: (r.team or "").casefold() or None,
    "tier": lambda r: r.tier_id,
    "status": lambda r: _STATUS_ORDER.get(r.status),
    "expires_on": lambda r: r.expires_on,
    "composite": lambda r: r.composite,
    "hire_date": lambda r: r.hire_date,
}


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def report_people(session, scope, filters: ReportFilters, *, today: date | None = None,
                  expiring_days: int = EXPIRING_DAYS) -> list[PersonRow]:
    """Everyone `scope` selects, filtered and sorted (people without a value to sort by
    last, in either order), with their standing on the report path computed by the
    database: one query, plus one per level of a manager filter's line."""
    today = today or clock.today()
    manager = aliased(Person)
    path = literal(filters.path_id) if filters.path_id is not None else Person.tier_id
    stmt = (select(Person.id).outerjoin(Team, Team.id == Person.team_id)
            .outerjoin(manager, manager.id == Person.manager_id))
    stmt, standing = join_status(stmt, Person.id, path, today=today,
                                 expiring_within_days=expiring_days)
    stmt = stmt.with_only_columns(
        Person.id, Person.employee_id, Person.name, Person.email, Person.active,
        Person.hire_date, Person.team_id, Team.name, Person.manager_id, manager.name,
        manager.employee_id, Person.mentor_id, Person.tier_id, path, standing.status,
        standing.issued_on, standing.expires_on, standing.composite,
        maintain_column_froms=True).where(scope)
    if not filters.include_inactive:
        stmt = stmt.where(Person.active.is_(True))
    stmt = narrow_people(session, stmt, team_id=filters.team_id,
                         manager_id=filters.manager_id, tier_id=filters.tier_id,
                         hired_from=filters.hired_from, hired_to=filters.hired_to)
    if filters.expiring_within is not None:
        horizon = today + timedelta(days=filters.expiring_within)
        stmt = stmt.where(select(Certificate.id).where(
            Certificate.person_id == Person.id, Certificate.status == "valid",
            Certificate.expires_on >= today, Certificate.expires_on <= horizon).exists())
    if filters.status is not None:
        stmt = stmt.where(standing.status == filters.status)
    rows = []
    # Core execution: tens of thousands of plain rows, no ORM entities.
    for values in session.connection().execute(stmt):
        row = PersonRow(*values)
        row.composite = _decimal(row.composite)
        if isinstance(row.expires_on, str):  # SQLite returns dates from COALESCE as text
            row.expires_on = date.fromisoformat(row.expires_on)
        if isinstance(row.issued_on, str):
            row.issued_on = date.fromisoformat(row.issued_on)
        rows.append(row)
    key = _SORT_KEYS[filters.sort]
    keyed = [((key(r), r.name.casefold(), r.id), r) for r in rows]
    present = [k for k in keyed if k[0][0] is not None]
    absent = [k for k in keyed if k[0][0] is None]
    present.sort(key=itemgetter(0), reverse=filters.descending)
    absent.sort(key=lambda k: k[0][1:])
    return [row for _key, row in present + absent]


def details(session, rows: list[PersonRow], *, today: date | None = None,
            expiring_days: int = EXPIRING_DAYS) -> dict[int, PersonDetail]:
    """{person_id: PersonDetail} for `rows` (a page or a batch, up to about 1,000 people) in
    seven queries: profiles, required levels, latest 360 scores, overdue enrolments and the
    full standings (three)."""
    ids = [r.id for r in rows]
    if not ids:
        return {}
    today = today or clock.today()
    held = profiles(session, ids)
    full = standings(session, ids, today=today, expiring_within_days=expiring_days)
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
                                      overdue=overdue.get(row.id, 0),
                                      standings=full.get(row.id, {}))
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
    certified: int          # certified (or expiring) on the report path
    expiring: int
    lapsed: int             # expired or revoked on the report path

    @property
    def completion_rate(self) -> int | None:
        """Percent of people with a report path (their tier, or the filter's path) who hold
        its certificate, rounded down."""
        return self.certified * 100 // self.with_tier if self.with_tier else None


def team_totals(rows: list[PersonRow]) -> tuple[list[TeamTotal], TeamTotal]:
    """Per-team totals and completion rates of `rows` (no queries), and the grand total."""
    buckets: dict[int | None, list[PersonRow]] = defaultdict(list)
    for row in rows:
        buckets[row.team_id].append(row)

    def total(team_id, team, members) -> TeamTotal:
        statuses = [r.status for r in members if r.path_id is not None]
        return TeamTotal(
            team_id=team_id, team=team, people=len(members), with_tier=len(statuses),
            certified=sum(s in ("certified", "expiring") for s in statuses),
            expiring=sum(s == "expiring" for s in statuses),
            lapsed=sum(s in ("expired", "revoked") for s in statuses))

    teams = [total(team_id, members[0].team, members) for team_id, members in buckets.items()]
    teams.sort(key=lambda t: (t.team is None, (t.team or "").casefold()))
    return teams, total(None, None, rows)
