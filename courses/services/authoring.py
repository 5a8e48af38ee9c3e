"""Authoring: course settings, the draft's modules and lessons, attachments, archive, and the
author right. Builds on the structure operations in courses.services.versions; callers own the
commit.
"""

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO

import filetype
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
from lms.competencies.models import Competency
from lms.core import audit, storage
from lms.core.errors import DomainError
from lms.core.i18n import ZH
from lms.paths.models import CertificationPath
from lms.people.models import Person

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
TITLE_MAX = 200
SUMMARY_MAX = 4000
BODY_MAX = 200_000
DUE_DAYS_MAX = 3650
FILENAME_MAX = 255

# Extension → (the type we serve it as, what content sniffing must find).
ATTACHMENT_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "pdf": ("application/pdf", frozenset({"pdf"})),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             frozenset({"pptx"})),
    "png": ("image/png", frozenset({"png", "apng"})),
    "jpg": ("image/jpeg", frozenset({"jpg"})),
    "jpeg": ("image/jpeg", frozenset({"jpg"})),
    "gif": ("image/gif", frozenset({"gif"})),
    "webp": ("image/webp", frozenset({"webp"})),
    "mp3": ("audio/mpeg", frozenset({"mp3"})),
    # An .m4a is an MP4 container; some encoders label it with the generic MP4 brands.
    "m4a": ("audio/mp4", frozenset({"m4a", "mp4"})),
    "mp4": ("video/mp4", frozenset({"mp4"})),
    "webm": ("video/webm", frozenset({"webm"})),
    "ogg": ("audio/ogg", frozenset({"ogg"})),
}
ALLOWED_LABEL = "PDF, PPTX, PNG, JPEG, GIF, WEBP, MP3, M4A, MP4, WEBM, OGG"
# Shown inline (embeddable in lessons); everything else is served as a download.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


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


def _text(value: str | None, field_name: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("This field is required."), field_name)
    if len(value) > max_length:
        raise DomainError(_("At most %(n)d characters.", n=max_length), field_name)
    return value


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
    title = _text(data.title, "title", TITLE_MAX, required=True)
    summary = _text(data.summary, "summary", SUMMARY_MAX)
    title_zh = _text(data.title_zh, "title_zh", TITLE_MAX)
    summary_zh = _text(data.summary_zh, "summary_zh", SUMMARY_MAX)
    if course is None:
        course = services.create_course(session, actor, code, title, summary, data.self_enrol)
        changes = {}
    else:
        changes = {name: [getattr(course, name), value] for name, value in (
            ("code", code), ("title", title), ("summary", summary),
            ("self_enrol", data.self_enrol)) if getattr(course, name) != value}
        course.code, course.title, course.summary = code, title, summary
        course.self_enrol = data.self_enrol
    course.set_translation(ZH, "title", title_zh)
    course.set_translation(ZH, "summary", summary_zh)
    set_paths(session, actor, course, data.paths)
    set_competencies(session, actor, course, data.competency_ids)
    set_prerequisites(session, actor, course, data.prerequisite_ids)
    session.flush()
    if changes:
        audit.record(actor, "course.update", course, changes=changes)
    return course


def set_paths(session, actor, course: Course, links: list[PathLink]) -> None:
    """Make `links` the tiers the course belongs to; an existing link keeps its position."""
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
    if archived:
        if course.status == "archived":
            raise DomainError(_("The course is already archived."))
        course.status = "archived"
    else:
        if course.status != "archived":
            raise DomainError(_("The course is not archived."))
        course.status = "published" if course.published_version else "draft"
    session.flush()
    audit.record(actor, "course.archive" if archived else "course.unarchive", course,
                 reason=reason)


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
                                 _text(title, "title", TITLE_MAX, required=True))
    module.set_translation(ZH, "title", _text(title_zh, "title_zh", TITLE_MAX))
    session.flush()
    return module


def rename_module(session, actor, module: CourseModule, title: str, title_zh: str = "") -> None:
    """Change a draft module's titles."""
    _require_draft(module.version)
    module.title = _text(title, "title", TITLE_MAX, required=True)
    module.set_translation(ZH, "title", _text(title_zh, "title_zh", TITLE_MAX))
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
    title = _text(data.title, "title", TITLE_MAX, required=True)
    title_zh = _text(data.title_zh, "title_zh", TITLE_MAX)
    if len(data.body or "") > BODY_MAX:
        raise DomainError(_("At most %(n)d characters.", n=BODY_MAX), "body")
    if lesson is None:
        lesson = services.add_lesson(session, actor, module, title, data.body or "",
                                     data.minutes)
    else:
        services.update_lesson(session, actor, lesson, title, data.body or "", data.minutes)
    lesson.set_translation(ZH, "title", title_zh)
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


def _clean_filename(filename: str) -> str:
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = stem[:FILENAME_MAX - len(ext) - 1] + dot + ext if dot else name[:FILENAME_MAX]
    return name


def _describe(kind) -> str:
    return kind.extension.upper() if kind is not None else _("unrecognised data")


def _extension(filename: str) -> str:
    """The allowed extension of `filename`, lower-cased; refuses every other."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension not in ATTACHMENT_TYPES:
        raise DomainError(_("Files of this type cannot be attached. Allowed types: "
                            "%(types)s.", types=ALLOWED_LABEL), "file")
    return extension


def attachment_type(filename: str, head: bytes) -> str:
    """The content type to store for an upload named `filename` starting with `head`.
    Refuses an empty file, a disallowed extension, and content that is not what the
    extension says (sniffed from the bytes, never from what the browser claims)."""
    extension = _extension(filename)
    if not head:
        raise DomainError(_("%(name)s is empty.", name=filename), "file")
    content_type, accepted = ATTACHMENT_TYPES[extension]
    kind = filetype.guess(head)
    if kind is None or kind.extension not in accepted:
        raise DomainError(_("%(name)s is named as a %(expected)s file, but its content is "
                            "%(actual)s. Upload the original file.", name=filename,
                            expected=extension.upper(), actual=_describe(kind)), "file")
    return content_type


def add_attachment(session, actor, lesson: Lesson, filename: str, stream: BinaryIO,
                   storage_dir: str, max_bytes: int) -> LessonAttachment:
    """Store an uploaded file and attach it to a draft lesson. Refuses files over
    `max_bytes`, empty ones, disallowed types and content that does not match the name."""
    _require_draft(lesson.module.version)
    name = _clean_filename(filename)
    if not name:
        raise DomainError(_("Choose a file to upload."), "file")
    _extension(name)  # refuse a wrong type before reading anything
    found: dict[str, str] = {}

    def check(head: bytes) -> None:
        found["type"] = attachment_type(name, head)

    try:
        stored = storage.store(storage_dir, stream, max_bytes, check_head=check)
    except storage.TooLarge:
        raise DomainError(_("%(name)s is larger than the %(limit)s MB allowed.", name=name,
                            limit=f"{max_bytes / 1024 / 1024:g}"), "file") from None
    attachment = LessonAttachment(filename=name, sha256=stored.sha256,
                                  content_type=found["type"], size=stored.size)
    lesson.attachments.append(attachment)
    session.flush()
    audit.record(actor, "course.attachment_add", lesson.module.version.course,
                 lesson=lesson.key, filename=name, sha256=stored.sha256, size=stored.size)
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
    return attachment.content_type in IMAGE_TYPES


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
