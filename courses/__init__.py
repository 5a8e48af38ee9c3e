"""Courses: catalogue, lessons, enrolment and progress (the training half of each path)."""

from flask import Flask
from sqlalchemy import select

from courses import blueprint, cli, plan_panels  # noqa: F401  (improvement-plan panels)
from courses import policy as courses_policy
from courses.models import Course, Enrollment, PathCourse
from courses.services import (
    plan_courses,  # noqa: F401  (improvement-plan practice)
    todo,  # noqa: F401  (home page to-do items)
)
from lms.core.eligibility import register_training_reader
from lms.core.policy import register_all


def init_app(app: Flask) -> None:
    """Register the package's pages, commands and permissions."""
    app.register_blueprint(blueprint.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(courses_policy.RULES)
    register_training_reader(required_courses_done)


def required_courses_done(session, person_id: int, path_id: int) -> bool:
    """True when the person completed every required, published course of the path (the
    courses the certification rules ask for)."""
    missing = select(PathCourse.course_id).join(Course).where(
        PathCourse.path_id == path_id, PathCourse.required.is_(True),
        Course.status == "published", Course.published_version > 0,
        PathCourse.course_id.not_in(select(Enrollment.course_id).where(
            Enrollment.person_id == person_id, Enrollment.completed_at.is_not(None))))
    return session.scalar(missing.limit(1)) is None
