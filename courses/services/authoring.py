"""Authoring: course settings, the draft's modules and lessons, attachments, archive, and the
author right. Builds on the structure operations in courses.services.versions; callers own the
commit.
"""

import re
from dataclasses import dataclass, field
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import with_expression

from courses.models import (
    COURSE_STATES,
    Course,
    CourseCompetency,
    CourseModule,
    CoursePrerequisite,
    CourseVersion,
    Lesson,
    LessonAttachment,
    PathCourse,
)
from courses.services import versions as services
from courses.services.path_rules import announce_changed_paths, required_faces
from lms.competencies.models import Competency
from lms.core import audit, uploads
from lms.core.errors import DomainError
from lms.core.i18n import ZH
from lms.core.validation import clean_text
from lms.paths.models import CertificationPath
from lms.people.models import Person

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
TITLE_MAX = 200
SUMMARY_MAX = 4000
BODY_MAX = 200_000
DUE_DAYS_MAX = 3650


@dataclass
class PathLink:
    """The course belongs to a tier's training: required or optional, due N days after the
    path enrols someone (None: no due date)."""

    path_id: int
    required: bool = True
    due_days: int | None = None


@dataclass
class CourseData:
    """A course's settings (not its content), as plain values."""

    code: str
    title: str
    title_zh: str = ""
    summary: str = ""
    summary_zh: str = ""
    self_enrol: bool = False
    paths: list[PathLink] = field(default_factory=list)
    competency_ids: list[int] = field(default_factory=list)
    prerequisite_ids: list[int] = field(default_factory=list)


@dataclass
class LessonData:
    title: str
    body: str = ""
    minutes: int = 10
    title_zh: str = ""
    body_zh: str = ""


# Listing


def course_list_query(query: str = "", status: str = ""):
    """A statement for courses matching `query` (code, title or summary) and `status`, each
    with `has_draft` loaded (whether it has an unpublished draft); ordered by code."""
    has_draft = exists().where(
        CourseVersion.course_id == Course.id, CourseVersion.published_at.is_(None)
    ).correlate(Course)
    # Refreshes courses already in the session too: an expression is loaded only with a row.
    stmt = (select(Course).options(with_expression(Course.has_draft, has_draft))
            .execution_options(populate_existing=True))
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Course.code).like(like),
                              func.lower(Course.title).like(like),
                              func.lower(Course.summary).like(like)))
    if status in COURSE_STATES:
        stmt = stmt.where(Course.status == status)
    return stmt.order_by(Course.code)


# Settings


def _code(session, code: str, course: Course | None) -> str:
    code = (code or "").strip()
    if not code or len(code) > services.CODE_MAX or not CODE_PATTERN.match(code):
        raise DomainError(_("Course codes use letters, digits, dots, hyphens and underscores "
                            "(1 to 40 characters), for example NH-101."), "code")
    clash = session.scalar(select(Course.id).where(func.lower(Course.code) == code.lower()))
    if clash is not None and (course is None or clash != course.id):
        raise DomainError(_("A course with code %(code)s already exists.", code=code), "code")
    return code


def save_course(session, actor, course: Course | None, data: CourseData) -> Course:
    """Create a course (with an empty draft) or change its settings: texts, self-enrolment,
    tiers, competencies and prerequisites. Refuses duplicate codes, unknown tiers or
    competencies, and prerequisite loops."""
    code = _code(session, data.code, course)
    title = clean_text(data.title, "title", TITLE_MAX, required=True)
    summary = clean_text(data.summary, "summary", SUMMARY_MAX)
    title_zh = clean_text(data.title_zh, "title_zh", TITLE_MAX)
    summary_zh = clean_text(data.summary_zh, "summary_zh", SUMMARY_MAX)
    # What the paths' rules quote of the course before the edit (a new one: nothing).
    before = {} if course is None else required_faces(course)
    if course is None:
        course = services.create_course(session, actor, code, title, summary, data.self_enrol)
        changes = {}
    else:
        was = {"code": course.code, "title": course.title, "summary": course.summary,
               "self_enrol": course.self_enrol,
               "title_zh": course.translation("title", ZH) or ""}
        changes = {name: [was[name], value] for name, value in (
            ("code", code), ("title", title), ("summary", summary),
            ("self_enrol", data.self_enrol), ("title_zh", title_zh)) if was[name] != value}
        course.code, course.title, course.summary = code, title, summary
        course.self_enrol = data.self_enrol
    course.set_translation(ZH, "title", title_zh)
    course.set_translation(ZH, "summary", summary_zh)
    links = set_paths(session, actor, course, data.paths)
    set_competencies(session, actor, course, data.competency_ids)
    set_prerequisites(session, actor, course, data.prerequisite_ids)
    session.flush()
    entry = None
    if changes:
        entry = audit.record(actor, "course.update", course, changes=changes)
    if links:
        entry = audit.record(actor, "course.paths", course, changes=links)
    if entry is not None:
        # The paths whose rules quote the course differently now (a required course added
        # or removed, its new code or title) have their people re-evaluated.
        announce_changed_paths(session, actor, entry, course, before)
    return course


def set_paths(session, actor, course: Course, links: list[PathLink]) -> dict[str, list]:
    """Make `links` the tiers the course belongs to; an existing link keeps its position.
    Returns what changed, {path code: [before, after]} with each side None (not linked) or
    {"required", "due_days"}; empty when nothing did."""
    wanted: dict[int, PathLink] = {}
    for link in links:
        if link.due_days is not None and not 1 <= link.due_days <= DUE_DAYS_MAX:
            raise DomainError(_("Days until due must be 1 to %(n)d, or empty.", n=DUE_DAYS_MAX),
                              "paths")
        wanted[link.path_id] = link
    known = set(session.scalars(
        select(CertificationPath.id).where(CertificationPath.id.in_(list(wanted)))))
    if set(wanted) - known:
        raise DomainError(_("That certification path does not exist."), "paths")
    current = {row.path_id: row for row in course.path_links}
    before = {path_id: _link_terms(row) for path_id, row in current.items()}
    for path_id, row in current.items():
        if path_id not in wanted:
            course.path_links.remove(row)
    for path_id, link in wanted.items():
        row = current.get(path_id)
        if row is None:
            last = session.scalar(
                select(func.max(PathCourse.position)).where(PathCourse.path_id == path_id))
            row = PathCourse(path_id=path_id, position=(last if last is not None else -1) + 1)
            course.path_links.append(row)
        row.required, row.due_days = link.required, link.due_days
    after = {row.path_id: _link_terms(row) for row in course.path_links}
    moved = sorted(path_id for path_id in set(before) | set(after)
                   if before.get(path_id) != after.get(path_id))
    if not moved:
        return {}
    codes = dict(session.execute(select(CertificationPath.id, CertificationPath.code)
                                 .where(CertificationPath.id.in_(moved))).all())
    return {codes.get(path_id, str(path_id)): [before.get(path_id), after.get(path_id)]
            for path_id in moved}


def _link_terms(row: PathCourse) -> dict:
    return {"required": bool(row.required), "due_days": row.due_days}


def set_competencies(session, actor, course: Course, competency_ids: list[int]) -> None:
    """Make `competency_ids` the competencies the course trains; new ones must be active."""
    wanted = set(competency_ids)
    current = {row.competency_id: row for row in course.competency_links}
    added = wanted - set(current)
    if added:
        active = set(session.scalars(select(Competency.id).where(
            Competency.id.in_(added), Competency.active.is_(True))))
        if added - active:
            raise DomainError(_("That competency does not exist or is deactivated."),
                              "competency_ids")
    for competency_id, row in current.items():
        if competency_id not in wanted:
            course.competency_links.remove(row)
    for competency_id in sorted(added):
        course.competency_links.append(CourseCompetency(competency_id=competency_id))


def prerequisite_loop(session, course_id: int | None, requires_ids: list[int]) -> list[int]:
    """The ids of the loop (from `course_id` back to it) that letting the course require
    `requires_ids` would close, or [] when there is none."""
    if course_id is None:
        return []
    graph: dict[int, set[int]] = {}
    for source, target in session.execute(
            select(CoursePrerequisite.course_id, CoursePrerequisite.requires_id)):
        if source != course_id:  # the course's own links are being replaced
            graph.setdefault(source, set()).add(target)
    for start in sorted(set(requires_ids)):
        if start == course_id:
            return [course_id, course_id]
        came_from: dict[int, int | None] = {start: None}
        queue = [start]
        while queue:
            node = queue.pop(0)
            for target in sorted(graph.get(node, ())):
                if target in came_from:
                    continue
                came_from[target] = node
                if target == course_id:
                    chain = [target]
                    while came_from[chain[-1]] is not None:
                        chain.append(came_from[chain[-1]])
                    return [course_id, *reversed(chain)]
                queue.append(target)
    return []


def set_prerequisites(session, actor, course: Course, requires_ids: list[int]) -> None:
    """Make `requires_ids` the courses to complete before this one; refuses the course itself
    and any loop, naming it (A → B → A)."""
    wanted = set(requires_ids)
    if course.id in wanted:
        raise DomainError(_("A course cannot be its own prerequisite."), "prerequisite_ids")
    known = {c.id: c for c in session.scalars(select(Course).where(Course.id.in_(wanted)))}
    if wanted - set(known):
        raise DomainError(_("That course does not exist."), "prerequisite_ids")
    loop = prerequisite_loop(session, course.id, sorted(wanted))
    if loop:
        codes = {c.id: c.code for c in session.scalars(select(Course).where(Course.id.in_(loop)))}
        raise DomainError(
            _("These prerequisites would make a loop: %(loop)s. A course cannot require a "
              "course that (in turn) requires it.", loop=" → ".join(codes[i] for i in loop)),
            "prerequisite_ids")
    current = {row.requires_id: row for row in course.prerequisite_links}
    for requires_id, row in current.items():
        if requires_id not in wanted:
            course.prerequisite_links.remove(row)
    for requires_id in sorted(wanted - set(current)):
        course.prerequisite_links.append(
            CoursePrerequisite(course_id=course.id, requires=known[requires_id]))


def set_archived(session, actor, course: Course, archived: bool, reason: str = "") -> None:
    """Archive a course (hidden from the catalogue, no new enrolments; learners keep their
    history) or bring it back as published (or draft when never published)."""
    before = required_faces(course)
    if archived:
        if course.status == "archived":
            raise DomainError(_("The course is already archived."))
        course.status = "archived"
    else:
        if course.status != "archived":
            raise DomainError(_("The course is not archived."))
        course.status = "published" if course.published_version else "draft"
    session.flush()
    entry = audit.record(actor, "course.archive" if archived else "course.unarchive", course,
                         reason=reason)
    # An archived course no longer counts towards the paths that require it.
    announce_changed_paths(session, actor, entry, course, before)


# The draft


def current_draft(session, course: Course) -> CourseVersion | None:
    """The open draft, or None when the latest version is published."""
    version = services.latest_version(session, course)
    return version if version is not None and version.is_draft else None


def discard_draft(session, actor, course: Course) -> None:
    """Throw away the open draft of a published course (the published version stays)."""
    version = current_draft(session, course)
    if version is None:
        raise DomainError(_("There is no draft to discard."))
    if not course.published_version:
        raise DomainError(_("A course that was never published has only its draft; archive "
                            "it instead."))
    course.versions.remove(version)
    session.flush()
    audit.record(actor, "course.discard_draft", course, version=version.number)


def _require_draft(version: CourseVersion) -> None:
    if not version.is_draft:
        raise DomainError(_("Published versions cannot be changed; edit the draft instead."))


def _renumber(items: list) -> None:
    for position, item in enumerate(items):
        item.position = position


def _move(items: list, item, offset: int) -> list:
    """`items` with `item` moved `offset` places (clamped at either end)."""
    items = list(items)
    index = items.index(item)
    target = max(0, min(len(items) - 1, index + offset))
    items.insert(target, items.pop(index))
    return items


def add_module(session, actor, course: Course, title: str, title_zh: str = "") -> CourseModule:
    """Append a module to the course's draft (refused when there is none)."""
    version = current_draft(session, course)
    if version is None:
        raise DomainError(_("Start a new draft before changing the content."))
    module = services.add_module(session, actor, version,
                                 clean_text(title, "title", TITLE_MAX, required=True))
    module.set_translation(ZH, "title", clean_text(title_zh, "title_zh", TITLE_MAX))
    session.flush()
    return module


def rename_module(session, actor, module: CourseModule, title: str, title_zh: str = "") -> None:
    """Change a draft module's titles."""
    _require_draft(module.version)
    module.title = clean_text(title, "title", TITLE_MAX, required=True)
    module.set_translation(ZH, "title", clean_text(title_zh, "title_zh", TITLE_MAX))
    session.flush()


def delete_module(session, actor, module: CourseModule) -> None:
    """Remove a draft module with its lessons (published versions keep theirs)."""
    version = module.version
    _require_draft(version)
    version.modules.remove(module)
    _renumber(version.modules)
    session.flush()
    audit.record(actor, "course.module_delete", version.course, module=module.key,
                 title=module.title)


def move_module(session, actor, module: CourseModule, offset: int) -> None:
    """Move a draft module up (negative `offset`) or down."""
    version = module.version
    _require_draft(version)
    _renumber(_move(version.modules, module, offset))
    session.flush()
    session.expire(version, ["modules"])


def save_lesson(session, actor, module: CourseModule, lesson: Lesson | None,
                data: LessonData) -> Lesson:
    """Add a lesson to a draft module, or change a draft lesson; refuses an empty title, a
    duration outside 1–600 minutes and bodies beyond 200,000 characters."""
    title = clean_text(data.title, "title", TITLE_MAX, required=True)
    title_zh = clean_text(data.title_zh, "title_zh", TITLE_MAX)
    for name in ("body", "body_zh"):
        if len(getattr(data, name) or "") > BODY_MAX:
            raise DomainError(_("At most %(n)d characters.", n=BODY_MAX), name)
    if lesson is None:
        lesson = services.add_lesson(session, actor, module, title, data.body or "",
                                     data.minutes)
    else:
        services.update_lesson(session, actor, lesson, title, data.body or "", data.minutes)
    lesson.set_translation(ZH, "title", title_zh)
    lesson.set_translation(ZH, "body", data.body_zh or "")
    session.flush()
    return lesson


def delete_lesson(session, actor, lesson: Lesson) -> None:
    """Remove a lesson from the draft. Learners' completions of it are kept as history."""
    module = lesson.module
    _require_draft(module.version)
    module.lessons.remove(lesson)
    _renumber(module.lessons)
    session.flush()
    audit.record(actor, "course.lesson_delete", module.version.course, lesson=lesson.key,
                 title=lesson.title)


def move_lesson(session, actor, lesson: Lesson, offset: int) -> None:
    """Move a draft lesson up (negative `offset`) or down within its module."""
    module = lesson.module
    _require_draft(module.version)
    _renumber(_move(module.lessons, lesson, offset))
    session.flush()
    session.expire(module, ["lessons"])


@dataclass
class DraftChanges:
    """How a draft differs from the published version, by lesson key."""

    changed: list[Lesson]
    added: list[Lesson]
    removed: list[Lesson]


def draft_changes(session, course: Course, version: CourseVersion) -> DraftChanges:
    """Changed, new and removed lessons of `version` against the published version."""
    before = services.published(session, course)
    old = {lesson.key: lesson for m in (before.modules if before else []) for lesson in m.lessons}
    new = [lesson for m in version.modules for lesson in m.lessons]
    new_keys = {lesson.key for lesson in new}
    return DraftChanges(
        changed=services.changed_lessons(session, course, version),
        added=[lesson for lesson in new if lesson.key not in old],
        removed=[lesson for key, lesson in old.items() if key not in new_keys],
    )


# Attachments


def add_attachment(session, actor, lesson: Lesson, filename: str, stream: BinaryIO,
                   storage_dir: str, max_bytes: int) -> LessonAttachment:
    """Store an uploaded file and attach it to a draft lesson. Refuses files over
    `max_bytes`, empty ones, disallowed types and content that does not match the name."""
    _require_draft(lesson.module.version)
    upload = uploads.store_upload(storage_dir, filename, stream, max_bytes, uploads.ATTACHMENTS)
    attachment = LessonAttachment(filename=upload.filename, sha256=upload.sha256,
                                  content_type=upload.content_type, size=upload.size)
    lesson.attachments.append(attachment)
    session.flush()
    audit.record(actor, "course.attachment_add", lesson.module.version.course,
                 lesson=lesson.key, filename=upload.filename, sha256=upload.sha256,
                 size=upload.size)
    return attachment


def remove_attachment(session, actor, attachment: LessonAttachment) -> None:
    """Detach a file from a draft lesson. The stored file stays: published versions and
    other lessons may share it (files are stored once per content)."""
    lesson = attachment.lesson
    _require_draft(lesson.module.version)
    lesson.attachments.remove(attachment)
    session.flush()
    audit.record(actor, "course.attachment_remove", lesson.module.version.course,
                 lesson=lesson.key, filename=attachment.filename)


def is_image(attachment: LessonAttachment) -> bool:
    return attachment.content_type in uploads.IMAGE_TYPES


# The author right


def authors_and_candidates(session) -> tuple[list[Person], list[Person]]:
    """Active people who may author (admins, mentors with the right) and active mentors who
    may be given the right."""
    people = session.scalars(
        select(Person).where(Person.active.is_(True)).order_by(Person.name)).all()
    authors = [p for p in people if p.has_role("admin") or (p.has_role("mentor") and p.can_author)]
    candidates = [p for p in people
                  if p.has_role("mentor") and not p.has_role("admin") and not p.can_author]
    return authors, candidates


def set_author_right(session, actor, person: Person, allowed: bool) -> None:
    """Give or take a mentor's right to author courses. Refuses people who are not mentors
    (administrators always have it; other roles cannot author)."""
    if person.has_role("admin"):
        raise DomainError(_("Administrators can always author courses."))
    if allowed and not person.has_role("mentor"):
        raise DomainError(_("Only mentors can be given the right to author courses."))
    if person.can_author == allowed:
        return
    person.can_author = allowed
    session.flush()
    audit.record(actor, "person.author_right", person, allowed=allowed)


# Translations


@dataclass(frozen=True)
class TranslationStatus:
    """How much of a course version is written in another language."""

    language: str
    total: int
    translated: int
    missing: list[str]  # titles of the lessons (and modules) still lacking it


def translation_status(version: CourseVersion) -> list[TranslationStatus]:
    """Per other language: the lessons with their title and text in it, and what lacks it
    (the course itself and module titles count as items too)."""
    from lms.core.i18n import other_languages

    result = []
    for language in other_languages():
        items = [(version.course.title, version.course.untranslated(("title", "summary"),
                                                                    language))]
        for module in version.modules:
            items.append((module.title, module.untranslated(("title",), language)))
            items += [(lesson.title, lesson.untranslated(("title", "body"), language))
                      for lesson in module.lessons]
        missing = [title for title, gaps in items if gaps]
        result.append(TranslationStatus(language, len(items), len(items) - len(missing),
                                        missing))
    return result
