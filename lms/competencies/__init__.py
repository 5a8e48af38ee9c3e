"""The competency framework: areas, competencies, the proficiency scale and the matrix."""

from flask import Flask

from lms.competencies import blueprint
from lms.competencies import policy as competencies_policy
from lms.core.policy import register_all


def init_app(app: Flask) -> None:
    """Register the package's pages and permissions."""
    app.register_blueprint(blueprint.bp)
    register_all(competencies_policy.RULES)
