"""Mystery shoppers as their own programme: a checklist distinct from the 360 questionnaire,
visits scheduled monthly per team and answered through a one-time link, scored separately,
written to the KPI "mystery shopper score" and (where configured) fed to the 360 customer
group."""

from flask import Flask

from assessments.review360.mystery import blueprint, cli
from assessments.review360.mystery import policy as mystery_policy
from lms.core.policy import register_all


def init_app(app: Flask) -> None:
    """Register the package's pages, commands and permissions."""
    app.register_blueprint(blueprint.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(mystery_policy.RULES)
