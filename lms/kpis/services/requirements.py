"""Certification rules on performance: a KPI held at a threshold for N periods in a row.

The certification engine (certificates.services.rules) reads these through `for_path` and
`held_periods`; the rule is met when the person's latest N periods of the KPI are
consecutive, each on the good side of the threshold, and the latest of them is the current
or the previous period (an old streak does not count)."""

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from lms.core import audit
from lms.core.database import among
from lms.core.errors import DomainError
from lms.core.signals import announce_rules_change
from lms.kpis import periods
from lms.kpis.models import KpiDefinition, KpiRequirement, KpiValue

# People per IN list (under SQLite's variable limit).
_SLICE = 900


def for_path(session, path_id: int) -> list[KpiRequirement]:
    """The KPI rules of a path, in KPI order."""
    return list(session.scalars(
        select(KpiRequirement).join(KpiDefinition, KpiDefinition.id == KpiRequirement.kpi_id)
        .where(KpiRequirement.path_id == path_id, KpiDefinition.active)
        .order_by(KpiDefinition.position, KpiDefinition.code)))


def held_periods(session, person_id: int, kpi: KpiDefinition, threshold: Decimal,
                 today: date, wanted: int) -> int:
    """How many periods in a row, ending with the current or the previous one, the person's
    KPI has been on the good side of `threshold` (counted up to `wanted`)."""
    rows = session.execute(
        select(KpiValue.period_start, KpiValue.value)
        .where(KpiValue.person_id == person_id, KpiValue.kpi_id == kpi.id,
               KpiValue.period_start <= today)
        .order_by(KpiValue.period_start.desc()).limit(wanted)).all()
    return _streak(rows, kpi, threshold, today, wanted)


def held_periods_many(session, person_ids: list[int], kpi: KpiDefinition,
                      threshold: Decimal, today: date, wanted: int) -> dict[int, int]:
    """`held_periods` for many people in one query per slice: {person_id: periods held}.
    Only the last `wanted` + 1 periods can count, so only they are read."""
    oldest = periods.current(today, kpi.period)
    for _n in range(wanted):
        oldest = periods.preceding(oldest, kpi.period)
    values: dict[int, list] = {pid: [] for pid in person_ids}
    V = KpiValue.__table__.c
    for first in range(0, len(person_ids), _SLICE):
        for pid, start, value in session.execute(
                select(V.person_id, V.period_start, V.value)
                .where(V.kpi_id == kpi.id, V.period_start <= today, V.period_start >= oldest,
                       among(session, V.person_id, person_ids[first:first + _SLICE]))):
            values[pid].append((_day(start), value))
    return {pid: _streak(sorted(rows, reverse=True)[:wanted], kpi, threshold, today, wanted)
            for pid, rows in values.items()}


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _streak(rows, kpi: KpiDefinition, threshold: Decimal, today: date, wanted: int) -> int:
    """Periods held in a row from `rows` ((period start, value), latest first, at most
    `wanted`): the latest must be the current or the previous period."""
    current = periods.current(today, kpi.period)
    expected = {current, periods.preceding(current, kpi.period)}
    held = 0
    for start, value in rows[:wanted]:
        if start not in expected or not kpi.meets(Decimal(value), threshold):
            break
        held += 1
        expected = {periods.preceding(start, kpi.period)}
    return held


def save_requirement(session, actor, path, kpi: KpiDefinition, threshold: Decimal,
                     count: int) -> KpiRequirement:
    """Add or change the rule "`kpi` at `threshold` for `count` periods" on `path` (its
    people are re-evaluated when the rule moved). Refuses a threshold outside the KPI's range
    and a count outside 1–24."""
    if not kpi.min_value <= threshold <= kpi.max_value:
        raise DomainError(_("The threshold must lie between the KPI's lowest and highest "
                            "values."), field="threshold")
    if not 1 <= count <= 24:
        raise DomainError(_("Give 1 to 24 periods."), field="periods")
    found = session.scalar(select(KpiRequirement).where(KpiRequirement.path_id == path.id,
                                                        KpiRequirement.kpi_id == kpi.id))
    if found is None:
        found = KpiRequirement(path_id=path.id, kpi_id=kpi.id)
        session.add(found)
    moved = (found.threshold, found.periods) != (threshold, count)
    found.threshold, found.periods = threshold, count
    session.flush()
    entry = audit.record(actor, "kpi.requirement.save", found, path=path.code, kpi=kpi.code,
                         threshold=str(threshold), periods=count)
    if moved:
        announce_rules_change(session, actor, entry, path_ids=[path.id])
    return found


def remove_requirement(session, actor, requirement: KpiRequirement) -> None:
    """Remove a KPI rule from its path (its people are re-evaluated)."""
    path_id = requirement.path_id
    entry = audit.record(actor, "kpi.requirement.remove", requirement,
                         kpi=requirement.kpi.code, path_id=path_id)
    session.delete(requirement)
    session.flush()
    announce_rules_change(session, actor, entry, path_ids=[path_id])
