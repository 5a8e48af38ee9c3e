"""Course fixtures: a private storage directory per test and a course builder."""

import pytest

from lms.core.extensions import db as _db

SMALL_LIMIT = 64 * 1024


@pytest.fixture
def app_config(app_config, tmp_path):
    """Attachments go to this test's own folder; the size limit is small so tests can
    exceed it cheaply."""
    return {**app_config, "STORAGE_DIR": str(tmp_path / "storage"),
            "ATTACHMENT_MAX_BYTES": SMALL_LIMIT}


@pytest.fixture
def make_course(app):
    """make_course(code, lessons=("Intro",), publish=False, **settings) -> Course with one
    module holding `lessons`, committed (published as version 1 when asked)."""
    from courses.services import authoring
    from courses.services import versions as services

    def make(code="CS-101", lessons=("Greeting customers",), publish=False, actor=None,
             **settings):
        data = authoring.CourseData(code=code, title=settings.pop("title", f"Course {code}"),
                                    **settings)
        course = authoring.save_course(_db.session, actor, None, data)
        module = authoring.add_module(_db.session, actor, course, "Module one")
        for title in lessons:
            authoring.save_lesson(_db.session, actor, module, None, authoring.LessonData(
                title=title, body=f"# {title}\n\nSay hello.", minutes=5))
        if publish:
            services.publish(_db.session, actor, course, "first")
        _db.session.commit()
        return course

    return make
