"""Service KPIs: definitions as data, values per person × period (file, command and API
imports), and their competency evidence."""

from flask import Flask

from lms.core.policy import register_all
from lms.kpis import (
    blueprint,
    cli,
    todo,  # noqa: F401  (home page to-do items: plan check-ins)
)
from lms.kpis import policy as kpis_policy


def init_app(app: Flask) -> None:
    """Register the package's pages, commands and permissions."""
    app.register_blueprint(blueprint.bp)
    register_all(kpis_policy.RULES)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
