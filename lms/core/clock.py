"""The one clock. Deadlines, SLAs, expiry and throttles read time from here so tests can set it."""

from contextlib import contextmanager
from datetime import UTC, date, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """Current time as an aware UTC datetime (or the frozen test time)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in UTC."""
    return now().date()


def freeze(at: datetime | None) -> None:
    """Freeze the clock at `at` (aware datetime); `None` lets it run again."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at


@contextmanager
def frozen_at(at: datetime):
    """Within the block the clock reads `at` (aware); afterwards whatever it read before
    (recorded history, e.g. the demo's certificates issued months ago)."""
    global _frozen
    before = _frozen
    freeze(at)
    try:
        yield
    finally:
        _frozen = before
