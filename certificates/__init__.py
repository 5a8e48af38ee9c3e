"""Certificates: rules engine, awards, PDF rendering, verification, expiry."""

from datetime import timedelta

from flask import Flask

from certificates import (
    blueprint,
    cli,
    panels,  # noqa: F401  (the standing panel of the path pages)
)
from certificates import policy as certificates_policy
from certificates.models import CertificationSettings
from certificates.services import (
    listeners,  # noqa: F401  (connects the engine)
    reminders,  # noqa: F401  (a reminder source)
    todo,  # noqa: F401  (home page to-do items)
)
from certificates.services.rules import latest_certificate
from lms.core.eligibility import Holding, register_certificate_reader
from lms.core.policy import register_all


def init_app(app: Flask) -> None:
    """Register the package's pages, commands and permissions."""
    app.register_blueprint(blueprint.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(certificates_policy.RULES)
    register_certificate_reader(read_holding)


def read_holding(session, person_id: int, path_id: int, today) -> Holding | None:
    """The person's latest certificate of the path for eligibility rules: valid today, and
    the day its recertification window opens (the path's settings)."""
    certificate = latest_certificate(session, person_id, path_id)
    if certificate is None:
        return None
    settings = session.get(CertificationSettings, path_id)
    window = settings.recert_window_days if settings is not None else 90
    return Holding(valid=certificate.expires_on >= today, expires_on=certificate.expires_on,
                   renew_from=certificate.expires_on - timedelta(days=window))
