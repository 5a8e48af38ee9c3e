"""Certificates: rules engine, awards, PDF rendering, verification, expiry."""

from flask import Flask

from certificates import blueprint, cli
from certificates import policy as certificates_policy
from certificates.services import (
    listeners,  # noqa: F401  (connects the engine)
    reminders,  # noqa: F401  (a reminder source)
    todo,  # noqa: F401  (home page to-do items)
)
from lms.core.policy import register_all


def init_app(app: Flask) -> None:
    """Register the package's pages, commands and permissions."""
    app.register_blueprint(blueprint.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(certificates_policy.RULES)
