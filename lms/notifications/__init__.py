"""Notifications: the in-app list, and e-mail through SMTP or the admin-readable outbox."""

from flask import Flask

from lms.core.policy import register_all
from lms.notifications import (
    blueprint,
    cli,
    todo,  # noqa: F401  (home page to-do items)
)
from lms.notifications import policy as notifications_policy


def init_app(app: Flask) -> None:
    """Register the package's pages, commands and permissions."""
    app.register_blueprint(blueprint.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(notifications_policy.RULES)
