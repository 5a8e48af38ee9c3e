"""360-degree evaluations: questionnaires, cycles, nominations, raters, aggregation."""

from flask import Flask

from assessments.review360 import blueprint, cli
from assessments.review360 import policy as review360_policy
from assessments.review360.kind import Review360Kind
from assessments.review360.services import (
    reminders,  # noqa: F401  (a reminder source)
    todo,  # noqa: F401  (home page to-do items)
)
from lms.core.kinds import register_kind
from lms.core.policy import register_all


def init_app(app: Flask) -> None:
    """Register the kind and the package's pages, commands and permissions."""
    register_kind(Review360Kind)
    app.register_blueprint(blueprint.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(review360_policy.RULES)
