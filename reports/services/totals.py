"""Aggregates kept between report pages while nothing they count has changed.

At 100,000 people the aggregates are the dearest part of a report page: the dashboard's
per-team totals count every person with their standing, the heat map's teams view every
person's stored level against their tier's requirements. They change only when what they
read changes, so each process keeps the aggregate it last counted per (database, what,
scope, filters, day) with the *change mark* it was counted at:

- per-team totals (`standings_mark`): the last `updated_at` of the stored standings and of
  the people, and the number of people (a removal moves no `updated_at`);
- the heat map (`levels_mark`): the last `updated_at` of the stored levels and of the people,
  the number of people, and the competency matrix itself (a few hundred rows).

Every mark also carries this process's own write count (`WRITTEN`): a statement that
writes one of the tables the aggregates read, and the commit after it, move it, so this
process's own writes are seen at once even when their `updated_at` moves nothing (a frozen
clock, two writes in one microsecond).

A page reads the mark (one statement over indexes) and counts again only when it moved.
Reading the mark before counting means an aggregate is never kept under a newer mark than
the data it saw. Another process's write that commits after a later one was already read
(its `updated_at` older than the mark) is seen when the entry ages out: a kept aggregate is
at most MAX_AGE seconds old.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import CompileError

from certificates.models import CertificationStanding
from lms.competencies.models import CompetencyLevel, MatrixRequirement
from lms.people.models import Person

MAX_AGE = 60       # seconds
KEPT = 256         # entries per process
# The tables the kept aggregates read (a write of one of them moves WRITTEN).
READ = frozenset({"person", "team", "certification_standing", "certification_evaluation",
                  "competency_level", "matrix_requirement"})
_lock = threading.Lock()
WRITTEN = [0]      # this process's writes of READ tables (and their commits)


def _written(conn, _cursor, statement, _parameters, context, _executemany) -> None:
    if context.isinsert or context.isupdate or context.isdelete:
        compiled = getattr(context.compiled, "statement", None)
        table = getattr(getattr(compiled, "table", None), "name", None)
    elif statement.lstrip()[:7].upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE")):
        table = None  # SQL text: which table it writes is not known
    else:
        return
    if table is None or table in READ:  # a write whose table is unknown counts
        WRITTEN[0] += 1
        conn.info["reports.wrote"] = True


def _committed(conn) -> None:
    if conn.info.pop("reports.wrote", False):
        WRITTEN[0] += 1


def follow_writes() -> None:
    """Count this process's writes of the tables kept aggregates read (once per process)."""
    if not event.contains(Engine, "after_cursor_execute", _written):
        event.listen(Engine, "after_cursor_execute", _written)
        event.listen(Engine, "commit", _committed)


def _last(table) -> object:
    return select(func.max(table.c.updated_at)).scalar_subquery()


def _people():
    return select(func.count()).select_from(Person.__table__).scalar_subquery()


def standings_mark(connection) -> tuple:
    """(last standing change, last person change, number of people, this process's write
    count): one statement."""
    return (*connection.execute(select(
        _last(CertificationStanding.__table__), _last(Person.__table__), _people())).one(),
        WRITTEN[0])


def levels_mark(connection) -> tuple:
    """(last level change, last person change, number of people, the matrix, this process's
    write count): two statements."""
    R = MatrixRequirement.__table__.c
    matrix = tuple(map(tuple, connection.execute(
        select(R.path_id, R.competency_id, R.required_level)
        .order_by(R.path_id, R.competency_id)).all()))
    return (*connection.execute(select(
        _last(CompetencyLevel.__table__), _last(Person.__table__), _people())).one(), matrix,
        WRITTEN[0])


def _kept() -> OrderedDict:
    return current_app.extensions.setdefault("reports.kept", OrderedDict())


def kept_or_counted(connection, key: tuple, count: Callable, mark: Callable[..., tuple]):
    """The value kept under `key` while `mark(connection)` is the one it was counted at (and
    it is younger than MAX_AGE), else `count()`'s, kept for the next page."""
    now_mark = mark(connection)
    key = (str(connection.engine.url), mark.__name__, *key)
    with _lock:
        entry = _kept().get(key)
    if entry is not None and entry[0] == now_mark and time.monotonic() - entry[1] < MAX_AGE:
        return entry[2]
    value = count()
    with _lock:
        kept = _kept()
        kept[key] = (now_mark, time.monotonic(), value)
        kept.move_to_end(key)
        while len(kept) > KEPT:
            kept.popitem(last=False)
    return value


def scope_key(connection, scope) -> str | None:
    """`scope` (a SQL condition) as text with its values in it, to key kept aggregates by;
    None when it cannot be written so (then nothing is kept)."""
    try:
        return str(scope.compile(dialect=connection.dialect,
                                 compile_kwargs={"literal_binds": True}))
    except CompileError:
        return None
