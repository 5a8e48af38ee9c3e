"""The "to do" list on each person's home page, gathered from every package.

Each package registers a source with `@todo_source`; a source takes the session, the signed-in
person and the current moment and returns the items that person has to act on (it decides
from the person's roles whether it has anything to say). The home page shows them overdue
first, then by due moment, undated last. Sources live with the data they read, so the home
page (the shell) imports no package's internals and a new package adds its work by
registering one function.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

# The lanes a home page groups items under; a source says which one each item belongs to.
LANES = ("learn", "assess", "review", "lead", "organise", "setup")


@dataclass(frozen=True)
class TodoItem:
    """One thing to do: a sentence in the reader's language, where to do it, and by when."""

    title: str
    url: str
    lane: str = "learn"
    due: datetime | date | None = None
    detail: str = ""
    overdue: bool = False
    # A notice to open: the page marks it read on the way to `url` (one click, one POST).
    notification_id: int | None = None

    @property
    def due_moment(self) -> datetime | None:
        """`due` as an aware moment (a day counts to its end), for ordering."""
        if self.due is None or isinstance(self.due, datetime):
            return self.due
        return datetime.combine(self.due, time.max, tzinfo=UTC)


TodoSource = Callable[[object, object, datetime], Iterable[TodoItem]]
_sources: list[TodoSource] = []


def todo_source(function: TodoSource) -> TodoSource:
    """Register a to-do source (refuses the same function twice)."""
    if function in _sources:
        raise ValueError(f"to-do source {function.__name__} is already registered")
    _sources.append(function)
    return function


def _order(item: TodoItem) -> tuple:
    far = datetime.max.replace(tzinfo=UTC)
    return (not item.overdue, item.due_moment is None, item.due_moment or far, item.title)


def todo_for(session, person, now: datetime) -> list[TodoItem]:
    """Everything `person` has to do, overdue first, then soonest due, undated last."""
    items = [item for source in _sources for item in source(session, person, now)]
    return sorted(items, key=_order)
