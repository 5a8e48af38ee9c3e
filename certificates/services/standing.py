"""Certification standing of many people at once (what HR reports and exports read).

`standings` reads the stored evaluations, pending approvals and certificates in a constant
number of queries (three, whatever the number of people): it never re-runs the rules. For
large lists it reads the tables whole rather than sending thousands of ids to the database.

A person's entries are the paths they have an evaluation, an approval request or a
certificate for (the engine evaluates a person's tier and its prerequisites whenever their
results, courses or tier change). The status, in order of precedence:

- certified / expiring: a valid certificate today ("expiring": it ends within
  `expiring_within_days` days);
- pending_approval: eligible and waiting for HR or the path's approver;
- revoked / expired: the latest certificate was revoked, or ended;
- in_progress: some rules met or some result in; not_started: neither.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from certificates.models import AwardApproval, Certificate, CertificationEvaluation
from certificates.services.missing import describe_all
from lms.core import clock

STATUSES = ("not_started", "in_progress", "pending_approval", "certified", "expiring",
            "expired", "revoked")
# Above this many ids a query reads the whole table instead of an IN list.
_IN_LIMIT = 1000


@dataclass(frozen=True)
class PathStanding:
    person_id: int
    path_id: int
    status: str                   # one of STATUSES ("expiring": valid, expires within N days)
    percent: int                  # share of the path's rules met, 0–100
    missing: tuple[str, ...]      # what is missing, in the current language
    certificate_id: int | None    # the current (or latest) certificate
    serial: str | None
    issued_on: date | None
    expires_on: date | None
    composite: Decimal | None     # exact, unrounded
    components: dict[str, Decimal | None]   # slot code -> exact score


def _rows(session, stmt, column, person_ids: set[int]):
    # Core execution (no ORM row processing): HR reports read tens of thousands of rows.
    if session.autoflush:
        session.flush()
    connection = session.connection()
    if len(person_ids) <= _IN_LIMIT:
        return connection.execute(stmt.where(column.in_(person_ids))).all()
    return [row for row in connection.execute(stmt) if row[0] in person_ids]


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def standings(session, person_ids, *, today=None,
              expiring_within_days=60) -> dict[int, dict[int, PathStanding]]:
    """{person_id: {path_id: PathStanding}} for every id (an empty dict for people with
    nothing evaluated yet), in three queries; missing items in the current language."""
    ids = {int(pid) for pid in person_ids}
    result: dict[int, dict[int, PathStanding]] = {pid: {} for pid in ids}
    if not ids:
        return result
    today = today or clock.today()
    horizon = today + timedelta(days=expiring_within_days)
    E, C, A = CertificationEvaluation, Certificate, AwardApproval
    evaluations = _rows(session, select(E.person_id, E.path_id, E.percent, E.missing,
                                        E.composite, E.components), E.person_id, ids)
    pending = {(p, path) for p, path in _rows(
        session, select(A.person_id, A.path_id).where(A.status == "pending"), A.person_id, ids)}
    certificates: dict[tuple[int, int], list] = defaultdict(list)
    for row in _rows(session, select(C.person_id, C.path_id, C.id, C.serial, C.issued_on,
                                     C.expires_on, C.status, C.composite, C.components),
                     C.person_id, ids):
        certificates[(row.person_id, row.path_id)].append(row)
    by_pair = {(e.person_id, e.path_id): e for e in evaluations}
    described: dict[str, tuple[str, ...]] = {}

    def describe(items) -> tuple[str, ...]:
        # Many people miss the same things: word each distinct list once.
        key = json.dumps(items, sort_keys=True)
        if key not in described:
            described[key] = describe_all(items)
        return described[key]

    for pair in set(by_pair) | pending | set(certificates):
        person_id, path_id = pair
        evaluation = by_pair.get(pair)
        held = sorted(certificates.get(pair, []), key=lambda c: (c.issued_on, c.id))
        valid = [c for c in held if c.status == "valid" and c.expires_on >= today]
        shown = valid[-1] if valid else (held[-1] if held else None)
        if valid:
            status = "expiring" if shown.expires_on <= horizon else "certified"
        elif pair in pending:
            status = "pending_approval"
        elif shown is not None:
            status = "revoked" if shown.status == "revoked" else "expired"
        elif evaluation is not None and (evaluation.percent > 0 or any(
                v is not None for v in (evaluation.components or {}).values())):
            status = "in_progress"
        else:
            status = "not_started"
        if valid:
            # The certified scores are the certificate's; the evaluation may have moved on.
            composite, components = shown.composite, shown.components or {}
        elif evaluation is not None:
            composite, components = evaluation.composite, evaluation.components or {}
        else:
            composite, components = None, {}
        result[person_id][path_id] = PathStanding(
            person_id=person_id, path_id=path_id, status=status,
            percent=100 if valid else (evaluation.percent if evaluation else 0),
            missing=() if valid or evaluation is None else describe(evaluation.missing),
            certificate_id=shown.id if shown else None, serial=shown.serial if shown else None,
            issued_on=shown.issued_on if shown else None,
            expires_on=shown.expires_on if shown else None,
            composite=_decimal(composite),
            components={code: _decimal(v) for code, v in components.items()},
        )
    return result


@dataclass(frozen=True)
class StatusColumns:
    """SQL expressions of a person's standing on one path, for lists that filter, sort and
    count in the database: the same precedence as `standings` (tests check that both agree
    on every status)."""

    status: object
    expires_on: object
    issued_on: object
    composite: object


def join_status(stmt, person_id, path_id, *, today=None, expiring_within_days=60):
    """`stmt` outer-joined to what the standing of the person and path named by the column
    expressions `person_id` and `path_id` (e.g. Person.id and Person.tier_id) needs, and the
    StatusColumns over those joins. Derived tables, not correlated subqueries: a list of
    twenty thousand people is one pass over each table."""
    today = today or clock.today()
    horizon = today + timedelta(days=expiring_within_days)
    C, A, E = Certificate, AwardApproval, CertificationEvaluation

    def newest(*conditions):
        rank = func.row_number().over(partition_by=(C.person_id, C.path_id),
                                      order_by=(C.issued_on.desc(), C.id.desc()))
        ranked = select(C.person_id, C.path_id, C.status, C.issued_on, C.expires_on,
                        C.composite, rank.label("rank")).where(*conditions).subquery()
        return select(ranked).where(ranked.c.rank == 1).subquery()

    latest = newest()
    valid = newest(C.status == "valid", C.expires_on >= today)
    pending = (select(A.person_id, A.path_id).where(A.status == "pending")
               .group_by(A.person_id, A.path_id).subquery())
    evaluation = aliased(E)

    def on(table):
        return and_(table.c.person_id == person_id, table.c.path_id == path_id)

    stmt = (stmt.outerjoin(latest, on(latest)).outerjoin(valid, on(valid))
            .outerjoin(pending, on(pending))
            .outerjoin(evaluation, and_(evaluation.person_id == person_id,
                                        evaluation.path_id == path_id)))
    status = case(
        (path_id.is_(None), None),
        (valid.c.expires_on <= horizon, "expiring"),
        (valid.c.expires_on.is_not(None), "certified"),
        (pending.c.person_id.is_not(None), "pending_approval"),
        (latest.c.status == "revoked", "revoked"),
        (latest.c.status.is_not(None), "expired"),
        (evaluation.started.is_(True), "in_progress"),
        else_="not_started")
    certified = valid.c.expires_on.is_not(None)
    # The certified scores and dates are the valid certificate's; else the latest's and the
    # latest evaluation's.
    return stmt, StatusColumns(
        status=status,
        expires_on=case((certified, valid.c.expires_on), else_=latest.c.expires_on),
        issued_on=case((certified, valid.c.issued_on), else_=latest.c.issued_on),
        composite=case((certified, valid.c.composite), else_=evaluation.composite))
