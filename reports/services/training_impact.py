"""Training impact: for each certification path, the KPI averages of the people it certified in
the N periods before their certification against the N periods after it.

A person counts from their first certificate on the path (a revoked one is no evidence of
training). The period in which the certificate was issued belongs to neither side: the
training and the assessment happened during it. A person counts for a KPI only when they have
a value on both sides, so "before" and "after" describe the same people; each side's figure is
the average of those people's own averages (someone with six values weighs no more than
someone with two). Groups under `SMALL_GROUP` people are flagged, so nobody over-reads the
change of a handful of agents.

Four queries, whatever the number of people.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from certificates.models import Certificate
from lms.kpis import periods
from lms.kpis.models import KpiDefinition, KpiValue
from lms.paths.models import CertificationPath
from lms.people.models import Person
from reports.services.kpi_trends import active_kpis

DEFAULT_PERIODS = 3
MAX_PERIODS = 12
SMALL_GROUP = 10


@dataclass(frozen=True)
class KpiImpact:
    """One KPI of one path: the averages before and after, the people compared."""

    kpi: KpiDefinition
    before: Decimal | None
    after: Decimal | None
    people: int

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def improved(self) -> bool | None:
        """Whether the KPI moved to its good side (None: no change to speak of)."""
        change = self.change
        if not change:
            return None
        return change > 0 if self.kpi.direction == "higher" else change < 0

    @property
    def small(self) -> bool:
        return self.people < SMALL_GROUP


@dataclass(frozen=True)
class PathImpact:
    path: CertificationPath
    certified: int              # people the path certified (in scope), compared or not
    kpis: list[KpiImpact]

    @property
    def small(self) -> bool:
        return any(line.small for line in self.kpis if line.people)


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _windows(issued_on: date, period: str, count: int) -> tuple[set[date], set[date]]:
    """The first days of the `count` periods before and after the certificate's period."""
    start = periods.current(issued_on, period)
    before, after = set(), set()
    back = forward = start
    for _n in range(count):
        back = periods.preceding(back, period)
        forward = periods.following(forward, period)
        before.add(back)
        after.add(forward)
    return before, after


def impact(session, scope, count: int = DEFAULT_PERIODS) -> list[PathImpact]:
    """Per active path (in path order) and active KPI, the before/after averages of the
    people `scope` selects that the path certified."""
    paths = list(session.scalars(select(CertificationPath)
                                 .where(CertificationPath.active.is_(True))
                                 .order_by(CertificationPath.position, CertificationPath.id)))
    kpis = active_kpis(session)
    certified = select(Certificate.person_id).join(Person, Person.id == Certificate.person_id) \
        .where(scope, Certificate.status != "revoked")
    firsts: dict[int, dict[int, date]] = {}
    for path_id, person_id, issued_on in session.execute(
            select(Certificate.path_id, Certificate.person_id, func.min(Certificate.issued_on))
            .join(Person, Person.id == Certificate.person_id)
            .where(scope, Certificate.status != "revoked")
            .group_by(Certificate.path_id, Certificate.person_id)):
        firsts.setdefault(path_id, {})[person_id] = issued_on
    values: dict[tuple[int, int], dict[date, Decimal]] = {}
    if firsts and kpis:
        for person_id, kpi_id, start, value in session.execute(
                select(KpiValue.person_id, KpiValue.kpi_id, KpiValue.period_start,
                       KpiValue.value)
                .where(KpiValue.person_id.in_(certified.distinct()),
                       KpiValue.kpi_id.in_([k.id for k in kpis]))):
            values.setdefault((person_id, kpi_id), {})[start] = Decimal(str(value))
    result = []
    for path in paths:
        people = firsts.get(path.id, {})
        lines = []
        for kpi in kpis:
            befores, afters = [], []
            for person_id, issued_on in people.items():
                history = values.get((person_id, kpi.id))
                if not history:
                    continue
                before, after = _windows(issued_on, kpi.period, count)
                seen_before = [v for start, v in history.items() if start in before]
                seen_after = [v for start, v in history.items() if start in after]
                if seen_before and seen_after:
                    befores.append(_mean(seen_before))
                    afters.append(_mean(seen_after))
            lines.append(KpiImpact(kpi=kpi, before=_mean(befores) if befores else None,
                                   after=_mean(afters) if afters else None,
                                   people=len(befores)))
        result.append(PathImpact(path=path, certified=len(people), kpis=lines))
    return result
