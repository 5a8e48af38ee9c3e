"""Certification paths (tiers) as data."""

from flask import Flask

from lms.core.policy import register_all
from lms.paths import blueprint
from lms.paths import policy as paths_policy


def init_app(app: Flask) -> None:
    """Register the package's pages and permissions."""
    app.register_blueprint(blueprint.bp)
    register_all(paths_policy.RULES)
