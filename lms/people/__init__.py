"""People: accounts, roles, teams, authentication and CSV onboarding."""

from flask import Flask

from lms.core.policy import register_all
from lms.people import blueprint
from lms.people import policy as people_policy
from lms.people.names import team_name

# Imported for its flush listener: the stored reporting line follows every manager change.
from lms.people.services import reporting_line  # noqa: F401


def init_app(app: Flask) -> None:
    """Register the package's pages and permissions."""
    app.register_blueprint(blueprint.bp)
    register_all(people_policy.RULES)
    app.context_processor(lambda: {"team_name": team_name})

