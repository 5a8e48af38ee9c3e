"""System: the deployment checks behind the admin's System page and `flask --app lms doctor`,
and the admins' alert when a document is refused for a missing font."""

from flask import Flask

from lms.core.policy import register_all
from lms.system import blueprint, cli
from lms.system import policy as system_policy
from lms.system.services.organisation import organisation_name


def init_app(app: Flask) -> None:
    """Register the package's pages, commands and permissions."""
    app.register_blueprint(blueprint.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(system_policy.RULES)
    app.context_processor(lambda: {"organisation_name": organisation_name})
