"""The read API's data: query parameters, cursors and pages, as plain JSON-ready values.

Every function takes `scope`, a SQL condition on Person from `policy.report_scope` of the
token's person, so nothing outside what that person may see is ever read. A page costs a
constant number of queries whatever the number of people: one for the people (keyset
pagination on employee ID, then id), two for their standings, one or two for the framework.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, literal, or_, select, union
from sqlalchemy.orm import aliased

from certificates.models import CertificationEvaluation, CertificationStanding
from certificates.services.standing import STATUSES, PathStanding, join_status, standings
from lms.competencies.services import matrix as framework_services
from lms.competencies.services.evidence import profiles
from lms.core import clock
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from reports.services.rows import narrow_people

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
# Certificates ending within this many days show as "expiring" (as on the HR dashboard).
EXPIRING_DAYS = 60
PEOPLE_PARAMETERS = frozenset({"team_id", "manager_id", "tier", "active", "hired_from",
                               "hired_to", "updated_since", "limit", "cursor"})
CERTIFICATION_PARAMETERS = PEOPLE_PARAMETERS | {"path", "status"}


class BadParameter(Exception):
    """A query parameter the API cannot use; `parameter` names it for the client."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter, self.message = parameter, message


@dataclass(frozen=True)
class PeopleQuery:
    team_id: int | None = None
    manager_id: int | None = None
    tier_id: int | None = None
    active: bool | None = True          # None: active and deactivated people alike
    hired_from: date | None = None
    hired_to: date | None = None
    limit: int = DEFAULT_LIMIT
    after: tuple[str, int] | None = None   # (employee_id, id) of the previous page's last
    path_id: int | None = None
    status: str | None = None
    updated_since: datetime | None = None


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="lms.api.cursor")


def encode_cursor(secret_key: str, employee_id: str, person_id: int) -> str:
    """An opaque, signed cursor pointing after (employee_id, id)."""
    return _serializer(secret_key).dumps([employee_id, person_id])


def decode_cursor(secret_key: str, cursor: str) -> tuple[str, int]:
    """The (employee_id, id) a cursor points after; BadParameter when it was not made here."""
    try:
        value = _serializer(secret_key).loads(cursor)
    except BadSignature:
        raise BadParameter("cursor", "invalid cursor") from None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], str)
            or not isinstance(value[1], int) or isinstance(value[1], bool)):
        raise BadParameter("cursor", "invalid cursor")
    return value[0], value[1]


def _integer(args, name: str, low: int | None = None, high: int | None = None) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise BadParameter(name, f"{name} must be a positive integer")
    value = int(raw)
    if (low is not None and value < low) or (high is not None and value > high):
        raise BadParameter(name, f"{name} must be between {low} and {high}")
    return value


def _moment(args, name: str) -> datetime | None:
    raw = args.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw) if len(raw) <= 40 else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadParameter(name, f"{name} must be a date and time with a time zone "
                                 "(e.g. 2026-12-01T00:00:00Z)")
    return moment.astimezone(UTC)


def _date(args, name: str) -> date | None:
    raw = args.get(name)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise BadParameter(name, f"{name} must be a date (YYYY-MM-DD)")


def _path_id(session, args, name: str) -> int | None:
    code = args.get(name)
    if not code:
        return None
    path_id = session.scalar(select(CertificationPath.id).where(
        CertificationPath.code == code[:40]))
    if path_id is None:
        raise BadParameter(name, f"unknown {name} code: {code[:40]}")
    return path_id


def parse_query(session, args, secret_key: str, allowed: frozenset[str]) -> PeopleQuery:
    """The query parameters as a PeopleQuery; BadParameter naming the first unknown or
    unusable one (an unknown name is refused too: a typo would otherwise widen the answer)."""
    for name in args:
        if name not in allowed:
            raise BadParameter(name, f"unknown parameter: {name[:40]}")
    active = args.get("active", "true")
    if active not in ("true", "false", "any"):
        raise BadParameter("active", "active must be true, false or any")
    status = args.get("status") or None
    if status is not None and status not in STATUSES:
        raise BadParameter("status", "status must be one of " + ", ".join(STATUSES))
    hired_from, hired_to = _date(args, "hired_from"), _date(args, "hired_to")
    if hired_from and hired_to and hired_to < hired_from:
        raise BadParameter("hired_to", "hired_to is before hired_from")
    limit = _integer(args, "limit", 1, MAX_LIMIT)
    cursor = args.get("cursor")
    return PeopleQuery(
        team_id=_integer(args, "team_id"), manager_id=_integer(args, "manager_id"),
        tier_id=_path_id(session, args, "tier"),
        active={"true": True, "false": False, "any": None}[active],
        hired_from=hired_from, hired_to=hired_to,
        limit=DEFAULT_LIMIT if limit is None else limit,
        after=decode_cursor(secret_key, cursor) if cursor else None,
        path_id=_path_id(session, args, "path"), status=status,
        updated_since=_moment(args, "updated_since"))


def _people_statement(session, scope, query: PeopleQuery, *, certifications: bool = False):
    """People `scope` selects, filtered, in keyset order, with team, manager and tier."""
    manager, tier = aliased(Person), aliased(CertificationPath)
    stmt = (select(Person.id, Person.employee_id, Person.name, Person.email, Person.hire_date,
                   Person.active, Person.tier_id, Team.id.label("team_id"),
                   Team.name.label("team_name"), manager.id.label("manager_id"),
                   manager.employee_id.label("manager_employee_id"),
                   tier.code.label("tier_code"))
            .outerjoin(Team, Team.id == Person.team_id)
            .outerjoin(manager, manager.id == Person.manager_id)
            .outerjoin(tier, tier.id == Person.tier_id)
            .where(scope))
    if query.active is not None:
        stmt = stmt.where(Person.active.is_(query.active))
    if query.updated_since is not None and not certifications:
        stmt = stmt.where(Person.updated_at >= query.updated_since)
    return narrow_people(session, stmt, team_id=query.team_id, manager_id=query.manager_id,
                         tier_id=query.tier_id, hired_from=query.hired_from,
                         hired_to=query.hired_to)


def _after(stmt, after: tuple[str, int] | None):
    if after is not None:
        employee_id, person_id = after
        stmt = stmt.where(or_(Person.employee_id > employee_id,
                              and_(Person.employee_id == employee_id, Person.id > person_id)))
    return stmt.order_by(Person.employee_id, Person.id)


def person_json(row) -> dict:
    """One person as the API shows them."""
    return {
        "id": row.id, "employee_id": row.employee_id, "name": row.name, "email": row.email,
        "team": {"id": row.team_id, "name": row.team_name} if row.team_id else None,
        "manager": ({"id": row.manager_id, "employee_id": row.manager_employee_id}
                    if row.manager_id else None),
        "tier": row.tier_code,
        "hire_date": row.hire_date.isoformat() if row.hire_date else None,
        "active": bool(row.active),
    }


def _page(rows, query: PeopleQuery, secret_key: str) -> tuple[list, str | None]:
    """`rows` cut to the page, and the cursor after its last row (None on the last page)."""
    if len(rows) <= query.limit:
        return rows, None
    rows = rows[:query.limit]
    return rows, encode_cursor(secret_key, rows[-1].employee_id, rows[-1].id)


def people_page(session, scope, query: PeopleQuery, secret_key: str) -> dict:
    """{"data": [person], "next_cursor": str | None} in one query (plus one per level of a
    manager filter's line)."""
    stmt = _after(_people_statement(session, scope, query), query.after).limit(query.limit + 1)
    rows, cursor = _page(session.execute(stmt).all(), query, secret_key)
    return {"data": [person_json(r) for r in rows], "next_cursor": cursor}


def find_person(session, scope, employee_id: str):
    """The person with `employee_id` if `scope` selects them, else None (unknown and hidden
    people look the same)."""
    if not employee_id or len(employee_id) > 40 or not employee_id.isprintable():
        return None   # nothing odd (a NUL byte) reaches the database
    stmt = _people_statement(session, scope, PeopleQuery(active=None)).where(
        Person.employee_id == employee_id)
    return session.execute(stmt).first()


def _decimal(value) -> str | None:
    # Exact, as stored: rounding is the reader's display decision (79.995 does not pass 80).
    return None if value is None else str(value)


def certification_json(path: CertificationPath, standing: PathStanding | None) -> dict:
    """A person's standing on one path (not_started when nothing is recorded)."""
    if standing is None:
        standing = PathStanding(person_id=0, path_id=path.id, status="not_started", percent=0,
                                missing=(), certificate_id=None, serial=None, issued_on=None,
                                expires_on=None, composite=None, components={})
    return {
        "path": {"id": path.id, "code": path.code, "name": path.name},
        "status": standing.status, "percent": standing.percent,
        "missing": list(standing.missing), "serial": standing.serial,
        "issued_on": standing.issued_on.isoformat() if standing.issued_on else None,
        "expires_on": standing.expires_on.isoformat() if standing.expires_on else None,
        "composite": _decimal(standing.composite),
        "components": {code: _decimal(v) for code, v in standing.components.items()},
    }


def _all_paths(session) -> dict[int, CertificationPath]:
    return {p.id: p for p in session.scalars(select(CertificationPath))}


def _certifications_of(row, held: dict[int, PathStanding], paths, query: PeopleQuery) -> list:
    """The (path, standing) pairs listed for one person: the `path` filter's path, else every
    path with a record plus their tier; narrowed to `status` when given."""
    if query.path_id is not None:
        ids = [query.path_id]
    else:
        ids = set(held) | ({row.tier_id} if row.tier_id else set())
        ids = sorted((i for i in ids if i in paths), key=lambda i: (paths[i].position, i))
    pairs = [(paths[i], held.get(i)) for i in ids]
    if query.status is not None:
        pairs = [(p, s) for p, s in pairs if (s.status if s else "not_started") == query.status]
    return pairs


def _person_ref(row) -> dict:
    return {"id": row.id, "employee_id": row.employee_id, "name": row.name}


def _has_status(query: PeopleQuery, today: date):
    """A condition on Person: one of the certifications the API lists for them is in
    `query.status` (the path filter's path; else their tier's or any path with a record),
    decided by the database from the stored standings."""
    if query.path_id is not None:
        pairs = select(Person.id.label("person_id"), literal(query.path_id).label("path_id"))
    else:
        E, S = CertificationEvaluation, CertificationStanding
        pairs = union(select(E.person_id, E.path_id), select(S.person_id, S.path_id),
                      select(Person.id, Person.tier_id).where(Person.tier_id.is_not(None)))
    pairs = pairs.subquery()
    stmt, columns = join_status(select(pairs.c.person_id).select_from(pairs),
                                pairs.c.person_id, pairs.c.path_id, today=today,
                                expiring_within_days=EXPIRING_DAYS)
    return Person.id.in_(stmt.where(columns.status == query.status))


def _changed_since(moment: datetime):
    """A condition on Person: their standing changed at or after `moment` (a new
    evaluation, certificate or approval request)."""
    E, S = CertificationEvaluation, CertificationStanding
    return or_(Person.id.in_(select(E.person_id).where(E.evaluated_at >= moment)),
               Person.id.in_(select(S.person_id).where(S.updated_at >= moment)))


def certifications_page(session, scope, query: PeopleQuery, secret_key: str, *,
                        today: date | None = None) -> dict:
    """{"data": [{"person", "certifications"}], "next_cursor"} in a constant number of
    queries: the page of people (filters, the status and updated_since included, decided by
    the database over the stored standings), then their standings (two)."""
    today = today or clock.today()
    paths = _all_paths(session)
    base = _people_statement(session, scope, query, certifications=True)
    if query.status is not None:
        base = base.where(_has_status(query, today))
    if query.updated_since is not None:
        base = base.where(_changed_since(query.updated_since))
    rows, cursor = _page(session.execute(
        _after(base, query.after).limit(query.limit + 1)).all(), query, secret_key)
    held = standings(session, [r.id for r in rows], today=today,
                     expiring_within_days=EXPIRING_DAYS)
    return {"data": [{"person": _person_ref(r), "certifications": [
        certification_json(path, standing)
        for path, standing in _certifications_of(r, held.get(r.id, {}), paths, query)]}
        for r in rows], "next_cursor": cursor}


def person_certifications(session, row, *, today: date | None = None) -> dict:
    """One person's standing on each path they have a record for, and their tier."""
    paths = _all_paths(session)
    held = standings(session, [row.id], today=today, expiring_within_days=EXPIRING_DAYS)
    return {"person": _person_ref(row), "certifications": [
        certification_json(path, standing)
        for path, standing in _certifications_of(row, held.get(row.id, {}), paths,
                                                 PeopleQuery())]}


def person_profile(session, row) -> dict:
    """The person's evidenced level in every active competency beside what their tier
    requires (gap: required minus level, no evidence counting as 0; None without a
    requirement)."""
    _paths, required = framework_services.matrix(session)
    held = profiles(session, [row.id]).get(row.id, {})
    competencies = []
    for area in framework_services.framework(session):
        for competency in area.competencies:
            if not competency.active:
                continue
            entry = held.get(competency.id)
            needs = required.get((competency.id, row.tier_id)) if row.tier_id else None
            level = entry.level if entry else None
            competencies.append({
                "code": competency.code, "name": competency.name, "area": area.code,
                "level": level, "exact_level": _decimal(entry.exact) if entry else None,
                "required_level": needs,
                "gap": None if needs is None else needs - (level or 0),
                "heat": framework_services.heat(needs, level),
                "sources": list(entry.sources) if entry else [],
            })
    return {"person": _person_ref(row), "tier": row.tier_code, "competencies": competencies}


def framework_json(session) -> dict:
    """Areas with their active competencies, the proficiency scale, the active tiers and the
    level each tier requires per competency."""
    paths, required = framework_services.matrix(session)
    areas = framework_services.framework(session)
    codes = {c.id: c.code for a in areas for c in a.competencies if c.active}
    by_path = {p.id: p.code for p in paths}
    return {
        "areas": [{"code": a.code, "name": a.name, "competencies": [
            {"code": c.code, "name": c.name, "description": c.description}
            for c in a.competencies if c.active]} for a in areas],
        "scale": [{"level": lv.level, "name": lv.name, "description": lv.description}
                  for lv in framework_services.scale(session)],
        "tiers": [{"id": p.id, "code": p.code, "name": p.name,
                   "prerequisite": by_path.get(p.prerequisite_id)} for p in paths],
        "matrix": sorted(
            ({"tier": by_path[path_id], "competency": codes[competency_id],
              "required_level": level}
             for (competency_id, path_id), level in required.items()
             if path_id in by_path and competency_id in codes),
            key=lambda r: (r["tier"], r["competency"])),
    }
