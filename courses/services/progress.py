"""Progress: lesson completions, course completion, time spent, and the pages built on them.

The counting rule, in one place (`counting_completions`): a course's progress is measured
against the lessons of its current published version. A lesson counts as done when the person
has a completion with the lesson's key, unless the lesson has `recomplete_from_version` and
the completion was made at an older version. A course is completed when every lesson counts;
`Enrollment.completed_at`/`completed_version` are then set once and never erased — when a later
version asks for a lesson again, the course stays completed in history and shows "update to
review".

Time spent is the sum of `seconds_spent`, measured from a signed timestamp in the lesson page's
form and capped at three times the lesson's estimated minutes. Callers own the commit.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from courses.models import (
    Course,
    CourseModule,
    CoursePrerequisite,
    CourseVersion,
    Enrollment,
    Lesson,
    LessonCompletion,
    PathCourse,
)
from courses.services.enrolment import prerequisite_message, unmet_prerequisites
from courses.signals import course_completed, course_started
from lms.competencies.services.matrix import MatrixCell, matrix_row_for
from lms.core import audit, clock, policy
from lms.core.errors import DomainError, NotFound
from lms.people.models import Person, Team
from lms.people.policy import visible_people_filter

# Time spent on a lesson counts up to this many times its estimated duration.
TIME_CAP_FACTOR = 3
_TOKEN_SALT = "lesson-opened"


@dataclass(frozen=True)
class CourseProgress:
    """One person's standing in one course."""

    enrollment: Enrollment | None
    total: int = 0
    done: int = 0
    seconds: int = 0
    done_keys: frozenset[str] = frozenset()
    today: date | None = None

    @property
    def enrolled(self) -> bool:
        return self.enrollment is not None and not self.enrollment.withdrawn

    @property
    def completed(self) -> bool:
        return self.enrollment is not None and self.enrollment.completed_at is not None

    @property
    def percent(self) -> int:
        """Rounded down, so 99.5 % never shows as 100 before the last lesson is done."""
        if not self.total:
            return 100 if self.completed else 0
        return self.done * 100 // self.total

    @property
    def needs_review(self) -> bool:
        """Completed once, but lessons of the current version ask to be done again."""
        return self.completed and self.done < self.total

    @property
    def overdue(self) -> bool:
        due = self.enrollment.due_date if self.enrollment is not None else None
        return (self.enrolled and not self.completed and due is not None
                and due < (self.today or clock.today()))

    @property
    def state(self) -> str:
        """not_enrolled, not_started, in_progress or completed."""
        if self.completed:
            return "completed"
        if not self.enrolled:
            return "not_enrolled"
        return "in_progress" if self.done else "not_started"


# The counting rule


def _current_lessons(course_ids):
    """(course_id, key, since, minutes) of every lesson in each course's published version."""
    return (
        select(CourseVersion.course_id.label("course_id"), Lesson.key.label("key"),
               Lesson.recomplete_from_version.label("since"))
        .join(Course, and_(Course.id == CourseVersion.course_id,
                           Course.published_version == CourseVersion.number))
        .join(CourseModule, CourseModule.version_id == CourseVersion.id)
        .join(Lesson, Lesson.module_id == CourseModule.id)
        .where(CourseVersion.course_id.in_(course_ids))
    )


def counting_completions(person_ids, course_ids):
    """Distinct (person_id, course_id, lesson_key) of the completions that count now."""
    current = _current_lessons(course_ids).subquery()
    return (
        select(LessonCompletion.person_id, LessonCompletion.course_id,
               LessonCompletion.lesson_key)
        .join(current, and_(current.c.course_id == LessonCompletion.course_id,
                            current.c.key == LessonCompletion.lesson_key))
        .where(LessonCompletion.person_id.in_(person_ids),
               LessonCompletion.course_id.in_(course_ids),
               or_(current.c.since.is_(None), LessonCompletion.version >= current.c.since))
        .distinct()
    )


def progress(session, person_ids, course_ids,
             with_keys: bool = False) -> dict[tuple[int, int], CourseProgress]:
    """{(person_id, course_id): CourseProgress} for every pair, in four queries whatever the
    numbers. `with_keys` also lists which lessons are done (for one person's pages)."""
    person_ids, course_ids = list(set(person_ids)), list(set(course_ids))
    if not person_ids or not course_ids:
        return {}
    enrollments = {(e.person_id, e.course_id): e for e in session.scalars(
        select(Enrollment).where(Enrollment.person_id.in_(person_ids),
                                 Enrollment.course_id.in_(course_ids))
        .options(lazyload(Enrollment.course))
    )}
    current = _current_lessons(course_ids).subquery()
    totals = dict(session.execute(
        select(current.c.course_id, func.count()).group_by(current.c.course_id)).all())
    keys: dict[tuple[int, int], set[str]] = {}
    if with_keys:
        for person_id, course_id, key in session.execute(
                counting_completions(person_ids, course_ids)):
            keys.setdefault((person_id, course_id), set()).add(key)
        done = {pair: len(found) for pair, found in keys.items()}
    else:
        counted = counting_completions(person_ids, course_ids).subquery()
        done = {(p, c): n for p, c, n in session.execute(
            select(counted.c.person_id, counted.c.course_id, func.count())
            .group_by(counted.c.person_id, counted.c.course_id))}
    seconds = {(p, c): int(n or 0) for p, c, n in session.execute(
        select(LessonCompletion.person_id, LessonCompletion.course_id,
               func.sum(LessonCompletion.seconds_spent))
        .where(LessonCompletion.person_id.in_(person_ids),
               LessonCompletion.course_id.in_(course_ids))
        .group_by(LessonCompletion.person_id, LessonCompletion.course_id))}
    today = clock.today()
    return {
        (p, c): CourseProgress(
            enrollment=enrollments.get((p, c)), total=totals.get(c, 0), done=done.get((p, c), 0),
            seconds=seconds.get((p, c), 0), done_keys=frozenset(keys.get((p, c), ())),
            today=today)
        for p in person_ids for c in course_ids
    }


@dataclass
class OutlineModule:
    module: CourseModule
    lessons: list[Lesson] = field(default_factory=list)


def outline(session, course_ids) -> dict[int, list[OutlineModule]]:
    """Each course's published modules and lessons in order, in one query."""
    course_ids = list(set(course_ids))
    result: dict[int, list[OutlineModule]] = {c: [] for c in course_ids}
    if not course_ids:
        return result
    rows = session.execute(
        select(CourseVersion.course_id, CourseModule, Lesson)
        .join(Course, and_(Course.id == CourseVersion.course_id,
                           Course.published_version == CourseVersion.number))
        .join(CourseModule, CourseModule.version_id == CourseVersion.id)
        .join(Lesson, Lesson.module_id == CourseModule.id)
        .where(CourseVersion.course_id.in_(course_ids))
        .order_by(CourseVersion.course_id, CourseModule.position, Lesson.position)
    ).all()
    for course_id, module, lesson in rows:
        modules = result[course_id]
        if not modules or modules[-1].module.id != module.id:
            modules.append(OutlineModule(module))
        modules[-1].lessons.append(lesson)
    return result


def lessons_of(modules: list[OutlineModule]) -> list[Lesson]:
    return [lesson for m in modules for lesson in m.lessons]


def first_incomplete(modules: list[OutlineModule], done_keys) -> Lesson | None:
    return next((lesson for lesson in lessons_of(modules) if lesson.key not in done_keys), None)


# Completing lessons


@dataclass(frozen=True)
class OpenedLesson:
    """What the lesson page's signed token says: when it was opened and what it showed."""

    at: datetime
    content_hash: str


def lesson_token(secret_key: str, person_id: int, course_id: int, lesson: Lesson) -> str:
    """A signed note of who opened which lesson content when, for the "Mark complete" form."""
    return URLSafeSerializer(secret_key, salt=_TOKEN_SALT).dumps({
        "p": person_id, "c": course_id, "k": lesson.key, "h": lesson.content_hash,
        "t": clock.now().timestamp(),
    })


def read_lesson_token(secret_key: str, token: str, person_id: int, course_id: int,
                      lesson_key: str) -> OpenedLesson:
    """The opening a token records; refuses forged tokens and tokens of another person,
    course or lesson."""
    invalid = DomainError(_("This page has expired or was changed. Open the lesson again, "
                            "then mark it complete."))
    try:
        data = URLSafeSerializer(secret_key, salt=_TOKEN_SALT).loads(token or "")
        opened = datetime.fromtimestamp(float(data["t"]), clock.now().tzinfo)
        matches = (data["p"], data["c"], data["k"]) == (person_id, course_id, lesson_key)
        content_hash = str(data["h"])
    except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
        raise invalid from None
    if not matches:
        raise invalid
    return OpenedLesson(at=opened, content_hash=content_hash)


def seconds_spent(opened_at: datetime | None, minutes: int) -> int:
    """Seconds from opening to now, at least 0 and at most TIME_CAP_FACTOR × the estimate."""
    if opened_at is None:
        return 0
    elapsed = (clock.now() - opened_at).total_seconds()
    return int(min(max(elapsed, 0), TIME_CAP_FACTOR * minutes * 60))


def current_lesson(session, course: Course, lesson_key: str) -> Lesson | None:
    """The lesson with `lesson_key` in the course's published version, or None."""
    if not course.published_version:
        return None
    return session.scalar(
        select(Lesson)
        .join(CourseModule, Lesson.module_id == CourseModule.id)
        .join(CourseVersion, CourseModule.version_id == CourseVersion.id)
        .where(CourseVersion.course_id == course.id,
               CourseVersion.number == course.published_version, Lesson.key == lesson_key)
    )


def active_enrollment(session, person_id: int, course_id: int) -> Enrollment | None:
    # The caller holds the course: loading it again (and its links) with every lesson
    # completed would be three more reads each time.
    return session.scalar(select(Enrollment).where(
        Enrollment.person_id == person_id, Enrollment.course_id == course_id,
        Enrollment.withdrawn.is_(False)).options(lazyload(Enrollment.course)))


def complete_lesson(session, person, course: Course, lesson_key: str, method: str = "manual",
                    opened: OpenedLesson | None = None) -> LessonCompletion | None:
    """Record that `person` completed a lesson of the current version. Returns None when it
    already counts as done. Refuses people not enrolled, unmet prerequisites, lessons not in
    the published version, and content changed since the page was opened. Completing the last
    lesson completes the course (once, for good)."""
    done = complete_lessons(session, person, course, {lesson_key: opened}, method)
    return done[0] if done else None


def complete_lessons(session, person, course: Course, lessons: dict[str, OpenedLesson | None],
                     method: str = "manual") -> list[LessonCompletion]:
    """`complete_lesson` for several lessons of one course at once, in the order given
    ({lesson key: its opening}): the enrolment, prerequisites and progress are read once.
    Returns the completions recorded (lessons that already count are left out). Refuses as
    `complete_lesson` does, before recording anything; the course starts and completes
    (signals, audit) at the lesson it would one lesson at a time."""
    if not lessons:
        return []
    enrollment = active_enrollment(session, person.id, course.id)
    if not policy.may(person, "courses.learn", enrollment):
        raise NotFound(_("You are not enrolled in this course."))
    missing = unmet_prerequisites(session, person.id, course)
    if missing:
        raise DomainError(prerequisite_message(missing))
    found = _current_lessons_by_key(session, course, list(lessons))
    for key, opened in lessons.items():
        lesson = found.get(key)
        if lesson is None:
            raise NotFound(_("This lesson is not part of the course any more."))
        if opened is not None and opened.content_hash != lesson.content_hash:
            raise DomainError(_("This lesson has changed since you opened it. Read the new "
                                "version, then mark it complete."))
    standing = progress(session, [person.id], [course.id], with_keys=True)[(person.id, course.id)]
    done = len(standing.done_keys)
    completions = []
    for key, opened in lessons.items():
        lesson = found[key]
        if lesson.key in standing.done_keys:
            continue
        completion = LessonCompletion(
            person_id=person.id, course_id=course.id, lesson_key=lesson.key,
            version=course.published_version, content_hash=lesson.content_hash,
            completed_at=clock.now(), seconds_spent=seconds_spent(opened and opened.at,
                                                                  lesson.minutes),
            method=method,
        )
        session.add(completion)
        completions.append(completion)
        if enrollment.completed_at is None and done + len(completions) >= standing.total:
            enrollment.completed_at = clock.now()
            enrollment.completed_version = course.published_version
            audit.record(person, "course.complete", enrollment, course=course.code,
                         version=course.published_version)
            session.flush()
            course_completed.send(session, person_id=person.id, course_id=course.id)
        elif done + len(completions) == 1:
            session.flush()
            course_started.send(session, person_id=person.id, course_id=course.id)
    session.flush()
    return completions


def _current_lessons_by_key(session, course: Course, keys: list[str]) -> dict[str, Lesson]:
    """{key: lesson} of those of `keys` in the course's published version (one read)."""
    if not course.published_version or not keys:
        return {}
    return {lesson.key: lesson for lesson in session.scalars(
        select(Lesson)
        .join(CourseModule, Lesson.module_id == CourseModule.id)
        .join(CourseVersion, CourseModule.version_id == CourseVersion.id)
        .where(CourseVersion.course_id == course.id,
               CourseVersion.number == course.published_version, Lesson.key.in_(keys)))}


def mark_complete(session, person, course: Course, lesson_key: str, token: str,
                  secret_key: str) -> LessonCompletion | None:
    """The "Mark complete" button: checks the page's token, then completes the lesson."""
    opened = read_lesson_token(secret_key, token, person.id, course.id, lesson_key)
    return complete_lesson(session, person, course, lesson_key, "manual", opened)


def complete_lesson_by_quiz(session, person, lesson_key: str) -> LessonCompletion | None:
    """For the quiz engine: the person passed the knowledge check of the lesson `lesson_key`
    (in whichever course publishes it). None when they are not enrolled or it already counts;
    refuses unknown lessons and unmet prerequisites."""
    course = session.scalar(
        select(Course)
        .join(CourseVersion, and_(CourseVersion.course_id == Course.id,
                                  CourseVersion.number == Course.published_version))
        .join(CourseModule, CourseModule.version_id == CourseVersion.id)
        .join(Lesson, Lesson.module_id == CourseModule.id)
        .where(Lesson.key == lesson_key)
    )
    if course is None:
        raise NotFound(_("This lesson is not part of any published course."))
    if active_enrollment(session, person.id, course.id) is None:
        return None
    return complete_lesson(session, person, course, lesson_key, "quiz")


# Pages: one person's path, and a table of many people


@dataclass
class CourseLine:
    course: Course
    required: bool
    progress: CourseProgress
    locked_by: list[Course] = field(default_factory=list)
    due_days: int | None = None

    @property
    def lock_message(self) -> str:
        return prerequisite_message(self.locked_by) if self.locked_by else ""


@dataclass
class PathOverview:
    person: object
    tier: object
    lines: list[CourseLine]
    others: list[CourseLine]
    next_course: Course | None
    next_lesson: Lesson | None
    matrix: list[MatrixCell]

    @property
    def required_lines(self) -> list[CourseLine]:
        return [line for line in self.lines if line.required]

    @property
    def percent(self) -> int:
        total = sum(line.progress.total for line in self.required_lines)
        done = sum(line.progress.done for line in self.required_lines)
        return done * 100 // total if total else 0

    @property
    def seconds(self) -> int:
        return sum(line.progress.seconds for line in self.lines + self.others)

    @property
    def overdue(self) -> int:
        return sum(line.progress.overdue for line in self.lines + self.others)

    @property
    def all_required_done(self) -> bool:
        return bool(self.required_lines) and all(
            line.progress.completed for line in self.required_lines)


def _course_loads():
    """Courses on these pages need their prerequisites (titles only), not their tags."""
    untagged = (lazyload(Course.competency_links), lazyload(Course.path_links))
    return (*untagged, selectinload(Course.prerequisite_links)
            .joinedload(CoursePrerequisite.requires)
            .options(*untagged, lazyload(Course.prerequisite_links)))


def path_overview(session, person) -> PathOverview:
    """Everything the My-path page shows for `person`, in a constant number of queries."""
    tier = person.tier
    links = list(session.scalars(
        select(PathCourse).where(PathCourse.path_id == person.tier_id)
        .join(Course).where(Course.status == "published", Course.published_version > 0)
        .options(joinedload(PathCourse.course).options(*_course_loads()))
        .order_by(PathCourse.required.desc(), PathCourse.position)
    )) if person.tier_id else []
    enrolled = list(session.scalars(
        select(Enrollment).where(Enrollment.person_id == person.id,
                                 Enrollment.withdrawn.is_(False))
        .options(joinedload(Enrollment.course).options(*_course_loads()))
        .order_by(Enrollment.enrolled_at)
    ).unique())
    tier_ids = {link.course_id for link in links}
    extra = [e.course for e in enrolled if e.course_id not in tier_ids]
    course_ids = list(tier_ids) + [c.id for c in extra]
    standing = progress(session, [person.id], course_ids, with_keys=True)
    completed = set(session.scalars(select(Enrollment.course_id).where(
        Enrollment.person_id == person.id, Enrollment.completed_at.is_not(None))))

    def line(course, required, due_days=None):
        locked = [link.requires for link in course.prerequisite_links
                  if link.requires_id not in completed]
        return CourseLine(course, required, standing[(person.id, course.id)], locked, due_days)

    lines = [line(link.course, link.required, link.due_days) for link in links]
    others = [line(course, False) for course in extra]
    next_course, next_lesson = _next_step(session, person, lines)
    return PathOverview(person, tier, lines, others, next_course, next_lesson,
                        matrix_row_for(session, person))


def _next_step(session, person, lines) -> tuple[Course | None, Lesson | None]:
    """The first incomplete lesson of the first incomplete, unlocked required course."""
    for candidate in lines:
        if (candidate.required and candidate.progress.enrolled and not candidate.locked_by
                and not candidate.progress.completed):
            modules = outline(session, [candidate.course.id])[candidate.course.id]
            return candidate.course, first_incomplete(modules, candidate.progress.done_keys)
    return None, None


@dataclass
class TeamRow:
    person: object
    cells: dict[int, CourseProgress | None]
    percent: int
    overdue: int


def team_query(actor, team_id: int | None = None) -> Select:
    """A statement for the active people `actor` may see, not `actor`, in team `team_id` if
    given, by name, with their tier loaded: the rows of the team progress table."""
    stmt = select(Person).where(visible_people_filter(actor), Person.id != actor.id,
                                Person.active.is_(True))
    if team_id:
        stmt = stmt.where(Person.team_id == team_id)
    return stmt.order_by(Person.name, Person.id).options(joinedload(Person.tier))


def team_choices(session, actor) -> list[Team]:
    """The active teams holding someone `actor` may see (not counting `actor`), by name."""
    return list(session.scalars(
        select(Team).where(Team.active.is_(True), Team.id.in_(
            select(Person.team_id).where(visible_people_filter(actor), Person.id != actor.id)))
        .order_by(Team.name)))


def team_rows(session, people) -> tuple[list[Course], list[TeamRow]]:
    """Columns (the required courses of everyone's tiers) and one row per person, in a
    constant number of queries whatever the number of people and courses."""
    tiers = {p.tier_id for p in people if p.tier_id is not None}
    links = list(session.scalars(
        select(PathCourse).where(PathCourse.path_id.in_(tiers), PathCourse.required.is_(True))
        .join(Course).where(Course.status == "published", Course.published_version > 0)
        .options(joinedload(PathCourse.course).options(
            lazyload(Course.competency_links), lazyload(Course.path_links),
            lazyload(Course.prerequisite_links)))
        .order_by(PathCourse.path_id, PathCourse.position)
    )) if tiers else []
    columns: dict[int, Course] = {}
    required: dict[int, set[int]] = {}
    for link in links:
        columns.setdefault(link.course_id, link.course)
        required.setdefault(link.path_id, set()).add(link.course_id)
    person_ids = [p.id for p in people]
    standing = progress(session, person_ids, list(columns))
    overdue = dict(session.execute(
        select(Enrollment.person_id, func.count())
        .where(Enrollment.person_id.in_(person_ids), Enrollment.withdrawn.is_(False),
               Enrollment.completed_at.is_(None), Enrollment.due_date < clock.today())
        .group_by(Enrollment.person_id)
    ).all()) if person_ids else {}
    rows = []
    for person in people:
        mine = required.get(person.tier_id, set())
        cells: dict[int, CourseProgress | None] = {}
        for course_id in columns:
            state = standing.get((person.id, course_id))
            shown = state is not None and (course_id in mine or state.enrollment is not None)
            cells[course_id] = state if shown else None
        counted = [standing[(person.id, c)] for c in mine]
        total = sum(s.total for s in counted)
        percent = sum(s.done for s in counted) * 100 // total if total else 0
        rows.append(TeamRow(person, cells, percent, overdue.get(person.id, 0)))
    return list(columns.values()), rows


def overdue_per_person(today: date):
    """A SELECT of (person_id, overdue): everyone's enrolments past their due date and not
    completed (the same rule as CourseProgress.overdue); people with none are left out."""
    E = Enrollment
    return (select(E.person_id, func.count().label("overdue")).where(
        E.withdrawn.is_(False), E.completed_at.is_(None), E.due_date.is_not(None),
        E.due_date < today).group_by(E.person_id))


def overdue_counts(session, person_ids, today: date | None = None) -> dict[int, int]:
    """{person_id: number of enrolments past their due date and not completed} in one query
    (`overdue_per_person`); people with none are left out."""
    ids = {int(pid) for pid in person_ids}
    if not ids:
        return {}
    stmt = overdue_per_person(today or clock.today())
    if len(ids) <= 1000:
        stmt = stmt.where(Enrollment.person_id.in_(ids))
    return {pid: n for pid, n in session.execute(stmt) if pid in ids}
