"""Identity: signing in with the company's identity provider (OpenID Connect), and SCIM 2.0
provisioning that keeps people and teams in sync with HR."""

from flask import Flask

from lms.core.policy import register_all
from lms.identity import blueprint, models  # noqa: F401  (models: the tables exist for Alembic)
from lms.identity import policy as identity_policy


def init_app(app: Flask) -> None:
    """Register the package's pages, permissions and the sign-in page's provider buttons."""
    app.register_blueprint(blueprint.bp)
    app.register_blueprint(blueprint.scim_bp)
    register_all(identity_policy.RULES)
    app.context_processor(blueprint.sign_in_options)
