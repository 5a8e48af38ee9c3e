"""The application factory: binds extensions, blueprints, error pages and CLI; nothing else."""

from importlib import import_module
from pathlib import Path

from flask import Flask, render_template, session
from flask_babel import format_date, format_datetime, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.middleware.proxy_fix import ProxyFix

from lms import cli as shell_cli
from lms.config import load_config
from lms.core import database, i18n, numbers, policy, urls
from lms.core.extensions import babel, csrf, db, limiter, login_manager
from lms.core.fonts import INSTALL_COMMAND
from lms.core.kinds import UnknownAssessmentKind, get_kind
from lms.core.pdf import MissingGlyphs
from lms.core.schema import MigrationCommands, SchemaOutOfDate, check_schema
from lms.people import signed_in
from lms.people.forms import ROLE_LABELS
from lms.people.models import ROLES, Person
from lms.system.services.alerts import report_missing_font
from lms.system.services.checks import font_problems

ROOT = Path(__file__).resolve().parent.parent

# Every package of the application, each registering its own pages, commands, permissions and
# (for assessments) kind through its `init_app`. Adding an assessment kind is one folder and
# one line here (docs/architecture.md); the order is the order of the navigation's blueprints.
PACKAGES = (
    "lms.home",
    "lms.people",
    "lms.competencies",
    "lms.paths",
    "lms.notifications",
    "lms.system",
    "lms.identity",
    "lms.kpis",
    "courses",
    "assessments.quiz",
    "assessments.roleplay",
    "assessments.review360",
    "assessments.review360.mystery",
    "assessments.scorm",
    "classroom",
    "certificates",
    "reports",
)

# A strict policy is affordable because every asset is vendored and no template inlines script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app. `config` overrides every other source (tests use it)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )
    load_config(app, config)
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        # Behind a reverse proxy the socket's address is the proxy's: without this everyone
        # would share one address (and one sign-in throttle). Only as many hops as are
        # configured are believed, so a client cannot forge X-Forwarded-For past them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = database.sqlite_engine_options(app.config["SQLITE_BUSY_TIMEOUT_MS"])
        options.update(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    db.init_app(app)
    app.cli.add_command(MigrationCommands(app))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "people.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)

    for name in app.config.get("PACKAGES", PACKAGES):
        import_module(name).init_app(app)
    _register_error_pages(app)
    _register_request_hooks(app)
    _register_template_helpers(app)

    for command in shell_cli.COMMANDS:
        app.cli.add_command(command)
    if not app.config["TESTING"]:
        _warn_about_fonts(app)
    return app


def _warn_about_fonts(app: Flask) -> None:
    """Log the scripts the PDF fonts cannot draw on this machine (fontconfig is asked once
    per process, a few milliseconds; `flask --app lms doctor` tells the whole story)."""

    problems = font_problems()
    missing = [found.script.key for found in problems if found.status == "missing"]
    standing_in = [f"{found.script.key} ({found.drawn_with})" for found in problems
                   if found.status == "fallback"]
    if missing:
        app.logger.warning("PDF fonts: nothing on this machine draws %s; documents with such "
                           "text are refused. Install the fonts: %s", ", ".join(missing),
                           INSTALL_COMMAND)
    if standing_in:
        app.logger.warning("PDF fonts: drawn with stand-in fonts: %s. Install the fonts: %s",
                           ", ".join(standing_in), INSTALL_COMMAND)




def _load_user(session_id: str):
    """Flask-Login loader: the session holds "id:version"; a stale version ends the session.
    One statement (the person and their roles), or none when the request already loaded the
    person (`lms.people.signed_in.offer`)."""
    parsed = signed_in.parse_session_id(session_id)
    if parsed is None:
        return None
    person_id, version = parsed
    person = signed_in.offered(person_id) or db.session.get(
        Person, person_id, options=[joinedload(Person.role_rows)])
    if person is None or not person.active or person.session_version != version:
        return None
    return person




def _register_error_pages(app: Flask) -> None:
    def page(code: int):
        def handler(error):
            return render_template(f"errors/{code}.html", error=error), code

        return handler

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, page(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/csrf.html", error=error), 400

    @app.errorhandler(IntegrityError)
    def concurrent_change(error):
        # Two requests racing to create the same row (double-clicks, two tabs): the database's
        # unique constraints decide; the loser gets a page that says so, not a crash.
        db.session.rollback()
        return render_template("errors/409.html"), 409

    @app.errorhandler(MissingGlyphs)
    def missing_font(error):
        # Every PDF download ends here when its text needs a font the server lacks: the
        # person is told why, and the admins are told what to install (once a day a script).
        db.session.rollback()
        try:
            report_missing_font(db.session, error)
            db.session.commit()
        except IntegrityError:  # a concurrent refusal notified the admins first
            db.session.rollback()
        return render_template("errors/missing_font.html", message=error.message), 503

    @app.errorhandler(SchemaOutOfDate)
    def schema_error(error):
        return render_template("errors/schema.html", message=str(error)), 503


def _register_request_hooks(app: Flask) -> None:
    schema_ok = {"checked": not app.config["CHECK_SCHEMA"]}

    @app.before_request
    def refuse_out_of_date_schema():
        # Checked once per process; a deploy restarts the workers after `db upgrade`.
        if not schema_ok["checked"]:
            check_schema(db.engine)
            schema_ok["checked"] = True

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if session.get("_user_id"):
            # Personal pages must not be served from a cache after sign-out (Back button).
            # Read from the session cookie, not current_user: after a view's commit the
            # person is expired and touching it would open a second transaction (on SQLite,
            # another wait for the write lock) on every signed-in POST.
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def _kind_label(key: str) -> str:
    """An assessment kind's label; pages survive a kind whose package is not installed."""
    try:
        return str(get_kind(key).label)
    except UnknownAssessmentKind:
        return gettext("%(kind)s (not installed)", kind=key)


def _join_list(items) -> str:
    """A list for running text: "a, b" in English, "a、b" in Chinese (the enumeration comma)."""
    separator = "、" if i18n.current_language().startswith("zh") else ", "
    return separator.join(str(item) for item in items)


def _register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def helpers():
        return {
            "kind_label": _kind_label,
            "role_labels": lambda person: [ROLE_LABELS[r] for r in ROLES if r in person.roles],
            "may": lambda action, obj=None: policy.may(current_user, action, obj),
            "language_names": i18n.LANGUAGE_NAMES,
            "public_url": urls.public_url,
            "current_language": i18n.current_language(),
        }

    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else ""
    )
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["join_words"] = _join_list
    # The one score format (lms.core.numbers): "86.7 %", pass mark "80 %", "1 point".
    app.jinja_env.filters["percent"] = numbers.display_percent
    app.jinja_env.filters["points"] = numbers.display_points
    app.jinja_env.filters["number"] = lambda value: (
        format_decimal(value) if value is not None else ""
    )
