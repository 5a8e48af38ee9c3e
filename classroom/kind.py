"""Programme attendance, mentoring hours and front-line rotation as assessment kinds, so a
path's rules can require them (ProgrammeKind, MentoringKind, RotationKind).

Programme attendance:

`person_result(session, reference, person_id)`: the share (0–100) of a programme's hours the
person attended, read from confirmed registers only. The programme is the latest event
(by its first session) tied to the path named by the reference ("path:<code>"; "" or None:
any path) on which the person holds a seat; every session of the event counts in the whole,
so upcoming sessions keep the share below 100 until they are attended. A path requires
"attendance >= 90 % of the hours" with a slot of this kind whose pass mark is 90. None while
the person has no seat on such an event.
"""

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from classroom.models import (
    Attendance,
    EventEnrolment,
    RotationShift,
    TrainingEvent,
    TrainingSession,
)
from classroom.services import mentoring, rotation
from lms.core import clock
from lms.core.database import among
from lms.core.kinds import AssessmentKind, AssessmentResult
from lms.paths.models import CertificationPath

DEFAULT_SHARE = Decimal(90)
_SLICE = 900  # people per IN list (under SQLite's variable limit)
ATTENDED = ("present", "late")


def programme_of(session, reference: str | None, person_id: int) -> TrainingEvent | None:
    """The event a programme slot reads for the person (see the module), or None."""
    query = (select(TrainingEvent).join(EventEnrolment)
             .where(EventEnrolment.person_id == person_id, EventEnrolment.status == "enrolled",
                    TrainingEvent.cancelled_at.is_(None), TrainingEvent.path_id.is_not(None)))
    code = (reference or "").removeprefix("path:")
    if code:
        query = query.join(CertificationPath, CertificationPath.id == TrainingEvent.path_id
                           ).where(CertificationPath.code == code)
    events = [e for e in session.scalars(query) if e.sessions]
    if not events:
        return None
    return max(events, key=lambda e: (min(s.starts_at for s in e.sessions), e.id))


def attended_share(session, event: TrainingEvent, person_id: int) -> tuple[int, int]:
    """(minutes attended in confirmed sessions, minutes of every session) of the event."""
    total = sum(s.minutes for s in event.sessions)
    attended = sum(session.scalars(
        select(Attendance.minutes).join(TrainingSession)
        .where(TrainingSession.event_id == event.id, TrainingSession.confirmed_at.is_not(None),
               Attendance.person_id == person_id, Attendance.status.in_(ATTENDED))))
    return attended, total


class ProgrammeKind(AssessmentKind):
    key = "programme"
    label = _l("Programme attendance (share of hours)")

    def result(self, session, source_id: int) -> AssessmentResult | None:
        """Results are per person (see person_result); one session alone has none."""
        return None

    def person_result(self, session, reference, person_id: int) -> AssessmentResult | None:
        """The share of the programme's hours attended (see the module)."""
        event = programme_of(session, reference, person_id)
        if event is None:
            return None
        attended, total = attended_share(session, event, person_id)
        if not total:
            return None
        score = (Decimal(attended) * 100 / Decimal(total)).quantize(Decimal("0.01"),
                                                                  ROUND_HALF_UP)
        return AssessmentResult(score=score, passed=score >= DEFAULT_SHARE)

    def people_results(self, session, reference, person_ids):
        """None without a seat on any event; the others one at a time."""
        seated = set()
        for first in range(0, len(person_ids), _SLICE):
            seated.update(session.scalars(select(EventEnrolment.person_id).where(
                among(session, EventEnrolment.person_id, person_ids[first:first + _SLICE]),
                EventEnrolment.status == "enrolled")))
        return {pid: self.person_result(session, reference, pid) if pid in seated else None
                for pid in person_ids}

    def references(self, session) -> list[tuple[str, str]]:
        """Any path's programme, then each path's."""
        paths = session.scalars(select(CertificationPath).order_by(CertificationPath.position))
        return [("", str(_l("The latest programme of any path")))] + [
            (f"path:{p.code}", str(_l("Programme of %(path)s", path=p.tr("name"))))
            for p in paths]


def _hours(reference: str | None, prefix: str, default: int) -> int:
    """N from a reference "<prefix>N" ("hours:20"); the default when absent or malformed."""
    text = (reference or "").removeprefix(prefix)
    return int(text) if text.isdigit() and int(text) > 0 else default


def _share(minutes: int, hours: int) -> Decimal:
    """Minutes as a share (0–100, capped) of `hours`."""
    return min(Decimal(100), (Decimal(minutes) * 100 / Decimal(hours * 60))
               ).quantize(Decimal("0.01"), ROUND_HALF_UP)


class MentoringKind(AssessmentKind):
    """Mentoring hours: the share (0–100, capped) of N hours ("hours:N", default 20) of
    meetings the mentee and mentor both confirmed. A path requiring N hours uses pass mark
    100."""

    key = "mentoring"
    label = _l("Mentoring hours (share of the hours required)")
    DEFAULT_HOURS = 20

    def result(self, session, source_id: int) -> AssessmentResult | None:
        return None

    def person_result(self, session, reference, person_id: int) -> AssessmentResult | None:
        hours = _hours(reference, "hours:", self.DEFAULT_HOURS)
        score = _share(mentoring.confirmed_minutes(session, person_id), hours)
        return AssessmentResult(score=score, passed=score >= 100)

    def references(self, session) -> list[tuple[str, str]]:
        return [(f"hours:{n}", str(_l("%(hours)d hours of mentoring", hours=n)))
                for n in (10, 20, 40)]


class RotationKind(AssessmentKind):
    """Front-line rotation: the share (0–100, capped) of N hours ("quarter-hours:N", default
    8) of confirmed shifts in the current calendar quarter. Pass mark 100 requires them."""

    key = "rotation"
    label = _l("Front-line rotation hours this quarter")
    DEFAULT_HOURS = 8

    def result(self, session, source_id: int) -> AssessmentResult | None:
        return None

    def person_result(self, session, reference, person_id: int) -> AssessmentResult | None:
        hours = _hours(reference, "quarter-hours:", self.DEFAULT_HOURS)
        start, end = rotation.quarter_of(clock.today())
        return self._result(rotation.confirmed_minutes(session, person_id, start, end),
                            hours, end)

    def people_results(self, session, reference, person_ids):
        """Everyone's minutes this quarter in one grouped read."""
        hours = _hours(reference, "quarter-hours:", self.DEFAULT_HOURS)
        start, end = rotation.quarter_of(clock.today())
        minutes = dict.fromkeys(person_ids, 0)
        for first in range(0, len(person_ids), _SLICE):
            minutes.update(session.execute(
                select(RotationShift.person_id, func.sum(RotationShift.minutes))
                .where(among(session, RotationShift.person_id, person_ids[first:first + _SLICE]),
                       RotationShift.confirmed_at.is_not(None),
                       RotationShift.worked_on >= start, RotationShift.worked_on <= end)
                .group_by(RotationShift.person_id)).all())
        return {pid: self._result(int(found or 0), hours, end) for pid, found in minutes.items()}

    @staticmethod
    def _result(minutes: int, hours: int, quarter_ends) -> AssessmentResult:
        # Hours count for the current quarter only: the result holds until it ends.
        score = _share(minutes, hours)
        return AssessmentResult(score=score, passed=score >= 100, valid_until=quarter_ends)

    def references(self, session) -> list[tuple[str, str]]:
        return [(f"quarter-hours:{n}", str(_l("%(hours)d hours per quarter", hours=n)))
                for n in (4, 8, 16)]
