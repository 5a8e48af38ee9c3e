"""The stored reporting line (`ReportingLine`): who is below whom, kept with `manager_id`.

A manager's lists, reports, exports and API answers are scoped to everyone below them. Walked
as a recursive query at every request, PostgreSQL misjudged that walk by orders of magnitude
at 100,000 people and planned every scoped query badly; stored, it is one index range.

It follows `Person.manager_id` in the same transaction: any flush that adds a person with a
manager or changes someone's manager (the people form, the CSV import, the demo seed, a
test) recomputes the rows of that person and of everyone below them (the only people whose
line can change), with one set-based walk up `manager_id`. Writers that insert people past
the ORM (benchmarks' bulk inserts) call `rebuild_reporting_line` afterwards.
`check_reporting_line` compares the stored rows with the walk (`flask --app lms
check-derived`).

The walk collects (manager, person) pairs with UNION, so a manager_id cycle (the forms
refuse them; a direct database edit could make one) still ends: everyone on the cycle is
then in each other's line, themselves included, as the recursive walk always answered.
"""

from dataclasses import dataclass

from sqlalchemy import Select, delete, event, insert, inspect, select, true
from sqlalchemy.orm import Session

from lms.core.database import lock_keys
from lms.people.models import Person, ReportingLine

# Advisory-lock namespace of the reporting line (lms.core.database.lock_keys). One key for
# the whole line: two moves in one tree at once would each rewrite a subtree from what the
# other had not committed yet. Changes of manager are rare; they wait for each other.
LOCK_NAMESPACE = 1103
_WHOLE_LINE = 0
# Ids per statement when many people's rows are rewritten (a move high in a large tree).
_CHUNK = 1000


def _walk(people) -> Select:
    """(manager_id, person_id) of every manager above each person `people` (a SQL condition
    on person.id) selects: a recursive walk up manager_id that ends on a cycle too."""
    P = Person.__table__
    up = (select(P.c.manager_id.label("manager_id"), P.c.id.label("person_id"))
          .where(P.c.manager_id.is_not(None), people).cte("up", recursive=True))
    boss = P.alias("boss")
    up = up.union(select(boss.c.manager_id, up.c.person_id)
                  .join(boss, boss.c.id == up.c.manager_id)
                  .where(boss.c.manager_id.is_not(None)))
    return select(up.c.manager_id, up.c.person_id)


def _rewrite(connection, person_ids: set[int]) -> None:
    """Replace the stored rows of `person_ids` with the walk up from each of them."""
    R = ReportingLine.__table__
    ids = sorted(person_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        connection.execute(delete(R).where(R.c.person_id.in_(chunk)))
        connection.execute(insert(R).from_select(
            ["manager_id", "person_id"], _walk(Person.__table__.c.id.in_(chunk))))


def refresh_reporting_line(connection, moved: set[int],
                           added: set[int] | frozenset[int] = frozenset()) -> None:
    """Bring the stored line up to date after the people `moved` changed manager and the new
    people `added` (who have no rows and no one below them yet) were given one."""
    if not moved and not added:
        return
    lock_keys(connection, LOCK_NAMESPACE, [_WHOLE_LINE], ReportingLine.__tablename__)
    R = ReportingLine.__table__
    moved_ids = sorted(moved)
    below: set[int] = set()
    for start in range(0, len(moved_ids), _CHUNK):
        below.update(connection.execute(select(R.c.person_id).where(
            R.c.manager_id.in_(moved_ids[start:start + _CHUNK]))).scalars())
    affected = moved | below
    if affected:
        _rewrite(connection, affected)
    new_ids = sorted(set(added) - affected)
    for start in range(0, len(new_ids), _CHUNK):
        connection.execute(insert(R).from_select(
            ["manager_id", "person_id"],
            _walk(Person.__table__.c.id.in_(new_ids[start:start + _CHUNK]))))


def rebuild_reporting_line(session) -> None:
    """Recompute the whole stored line from manager_id (one DELETE, one INSERT … SELECT):
    for writers that insert or update people past the ORM. The caller commits."""
    session.flush()
    connection = session.connection()
    lock_keys(connection, LOCK_NAMESPACE, [_WHOLE_LINE], ReportingLine.__tablename__)
    connection.execute(delete(ReportingLine.__table__))
    connection.execute(insert(ReportingLine.__table__).from_select(
        ["manager_id", "person_id"], _walk(true())))


def _manager_changed(person: Person) -> bool:
    attrs = inspect(person).attrs
    return attrs.manager_id.history.has_changes() or attrs.manager.history.has_changes()


@event.listens_for(Session, "after_flush")
def _line_follows_managers(session, _context) -> None:
    # Anything that flushes a person with a new manager (a form, an import, the demo seed, a
    # test) brings the stored line along before anything can read it. A flush that changes
    # no manager sends nothing.
    added = {obj.id for obj in session.new
             if isinstance(obj, Person) and obj.manager_id is not None}
    moved = {obj.id for obj in session.dirty
             if isinstance(obj, Person) and _manager_changed(obj)}
    if added or moved:
        refresh_reporting_line(session.connection(), moved, added)


@dataclass(frozen=True)
class ReportingLineDifference:
    manager_id: int
    person_id: int
    stored: bool      # True: stored but not below that manager; False: below, not stored


def check_reporting_line(session, *, fix: bool = False) -> list[ReportingLineDifference]:
    """Every stored reporting-line row against the walk up manager_id; with `fix`, the rows
    of the people concerned rewritten. The caller commits."""
    session.flush()
    connection = session.connection()
    R = ReportingLine.__table__
    walked = set(map(tuple, connection.execute(_walk(true())).all()))
    stored = set(map(tuple, connection.execute(select(R.c.manager_id, R.c.person_id)).all()))
    differences = sorted(
        [ReportingLineDifference(m, p, True) for m, p in stored - walked]
        + [ReportingLineDifference(m, p, False) for m, p in walked - stored],
        key=lambda d: (d.person_id, d.manager_id))
    if fix and differences:
        lock_keys(connection, LOCK_NAMESPACE, [_WHOLE_LINE], ReportingLine.__tablename__)
        _rewrite(connection, {d.person_id for d in differences})
    return differences
