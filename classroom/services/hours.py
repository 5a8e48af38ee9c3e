"""Training hours per person and year against a target (120 h by default), from four
sources: online learning time (lesson completions' time spent), attended sessions (minutes
of confirmed registers, present or late), mentoring (meetings both confirmed, counted for the
mentee) and front-line rotation (confirmed shifts). Coverage: the share of a team's active
people with any training hour in a period (the quarter, on the pages).

Each source is one grouped query over the people asked for, so a team of any size costs
four queries.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, true, union_all

from classroom.models import (
    Attendance,
    MentoringMeeting,
    RotationShift,
    TrainingSession,
    TrainingSettings,
)
from courses.models import LessonCompletion
from lms.core import audit
from lms.core.errors import DomainError
from lms.people.models import Person

SOURCES = ("online", "sessions", "mentoring", "rotation")
DEFAULT_TARGET = 120


@dataclass
class Hours:
    """One person's minutes per source in a period, and the target in hours."""

    minutes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    target: int = DEFAULT_TARGET

    @property
    def total_minutes(self) -> int:
        return sum(self.minutes.values())

    def hours(self, source: str | None = None) -> Decimal:
        """Hours to one decimal, half up (rounded once, here, for display)."""
        return hours_of(self.total_minutes if source is None else self.minutes[source])

    @property
    def percent(self) -> int:
        """Share of the target reached, rounded down (100 only once the target is met)."""
        return min(100, self.total_minutes * 100 // (self.target * 60)) if self.target else 100


def target_hours(session) -> int:
    """The yearly target in hours (the default until an administrator changes it)."""
    row = session.get(TrainingSettings, 1)
    return row.target_hours if row is not None else DEFAULT_TARGET


def set_target(session, actor: Person, hours: int) -> int:
    """Change the yearly target; refuses anything outside 1–2000 hours."""
    if not 1 <= hours <= 2000:
        raise DomainError(_("The target must be between 1 and 2000 hours."),
                          field="target_hours")
    row = session.get(TrainingSettings, 1)
    if row is None:
        row = TrainingSettings(id=1)
        session.add(row)
    old = row.target_hours if row.target_hours is not None else DEFAULT_TARGET
    row.target_hours = hours
    session.flush()
    audit.record(actor, "classroom.target_hours", row, old=old, new=hours)
    return hours


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _instants(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time.min, tzinfo=UTC),
            datetime.combine(end, time.max, tzinfo=UTC))


def _source_queries(start: date, end: date, person_ids: list[int] | None = None) -> dict:
    """{source: SELECT (person id, minutes) grouped by person} for the period [start, end]
    (UTC days), for `person_ids` or (None) everyone: the one home of what counts as an hour."""
    first, last = _instants(start, end)

    def only(column):
        return column.in_(person_ids) if person_ids is not None else true()

    return {
        "online": select(LessonCompletion.person_id,
                         func.sum(LessonCompletion.seconds_spent) / 60)
        .where(only(LessonCompletion.person_id),
               LessonCompletion.completed_at.between(first, last))
        .group_by(LessonCompletion.person_id),
        "sessions": select(Attendance.person_id, func.sum(Attendance.minutes))
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(only(Attendance.person_id),
               Attendance.status.in_(("present", "late")),
               TrainingSession.confirmed_at.is_not(None),
               TrainingSession.starts_at.between(first, last))
        .group_by(Attendance.person_id),
        "mentoring": select(MentoringMeeting.mentee_id, func.sum(MentoringMeeting.minutes))
        .where(only(MentoringMeeting.mentee_id),
               MentoringMeeting.mentor_confirmed_at.is_not(None),
               MentoringMeeting.mentee_confirmed_at.is_not(None),
               MentoringMeeting.held_on.between(start, end))
        .group_by(MentoringMeeting.mentee_id),
        "rotation": select(RotationShift.person_id, func.sum(RotationShift.minutes))
        .where(only(RotationShift.person_id),
               RotationShift.confirmed_at.is_not(None),
               RotationShift.worked_on.between(start, end))
        .group_by(RotationShift.person_id),
    }


def minutes_by_source(session, person_ids: list[int], start: date, end: date
                      ) -> dict[int, dict[str, int]]:
    """{person id: {source: minutes}} for the period [start, end] (UTC days)."""
    result = {pid: dict.fromkeys(SOURCES, 0) for pid in person_ids}
    if not person_ids:
        return result
    for source, query in _source_queries(start, end, person_ids).items():
        for person_id, minutes in session.execute(query):
            result[person_id][source] = int(minutes or 0)
    return result


def minutes_per_person(start: date, end: date, person_ids: list[int] | None = None):
    """A SELECT of (person_id, minutes): each person's training minutes in [start, end] over
    the four sources (each source's minutes whole, as `minutes_by_source` counts them), for
    `person_ids` or everyone; people without any are left out. For reports that join it or
    read a page of people in one query."""
    parts = [query.with_only_columns(
        query.selected_columns[0].label("person_id"),
        func.coalesce(query.selected_columns[1], 0).label("minutes"),
        maintain_column_froms=True) for query in _source_queries(start, end, person_ids).values()]
    every = union_all(*parts).subquery()
    return select(every.c.person_id, func.sum(every.c.minutes).label("minutes")) \
        .group_by(every.c.person_id)


def hours_of(minutes: int) -> Decimal:
    """Minutes as hours to one decimal, half up (rounded once, here, for display)."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)


def hours_for(session, people: list[Person], year: int) -> dict[int, Hours]:
    """Each person's hours of `year` against the target."""
    target = target_hours(session)
    start, end = year_bounds(year)
    found = minutes_by_source(session, [p.id for p in people], start, end)
    return {pid: Hours(minutes=minutes, target=target) for pid, minutes in found.items()}


@dataclass(frozen=True)
class Coverage:
    """How many of a team's active people had any training in a period."""

    team: str
    people: int
    trained: int

    @property
    def percent(self) -> int:
        return self.trained * 100 // self.people if self.people else 0


def coverage(session, people: list[Person], start: date, end: date) -> list[Coverage]:
    """Coverage per team (people without a team under "—"), by team name in the reader's
    language (the stored one where the team has none)."""
    found = minutes_by_source(session, [p.id for p in people], start, end)
    teams: dict[str, list[int]] = {}
    for person in people:
        teams.setdefault(person.team.tr("name") if person.team else "—", []).append(person.id)
    return [Coverage(team=name, people=len(ids),
                     trained=sum(1 for pid in ids if sum(found[pid].values()) > 0))
            for name, ids in sorted(teams.items())]
