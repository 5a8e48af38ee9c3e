"""The role-aware home page and the health check."""

from flask import Flask

from lms.home import blueprint


def init_app(app: Flask) -> None:
    """Register the package's pages."""
    app.register_blueprint(blueprint.bp)
