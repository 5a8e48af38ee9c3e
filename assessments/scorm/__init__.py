"""SCORM 1.2 and 2004 packages and xAPI (Tin Can) packages: upload, sandboxed playing with the
run-time API (SCORM) or the LMS's xAPI endpoint (xAPI), attempts kept per learner, lesson
completion and competency evidence from a completed attempt."""

from flask import Flask

from assessments.scorm import (  # noqa: F401  (lesson page links, course import page)
    blueprint,
    cli,
    course_import,
    lesson_links,
)
from assessments.scorm import policy as scorm_policy
from lms.core.policy import register_all


def init_app(app: Flask) -> None:
    """Register the package's pages, commands and permissions."""
    app.register_blueprint(blueprint.bp)
    app.register_blueprint(blueprint.xapi_bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(scorm_policy.RULES)
