"""The three starter courses: they import cleanly, are real lessons (not placeholders), render
with their headings, carry Chinese titles, and the demo seed publishes them."""

import re

import pytest
from sqlalchemy import select

from courses.models import Course
from courses.services.content_files import (
    STARTER_COURSES,
    STARTER_DIR,
    course_files,
    import_starter_courses,
)
from courses.services.versions import published
from lms.core.markdown import render_markdown

ZH = "zh_Hans_CN"
EXPECTED = {
    "NH-BASICS": ("NEWHIRE", []),
    "SR-SPECIALIST": ("SENIOR", ["NH-BASICS"]),
    "MGR-LEAD": ("MANAGER", ["SR-SPECIALIST"]),
    "SVC-FIRST": (None, []),  # open to everyone (self-enrolment), required on no tier
}
HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)
WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")


@pytest.fixture
def starters(db, defaults):
    courses = import_starter_courses(db.session)
    db.session.commit()
    return {course.code: course for course in courses}


def lessons_of(db, course):
    return [lesson for module in published(db.session, course).modules
            for lesson in module.lessons]


def test_the_starter_courses_import_and_publish(db, starters):
    assert list(starters) == list(EXPECTED)
    for code, (tier, prerequisites) in EXPECTED.items():
        course = starters[code]
        version = published(db.session, course)
        assert course.status == "published" and version.number == 1
        assert len(version.modules) >= 3, code
        assert len(lessons_of(db, course)) >= (7 if tier else 6), code
        if tier is None:
            assert course.self_enrol and not course.path_links
        else:
            [link] = course.path_links
            assert (link.path.code, link.required) == (tier, True)
        assert [p.requires.code for p in course.prerequisite_links] == prerequisites
        assert len(course.competency_links) >= 5, code


def test_every_lesson_is_real_text_of_250_to_600_words(db, starters):
    for course in starters.values():
        for lesson in lessons_of(db, course):
            words = len(WORD.findall(lesson.body))
            assert 250 <= words <= 600, (course.code, lesson.title, words)
            assert "## Practice" in lesson.body, lesson.title  # each ends with an exercise
            assert not re.search(r"lorem|ipsum|TODO|TBD|placeholder", lesson.body, re.I)
            assert 1 <= lesson.minutes <= 600


def test_every_lesson_renders_with_its_headings(db, starters):
    for course in starters.values():
        for lesson in lessons_of(db, course):
            html = str(render_markdown(lesson.body))
            headings = HEADING.findall(lesson.body)
            assert headings, lesson.title
            assert len(re.findall(r"<h[1-6]>", html)) == len(headings), lesson.title
            assert "<script" not in html


def test_every_course_module_and_lesson_has_a_chinese_title(db, starters):
    for course in starters.values():
        assert course.translations[ZH]["title"] and course.translations[ZH]["summary"]
        for module in published(db.session, course).modules:
            assert module.translations[ZH]["title"], module.title
            for lesson in module.lessons:
                title = lesson.translations[ZH]["title"]
                assert any("\u4e00" <= ch <= "\u9fff" for ch in title), lesson.title


def test_the_domain_cases_and_figures_are_taught(db, starters):
    text = {code: " ".join(lesson.body for lesson in lessons_of(db, course))
            for code, course in starters.items()}
    assert "15" in text["NH-BASICS"] and "five product lines" in text["NH-BASICS"]
    for phrase in ("smart band", "loyalty-points", "four hours", "three service centres",
                   "listen, soothe, analyse, solve, follow up"):
        assert phrase in text["SR-SPECIALIST"].replace("\n", " ").lower(), phrase
    for figure in ("85 %", "5 %", "80 baseline, 90 excellent, 95 benchmark", "NPS", "1 %",
                   "Plan", "Check"):
        assert figure in text["MGR-LEAD"], figure
    # The seeds' service-first courseware, in our own words.
    for phrase in ("five values", "five times", "Service Star", "sixth step", "burnout",
                   "CSAT", "CES", "FCR", "NPS"):
        assert phrase in text["SVC-FIRST"], phrase


def test_exporting_a_starter_course_gives_back_the_shipped_folder(db, starters):
    for name, course in zip(STARTER_COURSES, starters.values(), strict=True):
        folder = STARTER_DIR / name
        shipped = {p.relative_to(folder).as_posix(): p.read_bytes()
                   for p in sorted(folder.rglob("*")) if p.is_file()}
        assert course_files(db.session, course) == shipped, name


def test_seed_demo_publishes_the_starter_courses(seed_demo_output, db):
    """On the session's demo template, which `seed-demo` built (tests/databases.py)."""
    assert "NH-BASICS, SR-SPECIALIST, MGR-LEAD" in seed_demo_output
    courses = db.session.scalars(select(Course).order_by(Course.id)).all()
    assert [c.code for c in courses] == list(EXPECTED)
    assert all(c.published_version == 1 for c in courses)


def test_every_lesson_has_its_chinese_text(db, starters):
    """The demo agent reading Chinese never meets an English lesson (lesson.zh_Hans.md)."""
    for course in starters.values():
        for lesson in lessons_of(db, course):
            body = (lesson.translations or {}).get("zh_Hans_CN", {}).get("body", "")
            assert len(re.findall(r"[\u4e00-\u9fff]", body)) > 400, lesson.title
            assert "## 练习" in body, lesson.title
            assert body.count("\n## ") == lesson.body.count("\n## "), lesson.title
