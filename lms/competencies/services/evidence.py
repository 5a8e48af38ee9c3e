"""Competency evidence and the profile computed from it.

Every assessment result is written as evidence rows (person, competency, level, source kind and
id, weight, observed at). The profile — the level a person has per competency — is computed by
one policy, so adding an assessment kind never changes the rules that read profiles:

    For each competency, take the LATEST evidence row of each source kind; the level is the
    weighted mean of those rows' levels (weights as recorded), rounded half up to a whole
    level once, at the end (the mean itself is kept to 8 places, also half up). Older rows
    of the same kind are history, not averaged in. A competency whose latest rows weigh 0 in
    all has no level (evidence kept, not counted).

Each kind's weight is part of the policy (`kind_weight`; knowledge checks, "quiz_check",
weigh 0 by default: a lesson check never stands in for the exam). `set_kind_weight` changes
one and rewrites that kind's rows and the stored levels it touches.

Results become evidence through one function, `record_evidence` (`record_evidence_many` is
the same for thousands of results of one kind at once). The level each person holds
is stored (`CompetencyLevel`) and kept up to date in the same transaction as the evidence: a
flush that adds, changes or removes evidence recomputes just the cells it touched (one read,
one write; on PostgreSQL one statement that computes and stores them in the database), so
reports read one row per person and competency instead of the history. `check_levels`
recomputes every cell from the history in Python and lists the differences (`flask --app lms
check-derived`): on PostgreSQL it also proves the SQL and the Python policy agree.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Numeric, bindparam, delete, event, func, select, text, tuple_
from sqlalchemy.orm import Session

from lms.competencies.models import CompetencyLevel, Evidence, EvidenceKindWeight
from lms.core import clock
from lms.core.database import UTCDateTime, insert_rows, lock_keys, upsert
from lms.core.numbers import WHOLE, half_up

# session.info key: (person, competency) cells whose evidence a Core statement changed.
_STALE = "competency_levels_stale"
# Advisory-lock namespace of a person's stored levels (lms.core.database.lock_keys).
LOCK_NAMESPACE = 1101
# Above this many people a recomputation reads in slices (IN lists stay small).
_SLICE = 1000
# PostgreSQL takes a slice's keys as one array: the slices can be larger.
_SLICE_POSTGRESQL = 20_000
# `exact` is stored to 8 places (CompetencyLevel.exact), rounded half up like the level.
EIGHT_PLACES = Decimal("0.00000001")


# The profile policy's weights by source kind unless an admin set another (EvidenceKindWeight).
DEFAULT_KIND_WEIGHTS = {"quiz_check": Decimal(0)}


def kind_weight(session, source_kind: str) -> Decimal:
    """The weight the profile gives evidence of `source_kind` (1 unless set otherwise)."""
    stored = session.get(EvidenceKindWeight, source_kind)
    if stored is not None:
        return Decimal(stored.weight)
    return DEFAULT_KIND_WEIGHTS.get(source_kind, Decimal(1))


def set_kind_weight(session, source_kind: str, weight: Decimal) -> int:
    """Change the weight of an evidence kind (0–100): its rows are rewritten and the stored
    levels of every cell they touch recomputed. Returns the rows rewritten."""
    from lms.core.errors import DomainError

    if weight is None or not Decimal(0) <= Decimal(weight) <= Decimal(100):
        raise DomainError("The weight is between 0 and 100.", "weight")
    stored = session.get(EvidenceKindWeight, source_kind)
    if stored is None:
        session.add(EvidenceKindWeight(source_kind=source_kind, weight=Decimal(weight)))
    else:
        stored.weight = Decimal(weight)
    session.flush()
    connection = session.connection()
    E = Evidence.__table__.c
    cells = {(p, c) for p, c in connection.execute(
        select(E.person_id, E.competency_id).where(E.source_kind == source_kind))}
    connection.execute(Evidence.__table__.update().where(E.source_kind == source_kind)
                       .values(weight=Decimal(weight)))
    refresh_levels(connection, cells)
    return len(cells)


@dataclass(frozen=True)
class ProfileEntry:
    competency_id: int
    level: int
    exact: Decimal
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Observation:
    """One competency's level as a result evidences it."""

    competency_id: int
    level: Decimal
    score: Decimal | None
    observed_at: datetime
    weight: Decimal = Decimal(1)


def record_evidence(session, *, person_id: int, source_kind: str, source_id,
                    observations: Iterable[Observation]) -> list[Evidence]:
    """The one way a result becomes evidence: what (source_kind, source_id) recorded before
    is replaced by `observations` (a regrade, a reopened cycle), and the person's stored
    levels of every competency touched follow in the same transaction. Flushes; the caller
    commits."""
    source_id = str(source_id)
    removed = session.execute(
        delete(Evidence).where(Evidence.source_kind == source_kind,
                               Evidence.source_id == source_id)
        .returning(Evidence.person_id, Evidence.competency_id)).all()
    session.info.setdefault(_STALE, set()).update((p, c) for p, c in removed)
    rows = [Evidence(person_id=person_id, competency_id=o.competency_id, level=o.level,
                     score=o.score, source_kind=source_kind, source_id=source_id,
                     weight=o.weight, observed_at=o.observed_at) for o in observations]
    session.add_all(rows)
    session.flush()
    # A flush with nothing to write (the result now evidences nothing) fires no after_flush:
    # the cells the delete touched are brought along here.
    stale = session.info.pop(_STALE, set())
    if stale:
        refresh_levels(session.connection(), stale)
    return rows


def lock_people(session, person_ids) -> None:
    """Hold the evidence lock of `person_ids` until the transaction ends (the lock
    `refresh_levels` takes). A writer that works evidence out from rows it reads (a KPI
    import reads the person's other KPI values of the period) takes it before reading: two
    imports for the same people then run one after the other, and the second reads what the
    first committed. Without it each would miss the other's values, and the evidence written
    last would leave out the other import's KPIs."""
    session.flush()
    _lock(session.connection(), person_ids)


def _lock(connection, person_ids) -> None:
    # The one evidence lock: per person, or the level table for many people at once.
    lock_keys(connection, LOCK_NAMESPACE, person_ids, CompetencyLevel.__tablename__)


def record_evidence_many(session, *, source_kind: str,
                         results: Iterable[tuple[int, str, Iterable[Observation]]]) -> int:
    """`record_evidence` for many results of one kind at once (a KPI import of thousands of
    people): each (person_id, source_id, observations) replaces what (source_kind, source_id)
    recorded before, and the stored levels of every cell touched follow in the same
    transaction — in slices, with Core statements instead of an ORM object per row. Flushes;
    the caller commits. Returns the number of evidence rows written."""
    session.flush()
    connection = session.connection()
    table = Evidence.__table__
    results = [(person_id, str(source_id), list(found))
               for person_id, source_id, found in results]
    on_postgresql = connection.dialect.name == "postgresql"
    size = _SLICE_POSTGRESQL if on_postgresql else _SLICE
    written = 0
    for start in range(0, len(results), size):
        part = results[start:start + size]
        source_ids = [source_id for _p, source_id, _o in part]
        cells = (_delete_sources(connection, source_kind, source_ids) if on_postgresql else
                 {(p, c) for p, c in connection.execute(
                     delete(table).where(table.c.source_kind == source_kind,
                                         table.c.source_id.in_(source_ids))
                     .returning(table.c.person_id, table.c.competency_id))})
        rows = [{"person_id": person_id, "competency_id": o.competency_id, "level": o.level,
                 "score": o.score, "source_kind": source_kind, "source_id": source_id,
                 "weight": o.weight, "observed_at": o.observed_at}
                for person_id, source_id, found in part for o in found]
        if rows:
            insert_rows(connection, table, rows)
        cells.update((row["person_id"], row["competency_id"]) for row in rows)
        refresh_levels(connection, cells)
        written += len(rows)
    return written


def add_evidence(session, rows: list[dict]) -> int:
    """Add evidence rows (dicts of the evidence columns) that replace nothing — recorded
    history — in one bulk statement, and bring the stored levels of the cells they touch
    along, as the ORM's flush would. Flushes; the caller commits. Returns the rows added."""
    session.flush()
    connection = session.connection()
    insert_rows(connection, Evidence.__table__, rows)
    refresh_levels(connection, {(row["person_id"], row["competency_id"]) for row in rows})
    return len(rows)


def _delete_sources(connection, source_kind: str, source_ids: list[str]) -> set[tuple[int, int]]:
    """Delete the evidence of `source_ids` on PostgreSQL: one statement binding one array,
    answering the distinct cells it touched as two arrays instead of a row per deleted row."""
    people, competencies = connection.execute(text(
        "WITH removed AS (DELETE FROM competency_evidence WHERE source_kind = :kind"
        " AND source_id = ANY(CAST(:ids AS VARCHAR[])) RETURNING person_id, competency_id)"
        " SELECT array_agg(person_id), array_agg(competency_id)"
        " FROM (SELECT DISTINCT person_id, competency_id FROM removed) AS cells"),
        {"kind": source_kind, "ids": source_ids}).one()
    return set(zip(people or (), competencies or (), strict=True))


def _computed(connection, person_ids, competency_ids=None, as_of=None):
    """{(person_id, competency_id): ProfileEntry} computed from the evidence history by the
    policy: the database picks the latest row of each source kind (a window function) and
    sums (to 8 places); Python divides exactly and rounds once, half up."""
    E = Evidence
    conditions = [E.person_id.in_(person_ids)]
    if competency_ids is not None:
        conditions.append(E.competency_id.in_(competency_ids))
    if as_of is not None:
        conditions.append(E.observed_at < as_of)
    ranked = select(
        E.person_id, E.competency_id, E.source_kind, E.level, E.weight,
        func.row_number().over(
            partition_by=(E.person_id, E.competency_id, E.source_kind),
            order_by=(E.observed_at.desc(), E.id.desc())).label("rank"),
    ).where(*conditions).subquery()
    exact_sum = Numeric(24, 8)
    latest = (select(ranked.c.person_id, ranked.c.competency_id,
                     func.sum(ranked.c.level * ranked.c.weight, type_=exact_sum),
                     func.sum(ranked.c.weight, type_=exact_sum),
                     func.aggregate_strings(ranked.c.source_kind, ","))
              .where(ranked.c.rank == 1)
              .group_by(ranked.c.person_id, ranked.c.competency_id))
    result = {}
    for person_id, competency_id, weighted, weights, kinds in connection.execute(latest):
        if not weights or weights <= 0:
            continue  # only weightless evidence (e.g. knowledge checks): no level
        exact = weighted / weights
        result[(person_id, competency_id)] = ProfileEntry(
            competency_id=competency_id,
            level=int(half_up(exact, WHOLE)),
            exact=exact.quantize(EIGHT_PLACES, rounding=ROUND_HALF_UP),
            sources=tuple(sorted(set(kinds.split(",")))),
        )
    return result


def _level_row(person_id: int, entry: ProfileEntry, now: datetime) -> dict:
    return {"person_id": person_id, "competency_id": entry.competency_id,
            "level": entry.level, "exact": entry.exact, "sources": ",".join(entry.sources),
            "updated_at": now}


def refresh_levels(connection, cells: set[tuple[int, int]]) -> None:
    """Recompute the stored levels of `cells` ((person_id, competency_id) pairs) from the
    evidence: one read, one upsert, and a delete only for cells left without evidence (on
    PostgreSQL one statement that does all three in the database)."""
    if not cells:
        return
    people = sorted({p for p, _ in cells})
    _lock(connection, people)
    if connection.dialect.name == "postgresql":
        _refresh_in_database(connection, cells)
        return
    competencies = sorted({c for _, c in cells})
    computed = _computed(connection, people, competencies)
    now = clock.now()
    upsert(connection, CompetencyLevel.__table__,
           [_level_row(p, computed[(p, c)], now) for p, c in sorted(cells)
            if (p, c) in computed], ("person_id", "competency_id"))
    gone = [cell for cell in cells if cell not in computed]
    if gone:
        L = CompetencyLevel.__table__.c
        connection.execute(delete(CompetencyLevel.__table__).where(
            tuple_(L.person_id, L.competency_id).in_(gone)))


# The profile policy of `_computed`, in PostgreSQL's exact numeric arithmetic, for the cells
# given as two arrays: the latest row of each source kind, the weighted mean rounded half up
# once (round() on numeric rounds halves away from zero; levels are positive), `exact` to 8
# places the same way, the kinds sorted by code point (COLLATE "C", as Python sorts), no
# level where the latest rows weigh nothing. Upserts those cells and deletes the touched cells
# left without a level. Evidence levels and weights have 2 places, so the quotient, which
# PostgreSQL carries to at least 16 significant digits, is never near enough to a half to
# round otherwise than Python's exact division (check_levels replays it in Python).
_REFRESH_LEVELS = text("""
WITH touched AS (
    SELECT DISTINCT person_id, competency_id
    FROM unnest(CAST(:people AS INTEGER[]), CAST(:competencies AS INTEGER[]))
        AS cell(person_id, competency_id)
), ranked AS (
    -- Each cell's rows through the (person, competency) index: a hash join would read the
    -- whole history on every call of an import of thousands of people (OFFSET 0 keeps the
    -- planner from turning the LATERAL subquery back into one).
    SELECT t.person_id, t.competency_id, e.source_kind, e.level, e.weight,
           row_number() OVER (PARTITION BY t.person_id, t.competency_id, e.source_kind
                              ORDER BY e.observed_at DESC, e.id DESC) AS rank
    FROM touched AS t CROSS JOIN LATERAL (
        SELECT source_kind, level, weight, observed_at, id FROM competency_evidence
        WHERE person_id = t.person_id AND competency_id = t.competency_id OFFSET 0) AS e
), computed AS (
    SELECT person_id, competency_id, sum(level * weight) / sum(weight) AS exact,
           string_agg(source_kind, ',' ORDER BY source_kind COLLATE "C") AS sources
    FROM ranked WHERE rank = 1
    GROUP BY person_id, competency_id
    HAVING sum(weight) > 0
), stored AS (
    INSERT INTO competency_level (person_id, competency_id, level, exact, sources, updated_at)
    SELECT person_id, competency_id, round(exact), round(exact, 8), sources, :now
    FROM computed
    ON CONFLICT (person_id, competency_id) DO UPDATE SET
        level = excluded.level, exact = excluded.exact, sources = excluded.sources,
        updated_at = excluded.updated_at
)
DELETE FROM competency_level AS l
USING (SELECT person_id, competency_id FROM touched
       EXCEPT SELECT person_id, competency_id FROM computed) AS gone
WHERE l.person_id = gone.person_id AND l.competency_id = gone.competency_id
""").bindparams(bindparam("now", type_=UTCDateTime()))


def _refresh_in_database(connection, cells: set[tuple[int, int]]) -> None:
    ordered = sorted(cells)
    connection.execute(_REFRESH_LEVELS, {"people": [p for p, _ in ordered],
                                         "competencies": [c for _, c in ordered],
                                         "now": clock.now()})


@event.listens_for(Session, "after_flush")
def _levels_follow_evidence(session, _context) -> None:
    # Any flush that adds, changes or deletes evidence (record_evidence, a test, an import)
    # brings the stored levels of those cells along, before anything can read them.
    cells = session.info.pop(_STALE, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Evidence):
            cells.add((obj.person_id, obj.competency_id))
    if cells:
        refresh_levels(session.connection(), cells)


def profiles(session, person_ids: list[int], *,
             as_of: datetime | None = None) -> dict[int, dict[int, ProfileEntry]]:
    """{person_id: {competency_id: ProfileEntry}} for many people in one query: the stored
    levels; with `as_of`, the profiles as they stood then, computed from the evidence
    observed before it (the heat map's trend)."""
    if not person_ids:
        return {}
    if session.autoflush:  # as the ORM would before a query: pending evidence counts
        session.flush()
    result: dict[int, dict[int, ProfileEntry]] = {pid: {} for pid in person_ids}
    connection = session.connection()
    if as_of is not None:
        for (person_id, competency_id), entry in _computed(connection, person_ids,
                                                           as_of=as_of).items():
            result[person_id][competency_id] = entry
        return result
    L = CompetencyLevel.__table__.c
    # A Core execution: reports read the levels of thousands of people at a time.
    for person_id, competency_id, level, exact, sources in connection.execute(
            select(L.person_id, L.competency_id, L.level, L.exact, L.sources)
            .where(L.person_id.in_(person_ids))):
        result[person_id][competency_id] = ProfileEntry(
            competency_id=competency_id, level=level, exact=Decimal(str(exact)),
            sources=tuple(sources.split(",")) if sources else ())
    return result


@dataclass(frozen=True)
class LevelDifference:
    person_id: int
    competency_id: int
    stored: tuple | None      # (level, exact, sources) or None
    computed: tuple | None


def check_levels(session, *, fix: bool = False) -> list[LevelDifference]:
    """Every stored level against the one the evidence history gives (in slices of people);
    with `fix`, the stored table is corrected. The caller commits."""
    session.flush()
    connection = session.connection()
    E, L = Evidence.__table__.c, CompetencyLevel.__table__.c
    people = sorted(set(connection.execute(select(E.person_id).distinct()).scalars())
                    | set(connection.execute(select(L.person_id).distinct()).scalars()))
    differences = []
    for start in range(0, len(people), _SLICE):
        ids = people[start:start + _SLICE]
        computed = {cell: (e.level, e.exact, ",".join(e.sources))
                    for cell, e in _computed(connection, ids).items()}
        stored = {(p, c): (level, Decimal(str(exact)).quantize(EIGHT_PLACES), sources)
                  for p, c, level, exact, sources in connection.execute(
                      select(L.person_id, L.competency_id, L.level, L.exact, L.sources)
                      .where(L.person_id.in_(ids)))}
        wrong = {cell for cell in set(computed) | set(stored)
                 if computed.get(cell) != stored.get(cell)}
        differences += [LevelDifference(p, c, stored.get((p, c)), computed.get((p, c)))
                        for p, c in sorted(wrong)]
        if fix and wrong:
            refresh_levels(connection, wrong)
    return differences
