"""Course structure and versions: the operations authoring, imports and the seed share.

Authors edit the draft version (the highest-numbered, unpublished one); `publish` freezes it.
Callers own the commit.
"""

import hashlib
import uuid

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from courses.models import Course, CourseModule, CourseVersion, Lesson, LessonAttachment
from courses.services.path_rules import announce_changed_paths, required_faces
from lms.core import audit, clock
from lms.core.errors import DomainError

CODE_MAX = 40


def lesson_hash(title: str, body: str) -> str:
    """Fingerprint of a lesson's content: a change of title or text makes a new hash."""
    return hashlib.sha256(f"{title}\n\x00{body}".encode()).hexdigest()


def new_key() -> str:
    return str(uuid.uuid4())


def create_course(session, actor, code: str, title: str, summary: str = "",
                  self_enrol: bool = False) -> Course:
    """A new course with an empty draft version 1; refuses empty or duplicate codes."""
    code, title = code.strip(), title.strip()
    if not code or len(code) > CODE_MAX:
        raise DomainError(_("A course code of 1 to 40 characters is required."), "code")
    if not title:
        raise DomainError(_("Title is required."), "title")
    if session.scalar(select(Course.id).where(func.lower(Course.code) == code.lower())):
        raise DomainError(_("A course with code %(code)s already exists.", code=code), "code")
    course = Course(code=code, title=title, summary=summary.strip(), self_enrol=self_enrol)
    course.versions.append(CourseVersion(number=1))
    session.add(course)
    session.flush()
    audit.record(actor, "course.create", course, code=code)
    return course


def latest_version(session, course: Course) -> CourseVersion | None:
    return session.scalar(
        select(CourseVersion).where(CourseVersion.course_id == course.id)
        .order_by(CourseVersion.number.desc()).limit(1)
    )


def published(session, course: Course) -> CourseVersion | None:
    """The version learners read (with modules and lessons loaded), or None."""
    if not course.published_version:
        return None
    return session.scalar(
        select(CourseVersion)
        .where(CourseVersion.course_id == course.id,
               CourseVersion.number == course.published_version)
        .options(selectinload(CourseVersion.modules).selectinload(CourseModule.lessons))
    )


def draft(session, actor, course: Course) -> CourseVersion:
    """The draft to edit: the open one, or a fresh copy of the published version (keys kept,
    so learners' progress carries over to the next version)."""
    current = latest_version(session, course)
    if current is not None and current.is_draft:
        return current
    copy = CourseVersion(course=course, number=(current.number if current else 0) + 1)
    session.add(copy)  # before the copying loop, whose lazy loads autoflush
    if current is not None:
        for module in current.modules:
            new_module = CourseModule(key=module.key, title=module.title,
                                      position=module.position,
                                      translations=dict(module.translations or {}))
            for lesson in module.lessons:
                new_module.lessons.append(Lesson(
                    key=lesson.key, title=lesson.title, body=lesson.body,
                    minutes=lesson.minutes, position=lesson.position,
                    content_hash=lesson.content_hash,
                    translations=dict(lesson.translations or {}),
                    recomplete_from_version=lesson.recomplete_from_version,
                    # Files are stored by content, so the copy shares them.
                    attachments=[LessonAttachment(
                        filename=a.filename, sha256=a.sha256, content_type=a.content_type,
                        size=a.size) for a in lesson.attachments],
                ))
            copy.modules.append(new_module)
    session.flush()
    audit.record(actor, "course.draft", course, version=copy.number)
    return copy


def _require_draft(version: CourseVersion) -> None:
    if not version.is_draft:
        raise DomainError(_("Published versions cannot be changed; edit the draft instead."))


def add_module(session, actor, version: CourseVersion, title: str,
               key: str | None = None) -> CourseModule:
    """Append a module to a draft version."""
    _require_draft(version)
    if not title.strip():
        raise DomainError(_("Title is required."), "title")
    module = CourseModule(key=key or new_key(), title=title.strip(),
                          position=len(version.modules))
    version.modules.append(module)
    session.flush()
    return module


def add_lesson(session, actor, module: CourseModule, title: str, body: str, minutes: int,
               key: str | None = None) -> Lesson:
    """Append a lesson to a draft module; refuses an empty title or a duration outside
    1–600 minutes."""
    _require_draft(module.version)
    lesson = Lesson(key=key or new_key(), position=len(module.lessons))
    _set_lesson(lesson, title, body, minutes)
    module.lessons.append(lesson)
    session.flush()
    return lesson


def update_lesson(session, actor, lesson: Lesson, title: str, body: str, minutes: int) -> None:
    """Change a draft lesson's content."""
    _require_draft(lesson.module.version)
    _set_lesson(lesson, title, body, minutes)
    session.flush()


def _set_lesson(lesson: Lesson, title: str, body: str, minutes: int) -> None:
    if not title.strip():
        raise DomainError(_("Title is required."), "title")
    if not 1 <= minutes <= 600:
        raise DomainError(_("Estimated duration must be 1 to 600 minutes."), "minutes")
    lesson.title, lesson.body, lesson.minutes = title.strip(), body, minutes
    lesson.content_hash = lesson_hash(lesson.title, lesson.body)


def changed_lessons(session, course: Course, version: CourseVersion) -> list[Lesson]:
    """Lessons of `version` whose content differs from the published version's lesson with
    the same key (new lessons are not "changed": nobody has completed them)."""
    before = published(session, course)
    if before is None:
        return []
    old = {lesson.key: lesson.content_hash for m in before.modules for lesson in m.lessons}
    return [lesson for m in version.modules for lesson in m.lessons
            if lesson.key in old and old[lesson.key] != lesson.content_hash]


def publish(session, actor, course: Course, notes: str = "",
            recomplete_keys: frozenset[str] = frozenset()) -> CourseVersion:
    """Publish the draft. Learners keep their progress; for the changed lessons named in
    `recomplete_keys`, earlier completions stop counting (history is kept). Refuses an empty
    course and keys that are not changed lessons."""
    version = latest_version(session, course)
    if version is None or not version.is_draft:
        raise DomainError(_("There is no draft to publish."))
    lessons = [lesson for m in version.modules for lesson in m.lessons]
    if not lessons:
        raise DomainError(_("Add at least one lesson before publishing."))
    changed = {lesson.key: lesson for lesson in changed_lessons(session, course, version)}
    unknown = set(recomplete_keys) - set(changed)
    if unknown:
        raise DomainError(_("Only changed lessons can require re-completion."))
    for key in recomplete_keys:
        changed[key].recomplete_from_version = version.number
    version.published_at = clock.now()
    version.published_by_id = actor.id if actor is not None else None
    version.notes = notes
    before = required_faces(course)
    course.published_version = version.number
    if course.status == "draft":
        course.status = "published"
    session.flush()
    entry = audit.record(actor, "course.publish", course, version=version.number,
                         recomplete=sorted(recomplete_keys))
    # A course's first publication makes it count on the paths that require it.
    announce_changed_paths(session, actor, entry, course, before)
    return version
