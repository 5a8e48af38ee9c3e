"""KPI periods written as people write them: a month "2026-11", an ISO week "2026-W45", a
quarter "2026-Q4". Each is stored as its first day; `label` writes it back."""

import re
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _

from lms.core.errors import DomainError

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$", re.IGNORECASE)
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
EXAMPLES = {"month": "2026-11", "week": "2026-W45", "quarter": "2026-Q4"}


def parse(text: str, period: str) -> date:
    """The first day of the `period` ("month", "week", "quarter") written as `text`; refuses
    any other shape with the shape expected."""
    text = (text or "").strip()
    try:
        if period == "month" and (m := _MONTH.match(text)):
            return date(int(m[1]), int(m[2]), 1)
        if period == "week" and (m := _WEEK.match(text)):
            return date.fromisocalendar(int(m[1]), int(m[2]), 1)
        if period == "quarter" and (m := _QUARTER.match(text)):
            return date(int(m[1]), 3 * int(m[2]) - 2, 1)
    except ValueError:
        pass
    names = {"month": _("month"), "week": _("week"), "quarter": _("quarter")}
    raise DomainError(_("%(text)s is not a %(period)s; write it like %(example)s.",
                        text=text[:40] or "''", period=names[period], example=EXAMPLES[period]))


def label(start: date, period: str) -> str:
    """The period beginning on `start` as people write it."""
    if period == "week":
        year, week, _day = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def following(start: date, period: str) -> date:
    """The first day of the period after the one beginning on `start`."""
    if period == "week":
        return start + timedelta(days=7)
    months = 3 if period == "quarter" else 1
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def preceding(start: date, period: str) -> date:
    """The first day of the period before the one beginning on `start`."""
    if period == "week":
        return start - timedelta(days=7)
    months = 3 if period == "quarter" else 1
    month = start.month - 1 - months
    return date(start.year + month // 12, month % 12 + 1, 1)


def current(today: date, period: str) -> date:
    """The first day of the period `today` falls in."""
    if period == "week":
        return today - timedelta(days=today.weekday())
    if period == "quarter":
        return date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return date(today.year, today.month, 1)


def last_day(today: date, period: str) -> date:
    """The last day of the period `today` falls in."""
    return following(current(today, period), period) - timedelta(days=1)


def observed_at(start: date, period: str) -> datetime:
    """When a period's value is observed, for the evidence history: the period's last day
    (noon UTC, so no time zone moves it into the next period)."""
    return datetime.combine(following(start, period) - timedelta(days=1), time(12), tzinfo=UTC)
