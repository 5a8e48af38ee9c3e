"""Certification standing of many people at once (what HR reports and exports read).

Two stored tables answer it, never the rules and never the certificate history: the rules'
latest answer per person and path (`CertificationEvaluation`, written by the engine) and what
their certificates and approval requests say (`CertificationStanding`, kept here: any flush
that writes a certificate or a request recomputes that person and path in the same
transaction). Whether a certificate has expired is decided against today when read, so
nothing needs a nightly job to stay right. `check_standings` recomputes the stored rows from
the certificates and requests and lists the differences (`flask --app lms check-derived`).

A person's entries are the paths they have an evaluation, an approval request or a
certificate for (the engine evaluates a person's tier and its prerequisites whenever their
results, courses or tier change). The status, in order of precedence:

- certified / expiring: a valid certificate today ("expiring": it ends within
  `expiring_within_days` days);
- pending_approval: eligible and waiting for HR or the path's approver;
- revoked / expired: the latest certificate was revoked, or ended;
- in_progress ("In training"): some rules met, some result in, or a lesson of the path's
  courses done; not_started: none of these.
"""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import String, and_, case, cast, delete, event, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from certificates.models import (
    AwardApproval,
    Certificate,
    CertificationEvaluation,
    CertificationStanding,
)
from certificates.services.missing import describe_all
from lms.core import clock
from lms.core.database import among, lock_keys, upsert

STATUSES = ("not_started", "in_progress", "pending_approval", "certified", "expiring",
            "expired", "revoked")
# Advisory-lock namespace of a person's stored standings (lms.core.database.lock_keys).
LOCK_NAMESPACE = 1102
# Above this many ids a query reads the whole table instead of an IN list.
_IN_LIMIT = 1000
_STORED = ("pending", "latest_certificate_id", "latest_serial", "latest_status",
           "latest_issued_on", "latest_expires_on", "valid_certificate_id", "valid_serial",
           "valid_issued_on", "valid_expires_on", "valid_composite", "valid_components")


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


def _computed(connection, pairs) -> dict[tuple[int, int], dict]:
    """{(person_id, path_id): stored columns} from the certificates and requests of `pairs`
    (pairs with neither are absent)."""
    people = sorted({p for p, _ in pairs})
    C, A = Certificate.__table__.c, AwardApproval.__table__.c
    found: dict[tuple[int, int], dict] = {}

    def entry(pair):
        return found.setdefault(pair, dict.fromkeys(_STORED) | {"pending": False})

    for start in range(0, len(people), _IN_LIMIT):
        ids = people[start:start + _IN_LIMIT]
        for row in connection.execute(
                select(C.person_id, C.path_id, C.id, C.serial, C.status, C.issued_on,
                       C.expires_on, C.composite, C.components).where(
                    among(connection, C.person_id, ids))
                .order_by(C.issued_on, C.id)):
            pair = (row.person_id, row.path_id)
            if pair not in pairs:
                continue
            values = entry(pair)  # rows come oldest first: the last one written wins
            values.update(latest_certificate_id=row.id, latest_serial=row.serial,
                          latest_status=row.status, latest_issued_on=row.issued_on,
                          latest_expires_on=row.expires_on)
            if row.status == "valid":
                values.update(valid_certificate_id=row.id, valid_serial=row.serial,
                              valid_issued_on=row.issued_on, valid_expires_on=row.expires_on,
                              valid_composite=row.composite, valid_components=row.components)
        for person_id, path_id in connection.execute(
                select(A.person_id, A.path_id).where(among(connection, A.person_id, ids),
                                                     A.status == "pending")):
            if (person_id, path_id) in pairs:
                entry((person_id, path_id))["pending"] = True
    return found


def refresh_standings(connection, pairs: set[tuple[int, int]]) -> None:
    """Recompute the stored standing of `pairs` ((person_id, path_id)) from their
    certificates and approval requests: two reads, one upsert, a delete only for pairs left
    with neither."""
    if not pairs:
        return
    lock_keys(connection, LOCK_NAMESPACE, {person_id for person_id, _ in pairs},
              CertificationStanding.__tablename__)
    computed = _computed(connection, pairs)
    now = clock.now()
    upsert(connection, CertificationStanding.__table__,
           [{"person_id": p, "path_id": path, **computed[(p, path)], "updated_at": now}
            for p, path in sorted(computed)], ("person_id", "path_id"))
    gone = [pair for pair in pairs if pair not in computed]
    if gone:
        S = CertificationStanding.__table__.c
        connection.execute(delete(CertificationStanding.__table__).where(
            tuple_(S.person_id, S.path_id).in_(gone)))


@event.listens_for(Session, "after_flush")
def _standing_follows_certificates(session, _context) -> None:
    # Any flush that writes a certificate or an approval request (awards, revocations,
    # approvals, a batch, a test) brings that person's standing on the path along.
    pairs = {(obj.person_id, obj.path_id)
             for obj in (*session.new, *session.dirty, *session.deleted)
             if isinstance(obj, Certificate | AwardApproval)}
    if pairs:
        refresh_standings(session.connection(), pairs)


@dataclass(frozen=True)
class StandingDifference:
    person_id: int
    path_id: int
    stored: dict | None
    computed: dict | None


def check_standings(session, *, fix: bool = False) -> list[StandingDifference]:
    """Every stored standing against the certificates and requests; with `fix`, corrected.
    The caller commits."""
    session.flush()
    connection = session.connection()
    C, A = Certificate.__table__.c, AwardApproval.__table__.c
    S = CertificationStanding.__table__.c
    pairs = set(connection.execute(select(C.person_id, C.path_id).distinct()).all()) \
        | set(connection.execute(select(A.person_id, A.path_id)
                                 .where(A.status == "pending").distinct()).all())
    stored = {(row.person_id, row.path_id): {name: getattr(row, name) for name in _STORED}
              for row in connection.execute(select(S.person_id, S.path_id,
                                                   *[S[n] for n in _STORED]))}
    pairs = {tuple(p) for p in pairs}
    computed = _computed(connection, pairs)
    differences = []
    for pair in sorted(pairs | set(stored)):
        want, have = computed.get(pair), stored.get(pair)
        if want is not None:
            want = {k: _comparable(v) for k, v in want.items()}
        if have is not None:
            have = {k: _comparable(v) for k, v in have.items()}
        if want != have:
            differences.append(StandingDifference(pair[0], pair[1], have, want))
    if fix and differences:
        refresh_standings(connection, {(d.person_id, d.path_id) for d in differences})
    return differences


def _comparable(value):
    if isinstance(value, Decimal | float):
        return Decimal(str(value)).quantize(Decimal("0.00000001"))
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":  # SQLite dates
        return date.fromisoformat(value)
    return value


def _in(column, ids: set[int]):
    # IN lists stay small; a large report reads the table whole (Core, no ORM rows).
    return column.in_(ids) if len(ids) <= _IN_LIMIT else None


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def standings(session, person_ids, *, today=None,
              expiring_within_days=60) -> dict[int, dict[int, PathStanding]]:
    """{person_id: {path_id: PathStanding}} for every id (an empty dict for people with
    nothing evaluated yet), from the stored tables in two queries; missing items in the
    current language."""
    ids = {int(pid) for pid in person_ids}
    result: dict[int, dict[int, PathStanding]] = {pid: {} for pid in ids}
    if not ids:
        return result
    today = today or clock.today()
    horizon = today + timedelta(days=expiring_within_days)
    if session.autoflush:
        session.flush()
    connection = session.connection()
    E, S = CertificationEvaluation.__table__.c, CertificationStanding.__table__.c

    def rows(stmt, column):
        condition = _in(column, ids)
        found = connection.execute(stmt if condition is None else stmt.where(condition)).all()
        return [row for row in found if row[0] in ids]

    # The JSON columns as text, decoded once per distinct value: many people miss the same
    # things, and an export reads tens of thousands of evaluations.
    evaluations = {(r.person_id, r.path_id): r for r in rows(
        select(E.person_id, E.path_id, E.percent, E.started,
               cast(E.missing, String).label("missing"),
               E.composite, cast(E.components, String).label("components")), E.person_id)}
    stored = {(r.person_id, r.path_id): r for r in rows(
        select(S.person_id, S.path_id, *[S[n] for n in _STORED]), S.person_id)}
    in_force = {pair: r for pair, r in stored.items()
                if r.valid_expires_on is not None and _date(r.valid_expires_on) >= today}
    described: dict[str | None, tuple[str, ...]] = {}
    decoded: dict[str | None, dict[str, Decimal | None]] = {}

    def describe(raw: str | None) -> tuple[str, ...]:
        # Word each distinct list of missing items once.
        if raw not in described:
            described[raw] = describe_all(json.loads(raw) if raw else [])
        return described[raw]

    def scores(raw: str | None) -> dict[str, Decimal | None]:
        if raw not in decoded:
            decoded[raw] = {code: _decimal(v) for code, v in (json.loads(raw) if raw else {})
                            .items()}
        return decoded[raw]

    for pair in set(evaluations) | set(stored):
        person_id, path_id = pair
        evaluation, held = evaluations.get(pair), stored.get(pair)
        valid = in_force.get(pair)
        if valid is not None:
            expires = _date(valid.valid_expires_on)
            status = "expiring" if expires <= horizon else "certified"
            certificate_id, serial = valid.valid_certificate_id, valid.valid_serial
            issued, composite = _date(valid.valid_issued_on), valid.valid_composite
            # The certified scores are the certificate's; the evaluation may have moved on.
            components = {code: _decimal(v) for code, v in (valid.valid_components or {})
                          .items()}
        else:
            if held is not None and held.pending:
                status = "pending_approval"
            elif held is not None and held.latest_status is not None:
                status = "revoked" if held.latest_status == "revoked" else "expired"
            elif evaluation is not None and evaluation.started:
                # Stored by the engine (rules.Answer.started), as join_status reads it.
                status = "in_progress"
            else:
                status = "not_started"
            has_latest = held is not None and held.latest_certificate_id is not None
            certificate_id = held.latest_certificate_id if has_latest else None
            serial = held.latest_serial if has_latest else None
            issued = _date(held.latest_issued_on) if has_latest else None
            expires = _date(held.latest_expires_on) if has_latest else None
            composite = evaluation.composite if evaluation is not None else None
            components = scores(evaluation.components) if evaluation is not None else {}
        result[person_id][path_id] = PathStanding(
            person_id=person_id, path_id=path_id, status=status,
            percent=100 if valid else (evaluation.percent if evaluation else 0),
            missing=() if valid or evaluation is None else describe(evaluation.missing),
            certificate_id=certificate_id, serial=serial, issued_on=issued,
            expires_on=expires, composite=_decimal(composite),
            components=components,
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
    # With `with_details` (exports): the share of rules met (100 when certified), what is
    # missing (the evaluation's JSON list as text; NULL when certified) and the component
    # scores (the certificate's when certified, else the evaluation's; JSON object as text).
    percent: object = None
    missing: object = None
    components: object = None
    # The joined stored standing (its columns for conditions the status implies).
    stored: object = None


def join_status(stmt, person_id, path_id, *, today=None, expiring_within_days=60,
                with_evaluation=True, with_details=False):
    """`stmt` outer-joined to the stored standing and evaluation of the person and path named
    by the column expressions `person_id` and `path_id` (e.g. Person.id and Person.tier_id),
    and the StatusColumns over those joins: two primary-key joins per person. Without the
    evaluation (counts that only tell certified, expiring and lapsed people apart) one join,
    and "in_progress" reads as "not_started"."""
    today = today or clock.today()
    horizon = today + timedelta(days=expiring_within_days)
    standing = aliased(CertificationStanding)
    evaluation = aliased(CertificationEvaluation)
    stmt = stmt.outerjoin(standing, and_(standing.person_id == person_id,
                                         standing.path_id == path_id))
    if with_evaluation:
        stmt = stmt.outerjoin(evaluation, and_(evaluation.person_id == person_id,
                                               evaluation.path_id == path_id))
    certified = standing.valid_expires_on >= today
    status = case(
        (path_id.is_(None), None),
        (and_(certified, standing.valid_expires_on <= horizon), "expiring"),
        (certified, "certified"),
        (standing.pending.is_(True), "pending_approval"),
        (standing.latest_status == "revoked", "revoked"),
        (standing.latest_status.is_not(None), "expired"),
        *([(evaluation.started.is_(True), "in_progress")] if with_evaluation else []),
        else_="not_started")
    # The certified scores and dates are the valid certificate's; else the latest's and the
    # latest evaluation's.
    details = {}
    if with_details and with_evaluation:
        details = {
            "percent": case((certified, 100), else_=func.coalesce(evaluation.percent, 0)),
            "missing": case((certified, None), else_=cast(evaluation.missing, String)),
            "components": case((certified, cast(standing.valid_components, String)),
                               else_=cast(evaluation.components, String)),
        }
    return stmt, StatusColumns(
        status=status,
        expires_on=case((certified, standing.valid_expires_on),
                        else_=standing.latest_expires_on),
        issued_on=case((certified, standing.valid_issued_on), else_=standing.latest_issued_on),
        composite=case((certified, standing.valid_composite),
                       else_=evaluation.composite if with_evaluation else None),
        stored=standing, **details)
