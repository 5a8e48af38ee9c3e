"""Courses: catalogue, lessons, enrolment and progress (the training half of each path)."""

from flask import Flask

from courses import blueprint, cli, plan_panels  # noqa: F401  (improvement-plan panels)
from courses import policy as courses_policy
from courses.services import (
    plan_courses,  # noqa: F401  (improvement-plan practice)
    todo,  # noqa: F401  (home page to-do items)
)
from lms.core.policy import register_all


def init_app(app: Flask) -> None:
    """Register the package's pages, commands and permissions."""
    app.register_blueprint(blueprint.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(courses_policy.RULES)
