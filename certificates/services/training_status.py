"""The words a person's standing on a path is told in, derived from the state: how far the
path's required courses are done, and whether each assessment slot is open to them now.

"Not started" while someone is 28 % through a course, or "not yet available" while the exam is
open to them, would be untrue; My certification, My path and HR's filters use these words.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from certificates.services.standing import PathStanding
from courses.models import Course, PathCourse
from courses.services.progress import progress
from lms.core import clock
from lms.core.kinds import Opening, UnknownAssessmentKind, get_kind
from lms.paths.models import CertificationPath


@dataclass(frozen=True)
class TrainingStatus:
    """A path's standing with what it rests on: `courses_percent` is the share of the lessons
    of the required published courses done (None when the path has none); `openings` tells,
    per slot code without a result yet, whether the person may take it now."""

    status: str
    courses_percent: int | None = None
    openings: dict[str, Opening | None] = field(default_factory=dict)

    @property
    def exam_open_until(self) -> datetime | None:
        """The earliest close among slots open now (None if none is open or none closes)."""
        closes = [o.closes_at for o in self.openings.values()
                  if o is not None and o.open and o.closes_at is not None]
        return min(closes, default=None)

    @property
    def any_open(self) -> bool:
        return any(o is not None and o.open for o in self.openings.values())


def courses_percent(session, person_id: int, path_id: int) -> int | None:
    """Lessons done over lessons in the path's required published courses, rounded down."""
    course_ids = list(session.scalars(
        select(PathCourse.course_id).join(Course, Course.id == PathCourse.course_id)
        .where(PathCourse.path_id == path_id, PathCourse.required.is_(True),
               Course.status == "published", Course.published_version > 0)))
    if not course_ids:
        return None
    found = progress(session, [person_id], course_ids).values()
    total = sum(p.total for p in found)
    return sum(p.done for p in found) * 100 // total if total else None


def training_status(session, person, path: CertificationPath, standing: PathStanding | None,
                    now: datetime | None = None, with_courses: bool = True) -> TrainingStatus:
    """The status of `person` on `path` with its course share and the open slots; without
    `with_courses` the share is not computed (a page that shows it already, My path)."""
    status = standing.status if standing else "not_started"
    if status in ("certified", "expiring", "pending_approval"):
        return TrainingStatus(status)
    now = now or clock.now()
    scores = standing.components if standing else {}
    openings = {}
    for slot in path.slots:
        if scores.get(slot.code) is not None:
            continue
        try:
            kind = get_kind(slot.kind)()
        except UnknownAssessmentKind:
            continue
        openings[slot.code] = kind.opening(session, slot.reference, person, now)
    share = courses_percent(session, person.id, path.id) if with_courses else None
    return TrainingStatus(status, share, openings)
