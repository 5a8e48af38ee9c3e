"""Deployment checks: what a site needs and is easy to get wrong, checked on the machine.

The admin's System page and `flask --app lms doctor` run the same list: the PDF fonts per
script (through fontconfig, see `lms.core.fonts`), the database schema, SECRET_KEY and PUBLIC_URL
outside debug, a writable storage directory, Redis when REDIS_URL is set, the SMTP server
when SMTP_HOST is set. Packages add their own with `@deployment_check` (certificates adds
"a worker listens when batches wait"). A check returns results; it never changes settings.
"""

import os
import smtplib
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from lms.config import Config
from lms.core import fonts
from lms.core.extensions import db
from lms.core.schema import UPGRADE_COMMAND, current_revisions, head_revisions

STATUSES = ("ok", "warning", "failed", "skipped")
TIMEOUT_SECONDS = 5  # a network check that waits longer is reported as failed


@dataclass(frozen=True)
class CheckResult:
    """One line of the report: `status` is one of STATUSES; "failed" makes doctor exit 1."""

    area: str
    name: str
    status: str
    detail: str


DeploymentCheck = Callable[[Flask], list[CheckResult]]
_checks: list[DeploymentCheck] = []


def deployment_check(function: DeploymentCheck) -> DeploymentCheck:
    """Register a check for the System page and doctor (refuses a duplicate)."""
    if function in _checks:
        raise ValueError(f"deployment check {function.__name__} is already registered")
    _checks.append(function)
    return function


def run_checks(app: Flask) -> list[CheckResult]:
    """Every registered check's results (needs an app context), in registration order with
    the results of one area together."""
    results = [result for check in _checks for result in check(app)]
    first_seen = {}
    for index, result in enumerate(results):
        first_seen.setdefault(result.area, index)
    return sorted(results, key=lambda result: first_seen[result.area])


def status_labels() -> dict[str, str]:
    return {"ok": _("OK"), "warning": _("Warning"), "failed": _("Needs action"),
            "skipped": _("Not used")}


@deployment_check
def font_checks(app: Flask) -> list[CheckResult]:
    """One result per script the PDF font stack is meant to draw."""
    area = _("PDF fonts")
    results = []
    for found in fonts.script_coverage():
        script = found.script
        if found.status == "ok":
            detail = _("Drawn with %(font)s.", font=found.drawn_with)
        elif found.status == "fallback":
            detail = _("Drawn with %(fallback)s: %(font)s is not installed "
                       "(apt-get install %(package)s).", fallback=found.drawn_with,
                       font=script.font, package=script.package)
        else:
            detail = _("No installed font can draw it: documents with it are refused. Install "
                       "%(font)s (apt-get install %(package)s).", font=script.font,
                       package=script.package)
        status = {"ok": "ok", "fallback": "warning", "missing": "failed"}[found.status]
        results.append(CheckResult(area, str(script.label), status, detail))
    return results


@deployment_check
def schema_check(app: Flask) -> list[CheckResult]:
    area, name = _("Database"), _("Schema")
    try:
        current = current_revisions(db.engine)
    except SQLAlchemyError as error:
        return [CheckResult(area, name, "failed",
                            _("The database does not answer: %(error)s", error=_first_line(error)))]
    heads = head_revisions()
    if current == heads:
        return [CheckResult(area, name, "ok", _("Up to date (%(revision)s).",
                                                revision=", ".join(sorted(heads))))]
    return [CheckResult(area, name, "failed", _(
        "Out of date (database: %(current)s; code: %(heads)s). Run %(command)s.",
        current=", ".join(sorted(current)) or _("no schema"), heads=", ".join(sorted(heads)),
        command=UPGRADE_COMMAND))]


@deployment_check
def settings_check(app: Flask) -> list[CheckResult]:
    """SECRET_KEY and PUBLIC_URL: required outside debug mode."""
    area = _("Settings")
    if app.debug:
        skipped = _("Debug mode: not required.")
        return [CheckResult(area, "SECRET_KEY", "skipped", skipped),
                CheckResult(area, "PUBLIC_URL", "skipped", skipped)]
    key = app.config.get("SECRET_KEY") or ""
    if not key or key == Config.SECRET_KEY:
        secret = CheckResult(area, "SECRET_KEY", "failed", _(
            "Not set: sessions can be forged. Set SECRET_KEY to a long random value."))
    elif len(key) < 32:
        secret = CheckResult(area, "SECRET_KEY", "warning", _(
            "Shorter than 32 characters; a long random value is safer."))
    else:
        secret = CheckResult(area, "SECRET_KEY", "ok", _("Set."))
    url = app.config.get("PUBLIC_URL") or ""
    if not url:
        public = CheckResult(area, "PUBLIC_URL", "failed", _(
            "Not set: links in e-mail sent by commands and jobs have no address."))
    elif not url.startswith(("https://", "http://")):
        public = CheckResult(area, "PUBLIC_URL", "failed", _(
            "%(url)s is not an http:// or https:// address.", url=url))
    else:
        public = CheckResult(area, "PUBLIC_URL", "ok", url)
    return [secret, public]


@deployment_check
def storage_check(app: Flask) -> list[CheckResult]:
    """The storage directory exists (or can be made) and takes a file."""
    area, name = _("Storage"), "STORAGE_DIR"
    directory = Path(app.config["STORAGE_DIR"])
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".doctor-") as probe:
            probe.write(b"ok")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        return [CheckResult(area, name, "failed", _("%(path)s is not writable: %(error)s",
                                                    path=directory, error=error))]
    return [CheckResult(area, name, "ok", _("%(path)s is writable.", path=directory))]


@deployment_check
def redis_check(app: Flask) -> list[CheckResult]:
    area, name = _("Background jobs"), "REDIS_URL"
    url = app.config.get("REDIS_URL")
    if not url:
        return [CheckResult(area, name, "skipped", _(
            "REDIS_URL is empty: batches run in the web process and rate limits count per "
            "process."))]
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        connection = Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS,
                                    socket_timeout=TIMEOUT_SECONDS)
        connection.ping()
        version = connection.info("server").get("redis_version", "?")
    except (RedisError, OSError) as error:
        return [CheckResult(area, name, "failed", _("Redis does not answer: %(error)s",
                                                    error=_first_line(error)))]
    return [CheckResult(area, name, "ok", _("Redis %(version)s answers.", version=version))]


@deployment_check
def smtp_check(app: Flask) -> list[CheckResult]:
    """Connects, says hello, starts TLS and signs in as delivery would; sends nothing."""
    area, name = _("Outgoing e-mail"), "SMTP_HOST"
    config = app.config
    if not config.get("SMTP_HOST"):
        return [CheckResult(area, name, "skipped", _(
            "SMTP_HOST is empty: e-mail stays in the outbox for admins to read."))]
    where = f"{config['SMTP_HOST']}:{config['SMTP_PORT']}"
    timeout = min(float(config.get("SMTP_TIMEOUT") or TIMEOUT_SECONDS), TIMEOUT_SECONDS)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]),
                          timeout=timeout) as smtp:
            smtp.ehlo()
            if config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.noop()
    except (OSError, smtplib.SMTPException) as error:
        return [CheckResult(area, name, "failed", _("%(server)s: %(error)s", server=where,
                                                    error=_first_line(error)))]
    return [CheckResult(area, name, "ok", _("Connected to %(server)s.", server=where))]


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:300]


def font_problems() -> list[fonts.ScriptCoverage]:
    """The scripts the PDF fonts do not draw with their own font here (missing or standing
    in), for the start-up warning."""
    return [found for found in fonts.script_coverage() if found.status != "ok"]
