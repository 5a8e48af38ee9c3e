"""Writing a checked course folder to the database: a new course, or a new draft of one."""

import os
from collections import defaultdict, deque
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select

from courses.models import (
    Course,
    CourseCompetency,
    CourseModule,
    CoursePrerequisite,
    Lesson,
    PathCourse,
)
from courses.services.content_files.manifest import find_course, read_course_folder
from courses.services.content_files.specs import CourseSpec, ModuleSpec
from courses.services.path_rules import announce_changed_paths, required_faces
from courses.services.versions import create_course, draft, lesson_hash, new_key, publish
from lms.core import audit
from lms.core.i18n import ZH

STARTER_DIR = Path(__file__).resolve().parents[2] / "starter"
# In prerequisite order: each course may require the ones before it.
STARTER_COURSES = ("nh-basics", "sr-specialist", "mgr-lead", "svc-first")


def import_course(session, actor, path: str | os.PathLike, publish_now: bool = False) -> Course:
    """Import a course folder or .zip: a new course, or the draft of the course with the same
    code (modules and lessons matched by title, in order, so their keys and learners' progress
    carry over). With `publish_now` the draft is published. Nothing is written unless the
    whole folder is valid."""
    spec = read_course_folder(session, path)
    course = find_course(session, spec.code)
    before = {} if course is None else required_faces(course)
    if course is None:
        course = create_course(session, actor, spec.code, spec.title, spec.summary,
                               spec.self_enrol)
    else:
        course.title, course.summary = spec.title, spec.summary
        course.self_enrol = spec.self_enrol
    course.set_translation(ZH, "title", spec.title_zh)
    course.set_translation(ZH, "summary", spec.summary_zh)
    _set_links(session, course, spec)
    version = draft(session, actor, course)
    _sync_structure(session, version, spec.modules)
    entry = audit.record(actor, "course.import", course, version=version.number,
                         lessons=sum(len(m.lessons) for m in spec.modules))
    # Its tiers and titles as the paths' rules quote them; publishing announces its own part.
    announce_changed_paths(session, actor, entry, course, before)
    if publish_now:
        publish(session, actor, course, notes=_("Imported from files."))
    return course


def _set_links(session, course: Course, spec: CourseSpec) -> None:
    course.competency_links = _kept_and_added(
        course.competency_links, "competency_id", [c.id for c in spec.competencies],
        lambda competency_id: CourseCompetency(competency_id=competency_id))

    tiers = {tier.path.id: tier for tier in spec.tiers}
    course.path_links = [link for link in course.path_links if link.path_id in tiers]
    links = {link.path_id: link for link in course.path_links}
    for path_id, tier in tiers.items():
        link = links.get(path_id)
        if link is None:
            others = session.scalar(select(func.count()).select_from(PathCourse)
                                    .where(PathCourse.path_id == path_id))
            link = PathCourse(path_id=path_id, position=others or 0)
            course.path_links.append(link)
        link.required, link.due_days = tier.required, tier.due_days

    course.prerequisite_links = _kept_and_added(
        course.prerequisite_links, "requires_id", [c.id for c in spec.prerequisites],
        lambda requires_id: CoursePrerequisite(requires_id=requires_id))
    session.flush()


def _kept_and_added(links: list, key: str, wanted: list[int], make) -> list:
    """The links whose `key` is among `wanted`, in their order, then `make(id)` for each
    wanted id that has none."""
    wanted_ids = set(wanted)
    kept = [link for link in links if getattr(link, key) in wanted_ids]
    have = {getattr(link, key) for link in kept}
    return kept + [make(wanted_id) for wanted_id in wanted if wanted_id not in have]


def _sync_structure(session, version, modules: list[ModuleSpec]) -> None:
    """Make the draft's modules and lessons those of `modules`, reusing the existing ones
    (and their keys and attachments) whose titles match, in order."""
    old_modules: dict[str, deque] = defaultdict(deque)
    old_lessons: dict[str, deque] = defaultdict(deque)
    for module in version.modules:
        old_modules[module.title].append(module)
        for lesson in module.lessons:
            old_lessons[lesson.title].append(lesson)
    new_modules = []
    for m_position, m_spec in enumerate(modules):
        module = (old_modules[m_spec.title].popleft() if old_modules[m_spec.title]
                  else CourseModule(key=new_key(), title=m_spec.title))
        module.position = m_position
        module.set_translation(ZH, "title", m_spec.title_zh)
        lessons = []
        for l_position, l_spec in enumerate(m_spec.lessons):
            lesson = (old_lessons[l_spec.title].popleft() if old_lessons[l_spec.title]
                      else Lesson(key=new_key()))
            lesson.title, lesson.body, lesson.minutes = l_spec.title, l_spec.body, l_spec.minutes
            lesson.position = l_position
            lesson.content_hash = lesson_hash(lesson.title, lesson.body)
            lesson.set_translation(ZH, "title", l_spec.title_zh)
            lesson.set_translation(ZH, "body", l_spec.body_zh)
            lessons.append(lesson)
        module.lessons = lessons
        new_modules.append(module)
    version.modules = new_modules
    session.flush()


def import_starter_courses(session, actor=None) -> list[Course]:
    """Import and publish the starter courses shipped in courses/starter/."""
    return [import_course(session, actor, STARTER_DIR / name, publish_now=True)
            for name in STARTER_COURSES]
