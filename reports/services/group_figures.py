"""The group figures the source plans track, on one page for HR and as a CSV:

- **pass rate per tier** against its target (set on the tier's path form; by
  default the plans' new hire 80 %, senior 85 %, manager 95 %): of the
  active people on a tier with an outcome on its path, the share who passed. Passed: certified,
  expiring, waiting for approval, or certified once and since expired (a revoked certificate
  is not a pass). Failed: an assessment scored below its own pass mark, or every assessment
  scored and still not certified. Someone with only passing scores so far has no outcome yet;
- **training coverage**: the share of active people with any training hour this quarter
  (online learning, sessions, mentoring or rotation: `classroom.services.hours`), overall
  and per team;
- **training hours per person** this year against the yearly target (120 h by default).

A constant number of queries, whatever the size of the organisation.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from certificates.services.standing import standings
from classroom.services import hours as training_hours
from lms.core.numbers import display_score
from lms.core.spreadsheet import safe_row
from lms.kpis import periods
from lms.paths.models import CertificationPath
from lms.people.models import Person

PASSED = ("certified", "expiring", "pending_approval", "expired")
BOM = "\ufeff"


def _percent(part: int, whole: int) -> Decimal | None:
    return None if not whole else Decimal(part * 100) / whole


@dataclass(frozen=True)
class TierPassRate:
    path: CertificationPath
    people: int          # active people on the tier
    assessed: int
    passed: int
    target: Decimal

    @property
    def rate(self) -> Decimal | None:
        return _percent(self.passed, self.assessed)

    @property
    def met(self) -> bool | None:
        return None if self.rate is None else self.rate >= self.target


@dataclass(frozen=True)
class TeamCoverage:
    team: str
    people: int
    trained: int

    @property
    def rate(self) -> Decimal | None:
        return _percent(self.trained, self.people)


@dataclass(frozen=True)
class HoursFigure:
    year: int
    people: int
    total_minutes: int
    at_target: int       # people who have reached the yearly target already
    target: int          # hours

    @property
    def average(self) -> Decimal | None:
        if not self.people:
            return None
        return (Decimal(self.total_minutes) / 60 / self.people).quantize(
            Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class GroupFigures:
    today: date
    quarter_start: date
    pass_rates: list[TierPassRate]
    coverage: list[TeamCoverage]
    hours: HoursFigure

    @property
    def coverage_total(self) -> TeamCoverage:
        return TeamCoverage(team=_("Everyone"), people=sum(c.people for c in self.coverage),
                            trained=sum(c.trained for c in self.coverage))


def _failed(components: dict, marks: dict) -> bool:
    """Whether scores show a failed attempt: one below its slot's own pass mark, or every
    slot scored without a certificate."""
    if not components:
        return False
    if any(score is not None and marks.get(code) is not None and score < marks[code]
           for code, score in components.items()):
        return True
    return bool(marks) and all(components.get(code) is not None for code in marks)


def _pass_rates(session, people: list[Person], today: date) -> list[TierPassRate]:
    tiers = list(session.scalars(select(CertificationPath)
                                 .where(CertificationPath.active.is_(True))
                                 .options(selectinload(CertificationPath.slots))
                                 .order_by(CertificationPath.position, CertificationPath.id)))
    marks = {path.id: {slot.code: slot.pass_mark for slot in path.slots} for path in tiers}
    held = standings(session, [p.id for p in people if p.tier_id], today=today)
    rates = []
    for path in tiers:
        on_tier = [p for p in people if p.tier_id == path.id]
        assessed = passed = 0
        for person in on_tier:
            standing = held.get(person.id, {}).get(path.id)
            if standing is None:
                continue
            if standing.status in PASSED:
                assessed += 1
                passed += 1
            elif _failed(standing.components, marks[path.id]):
                assessed += 1
        rates.append(TierPassRate(path=path, people=len(on_tier), assessed=assessed,
                                  passed=passed, target=path.pass_rate_target))
    return rates


def group_figures(session, scope, today: date) -> GroupFigures:
    """The three figures over the active people `scope` selects."""
    people = list(session.scalars(select(Person).where(scope, Person.active.is_(True))
                                  .options(selectinload(Person.team))
                                  .order_by(Person.id)))
    quarter_start = periods.current(today, "quarter")
    coverage = [TeamCoverage(team=c.team, people=c.people, trained=c.trained)
                for c in training_hours.coverage(session, people, quarter_start, today)]
    target = training_hours.target_hours(session)
    start, _end = training_hours.year_bounds(today.year)
    minutes = training_hours.minutes_by_source(session, [p.id for p in people], start, today)
    totals = [sum(found.values()) for found in minutes.values()]
    return GroupFigures(
        today=today, quarter_start=quarter_start,
        pass_rates=_pass_rates(session, people, today), coverage=coverage,
        hours=HoursFigure(year=today.year, people=len(people), total_minutes=sum(totals),
                          at_target=sum(1 for m in totals if m >= target * 60),
                          target=target))


def csv_lines(figures: GroupFigures) -> Iterator[str]:
    """The figures as CSV lines (a byte-order mark first, so Excel reads UTF-8): one row per
    figure with its group, value, target and the number of people behind it; every text
    cell neutralised against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(safe_row([_("Figure"), _("Group"), _("Value"), _("Target"),
                              _("People"), _("Meets target")]))

    def met(flag: bool | None) -> str:
        return "" if flag is None else (_("yes") if flag else _("no"))

    for rate in figures.pass_rates:
        writer.writerow(safe_row([_("Pass rate (%)"), rate.path.tr("name"),
                                  display_score(rate.rate, ""), display_score(rate.target),
                                  rate.assessed, met(rate.met)]))
    for cover in [figures.coverage_total, *figures.coverage]:
        writer.writerow(safe_row([_("Training coverage this quarter (%)"), cover.team,
                                  display_score(cover.rate, ""), "", cover.people, ""]))
    hours = figures.hours
    writer.writerow(safe_row([
        _("Training hours per person, %(year)s", year=hours.year), _("Everyone"),
        display_score(hours.average, ""), hours.target, hours.people,
        met(None if hours.average is None else hours.average >= hours.target)]))
    yield BOM + buffer.getvalue()
