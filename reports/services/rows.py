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
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import aliased

from assessments.review360.services.results import LatestScore, latest_scores
from certificates.models import CertificationStanding
from certificates.services.standing import PathStanding, join_status, standings
from courses.services.progress import overdue_counts
from lms.competencies.models import (
    Competency,
    CompetencyArea,
    CompetencyLevel,
    MatrixRequirement,
)
from lms.competencies.services.evidence import ProfileEntry, profiles
from lms.core import clock
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from lms.people.policy import reporting_line_ids
from reports.services import totals
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



_STATUS_ORDER = ("expired", "revoked", "expiring", "pending_approval", "in_progress",
                 "not_started", "certified")


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Report:
    stmt: object           # SELECT of the PersonRow columns, filtered, unordered
    status: object         # the report path's status expression
    team_name: object
    path: object


def report_statement(session, scope, filters: ReportFilters, today: date,
                     expiring_days: int = EXPIRING_DAYS, *, counts_only: bool = False) -> Report:
    """The report's people as one statement: scope, filters and each person's standing on
    the report path from the stored tables (two primary-key joins per person)."""
    manager = aliased(Person)
    path = literal(filters.path_id) if filters.path_id is not None else Person.tier_id
    stmt = (select(Person.id).outerjoin(Team, Team.id == Person.team_id)
            .outerjoin(manager, manager.id == Person.manager_id))
    # Counts of certified, expiring and lapsed people need no evaluation (unless the filter
    # tells in-progress from not-started people apart): one join fewer per person.
    stmt, standing = join_status(
        stmt, Person.id, path, today=today, expiring_within_days=expiring_days,
        with_evaluation=not counts_only or filters.status in ("in_progress", "not_started"))
    # Labelled as PersonRow's fields, in its order (rows are built by position).
    stmt = stmt.with_only_columns(
        Person.id, Person.employee_id, Person.name, Person.email, Person.active,
        Person.hire_date, Person.team_id, Team.name.label("team"), Person.manager_id,
        manager.name.label("manager"), manager.employee_id.label("manager_employee_id"),
        Person.mentor_id, Person.tier_id, path.label("path_id"),
        standing.status.label("status"), standing.issued_on.label("issued_on"),
        standing.expires_on.label("expires_on"), standing.composite.label("composite"),
        maintain_column_froms=True).where(scope)
    if not filters.include_inactive:
        stmt = stmt.where(Person.active.is_(True))
    stmt = narrow_people(session, stmt, team_id=filters.team_id,
                         manager_id=filters.manager_id, tier_id=filters.tier_id,
                         hired_from=filters.hired_from, hired_to=filters.hired_to)
    if filters.expiring_within is not None:
        horizon = today + timedelta(days=filters.expiring_within)
        valid = aliased(CertificationStanding)
        stmt = stmt.where(select(valid.person_id).where(
            valid.person_id == Person.id, valid.valid_expires_on >= today,
            valid.valid_expires_on <= horizon).exists())
    if filters.status is not None:
        stmt = stmt.where(standing.status == filters.status)
        # Implied by those statuses, and what lets the database start from the standings'
        # expiry index instead of working out everyone's status.
        expires = standing.stored.valid_expires_on
        horizon = today + timedelta(days=expiring_days)
        if filters.status == "expiring":
            stmt = stmt.where(expires >= today, expires <= horizon)
        elif filters.status == "certified":
            stmt = stmt.where(expires > horizon)
    return Report(stmt, standing, Team.name, path)


def report_members(session, scope, filters: ReportFilters, today: date):
    """A SELECT of (id, team_id, team, tier_id) of the report's people, for aggregates that
    need no standing: without a status filter, no standing or evaluation is joined."""
    if filters.status is not None or filters.expiring_within is not None:
        report = report_statement(session, scope, filters, today)
        return report.stmt.with_only_columns(Person.id, Person.team_id,
                                             Team.name.label("team"), Person.tier_id,
                                             maintain_column_froms=True)
    stmt = (select(Person.id, Person.team_id, Team.name.label("team"), Person.tier_id)
            .outerjoin(Team, Team.id == Person.team_id).where(scope))
    if not filters.include_inactive:
        stmt = stmt.where(Person.active.is_(True))
    return narrow_people(session, stmt, team_id=filters.team_id,
                         manager_id=filters.manager_id, tier_id=filters.tier_id,
                         hired_from=filters.hired_from, hired_to=filters.hired_to)


# Sort keys every person has, read from the person row alone.
_NEVER_EMPTY = ("name", "employee_id")


def _ordered(session, report: Report, filters: ReportFilters):
    """The report ordered as the filters ask, in SQL: people without a value to sort by
    last (by name) in either order, ties by name then id, names in code-point order on
    both databases."""
    columns = report.status

    def text(column):
        column = func.lower(column)
        return column.collate("C") if session.get_bind().dialect.name == "postgresql" \
            else column

    keys = {
        "name": Person.sort_name, "employee_id": Person.employee_id,
        "team": func.nullif(text(report.team_name), ""), "tier": Person.tier_id,
        "status": case(*[(columns.status == s, i) for i, s in enumerate(_STATUS_ORDER)]),
        "expires_on": columns.expires_on, "composite": columns.composite,
        "hire_date": Person.hire_date,
    }
    key, name = keys[filters.sort], Person.sort_name
    if filters.sort == "expires_on" and filters.status in ("expiring", "certified"):
        # For these statuses the date shown is the stored expiry of the certificate in force,
        # never empty: ordering by that column (not the CASE that picks it) lets the database
        # walk its expiry index and stop after a page (65 ms → 4 ms at 100,000 people).
        key = columns.stored.valid_expires_on
        if filters.descending:
            return report.stmt.order_by(key.desc(), name.desc(), Person.id.desc())
        return report.stmt.order_by(key, name, Person.id)
    if filters.sort in _NEVER_EMPTY:
        # (sort_name, id) is an index: a page walks it instead of sorting everyone.
        if filters.descending:
            return report.stmt.order_by(key.desc(), Person.id.desc())
        return report.stmt.order_by(key, Person.id)
    missing = key.is_(None)
    if filters.descending:
        return report.stmt.order_by(missing, key.desc(), case((missing, name)),
                                    case((missing, Person.id)), name.desc(), Person.id.desc())
    return report.stmt.order_by(missing, key, name, Person.id)


def _person_rows(result) -> list[PersonRow]:
    rows = []
    for values in result:
        row = PersonRow(*values)
        row.composite = _decimal(row.composite)
        # SQLite returns dates from CASE as text
        row.expires_on, row.issued_on = _date(row.expires_on), _date(row.issued_on)
        rows.append(row)
    return rows


def report_people(session, scope, filters: ReportFilters, *, today: date | None = None,
                  expiring_days: int = EXPIRING_DAYS) -> list[PersonRow]:
    """Everyone `scope` selects, filtered and sorted, with their standing on the report
    path: one query (exports, heat maps; the dashboard pages with `report_page`)."""
    report = report_statement(session, scope, filters, today or clock.today(), expiring_days)
    # Core execution: tens of thousands of plain rows, no ORM entities.
    return _person_rows(session.connection().execute(_ordered(session, report, filters)))


# The person columns of an export row, in order (then each path's STANDING_COLUMNS).
EXPORT_PERSON = ("id", "employee_id", "name", "email", "team", "manager_employee_id",
                 "manager", "tier_id", "hire_date", "active")
STANDING_COLUMNS = ("status", "percent", "missing", "issued_on", "expires_on", "composite",
                    "components")


def stream_export(session, scope, filters: ReportFilters, path_ids: list[int], *,
                  joined=(), today: date | None = None, expiring_days: int = EXPIRING_DAYS,
                  size: int = BATCH):
    """The report's people as `report_people` orders them, `size` at a time, as plain rows:
    EXPORT_PERSON, then for each of `path_ids` the standing on it (STANDING_COLUMNS: the
    status, dates and composite computed by the database as the dashboard does, `missing`
    and `components` as JSON text), then the columns other than `person_id` of each SELECT
    in `joined` (per-person figures, e.g. `levels_table`), outer-joined on the person's id,
    None where it has no row. One statement over the stored tables (two primary-key
    joins per path), fetched as it is consumed (a server-side cursor on PostgreSQL): an
    export of everyone holds one batch, never the organisation, and no object per cell."""
    today = today or clock.today()
    report = report_statement(session, scope, filters, today, expiring_days)
    stmt = _ordered(session, report, filters)
    person = stmt.selected_columns
    standing_columns = []
    for path_id in path_ids:
        stmt, status = join_status(stmt, Person.id, literal(path_id), today=today,
                                   expiring_within_days=expiring_days, with_details=True)
        standing_columns += [getattr(status, name) for name in STANDING_COLUMNS]
    figures = []
    for table in joined:
        table = table.subquery()
        stmt = stmt.outerjoin(table, table.c.person_id == Person.id)
        figures += [column for column in table.c if column.name != "person_id"]
    stmt = stmt.with_only_columns(*[person[name] for name in EXPORT_PERSON],
                                  *standing_columns, *figures, maintain_column_froms=True)
    # On the statement, not the connection: a connection's options outlive the statement.
    result = session.connection().execute(stmt.execution_options(yield_per=size))
    yield from result.partitions(size)


def report_page(session, scope, filters: ReportFilters, page: int, per_page: int, *,
                today: date | None = None, expiring_days: int = EXPIRING_DAYS,
                total: int | None = None) -> tuple[list[PersonRow], int]:
    """One page of the report (pages count from 1) and how many people it has in all: the
    database filters, sorts, counts and cuts the page (two queries; one when the caller
    knows the `total` already, e.g. from `team_totals`)."""
    report = report_statement(session, scope, filters, today or clock.today(), expiring_days)
    connection = session.connection()
    if total is None:
        # Counted over the people alone (no standing joins) unless a filter needs them.
        members = report_members(session, scope, filters, today or clock.today())
        total = connection.execute(
            select(func.count()).select_from(members.subquery())).scalar_one()
    ordered = _ordered(session, report, filters)
    offset = max(page - 1, 0) * per_page
    if filters.sort in _NEVER_EMPTY:
        # Find the page's people first (the unused joins fall away), then read their
        # standings: a page costs an index walk, not every person's joins. A page in the
        # second half is found walking from the end (the same order reversed: the sort
        # key and the id decide every tie), so the last page is as cheap as the first.
        if total and offset > total // 2:
            count = max(min(per_page, total - offset), 0)
            walk = _ordered(session, report, replace(filters, descending=not filters.descending))
            start, size = max(total - offset - count, 0), count
        else:
            walk, start, size = ordered, offset, per_page
        ids = walk.with_only_columns(Person.id).limit(size).offset(start).subquery()
        page_rows = ordered.where(Person.id.in_(select(ids.c.id)))
    else:
        page_rows = ordered.limit(per_page).offset(offset)
    return _person_rows(connection.execute(page_rows)), total


def details(session, rows: list[PersonRow], *, today: date | None = None,
            expiring_days: int = EXPIRING_DAYS,
            with_levels: bool = True) -> dict[int, PersonDetail]:
    """{person_id: PersonDetail} for `rows` (a page or a batch, up to about 1,000 people) in
    six queries: stored levels, required levels, latest 360 scores, overdue enrolments and the
    stored standings (two). Without `with_levels` (the dashboard shows none), four: the
    competency lines are left empty."""
    ids = [r.id for r in rows]
    if not ids:
        return {}
    today = today or clock.today()
    held = profiles(session, ids) if with_levels else {}
    full = standings(session, ids, today=today, expiring_within_days=expiring_days)
    required: dict[int, dict[int, int]] = defaultdict(dict)
    tiers = {r.tier_id for r in rows if r.tier_id is not None}
    if tiers and with_levels:
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


def required_levels(session) -> dict[int, dict[int, int]]:
    """{path_id: {competency_id: required level}} for every path (one query)."""
    required: dict[int, dict[int, int]] = defaultdict(dict)
    for path_id, competency_id, level in session.connection().execute(
            select(MatrixRequirement.path_id, MatrixRequirement.competency_id,
                   MatrixRequirement.required_level)):
        required[path_id][competency_id] = level
    return required


def levels_table(competency_ids: list[int]):
    """A SELECT of (person_id, one stored level per competency of `competency_ids`, None where
    there is none): the stored levels pivoted by the database, one row per person."""
    L = CompetencyLevel.__table__.c
    return select(L.person_id, *[func.max(case((L.competency_id == cid, L.level)))
                                 .label(f"level_{cid}") for cid in competency_ids]) \
        .group_by(L.person_id)


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


def team_totals(session, scope, filters: ReportFilters, *, today: date | None = None,
                expiring_days: int = EXPIRING_DAYS) -> tuple[list[TeamTotal], TeamTotal]:
    """Per-team totals and completion rates of the report, and the grand total: counted by
    the database (GROUP BY team and status) whatever the number of people, or kept from an
    earlier page while nothing they count has changed (`reports.services.totals`); three
    queries, two when kept."""
    today = today or clock.today()
    report = report_statement(session, scope, filters, today, expiring_days, counts_only=True)
    connection = session.connection()

    def count() -> dict[int | None, dict[str | None, int]]:
        # Per team and status, each person's status worked out once; the team names are
        # read for the teams found (a few hundred rows), not joined to every person.
        status = report.status.status.label("report_status")  # a name no joined table has
        counted: dict[int | None, dict[str | None, int]] = defaultdict(dict)
        for team_id, said, n in connection.execute(
                report.stmt.with_only_columns(Person.team_id, status, func.count(),
                                              maintain_column_froms=True)
                .group_by(Person.team_id, status)):
            counted[team_id][said] = n
        return counted

    scope_key = totals.scope_key(connection, scope)
    if scope_key is None or filters.status in ("in_progress", "not_started"):
        # Those statuses read the evaluations, which the change mark does not follow.
        counts = count()
    else:
        counts = totals.kept_or_counted(connection, (
            scope_key, replace(filters, sort="name", descending=False), today, expiring_days),
            count, totals.standings_mark)
    names = dict(connection.execute(select(Team.id, Team.name).where(
        Team.id.in_([t for t in counts if t is not None]))).all()) if counts else {}
    teams = []
    for team_id, by_status in counts.items():
        people = sum(by_status.values())
        teams.append(TeamTotal(
            team_id=team_id, team=names.get(team_id), people=people,
            with_tier=people - by_status.get(None, 0),
            certified=by_status.get("certified", 0) + by_status.get("expiring", 0),
            expiring=by_status.get("expiring", 0),
            lapsed=by_status.get("expired", 0) + by_status.get("revoked", 0)))
    teams.sort(key=lambda t: (t.team is None, (t.team or "").casefold()))
    grand = TeamTotal(team_id=None, team=None, people=sum(t.people for t in teams),
                      with_tier=sum(t.with_tier for t in teams),
                      certified=sum(t.certified for t in teams),
                      expiring=sum(t.expiring for t in teams),
                      lapsed=sum(t.lapsed for t in teams))
    return teams, grand
