"""The role-play assessment kind: scenarios, rubrics, submissions, grading queue, calibration."""

from flask import Flask

from assessments.roleplay import blueprint, cli
from assessments.roleplay import policy as roleplay_policy
from assessments.roleplay.kind import RoleplayKind
from assessments.roleplay.services import (
    plans,  # noqa: F401  (improvement-plan practice)
    todo,  # noqa: F401  (home page to-do items)
)
from lms.core.kinds import register_kind
from lms.core.policy import register_all


def init_app(app: Flask) -> None:
    """Register the kind and the package's pages, commands and permissions."""
    register_kind(RoleplayKind)
    app.register_blueprint(blueprint.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(roleplay_policy.RULES)
