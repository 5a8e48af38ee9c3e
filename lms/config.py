"""Deployment settings: defaults here, then instance/config.py, then the environment.

Settings that admins change at run time (weights, pass marks, SLAs) are data, not config.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import click


class Config:
    SECRET_KEY = "dev-only-change-me"
    SQLALCHEMY_DATABASE_URI = ""  # filled by load_config: DATABASE_URL or instance/lms.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 15000
    REDIS_URL = ""
    # Flask-Limiter keeps its counters here; Redis makes them shared by every worker.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    # Failed-login throttle: this many failures in the window lock the account / address.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    PASSWORD_RESET_MAX_AGE_SECONDS = 72 * 3600
    # The "set your password" link of the onboarding e-mail (one use, like reset links).
    FIRST_SIGN_IN_MAX_AGE_SECONDS = 7 * 24 * 3600
    CSV_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    # Lesson attachments: the largest file accepted, and where files live (outside the web
    # root; empty means instance/storage). Requests may be a little larger than a file.
    ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
    STORAGE_DIR = ""
    MAX_CONTENT_LENGTH = 52 * 1024 * 1024
    LANGUAGES = ("en", "zh_Hans_CN")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    # A session ends after this long without a request, and this long after sign-in however
    # busy; the cookie itself expires with the absolute lifetime.
    SESSION_IDLE_TIMEOUT_SECONDS = 8 * 3600
    SESSION_ABSOLUTE_LIFETIME_SECONDS = 7 * 24 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; sessions are versioned
    # Refuse to serve when the database is behind the migrations (see lms.core.schema).
    CHECK_SCHEMA = True
    # Outgoing e-mail. Without SMTP_HOST mail stays in the outbox (admins read it in the app).
    SMTP_HOST = ""
    SMTP_PORT = 587
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_FROM = "academy@localhost"
    SMTP_STARTTLS = True
    SMTP_TIMEOUT = 20
    # The site's address as people reach it (https://academy.example.com). Every absolute link
    # the app writes — badges, QR codes, e-mail, manifests, reset links — is built on it, never
    # on the request's Host header; required outside debug and testing.
    PUBLIC_URL = ""
    # Encrypts the Open Badges signing keys; empty means SECRET_KEY.
    BADGE_KEY_PASSPHRASE = ""
    # How many reverse proxies stand in front of the app and set X-Forwarded-For/-Proto.
    # 0 (the default) trusts no forwarded header: right when clients connect directly.
    TRUSTED_PROXIES = 0
    # xAPI: the Learning Record Store statements are sent to (its endpoint, ending in /xAPI/
    # or similar, and Basic credentials). Empty: no statements are recorded at all.
    XAPI_ENDPOINT = ""
    XAPI_USERNAME = ""
    XAPI_PASSWORD = ""


def load_config(app, overrides: dict | None) -> None:
    """Fill app.config: class defaults, instance/config.py, the environment, then overrides."""
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    for key in ("SECRET_KEY", "REDIS_URL", "STORAGE_DIR", "BADGE_KEY_PASSPHRASE",
                "XAPI_ENDPOINT", "XAPI_USERNAME", "XAPI_PASSWORD"):
        if os.environ.get(key):
            app.config[key] = os.environ[key]
    for key in ("TRUSTED_PROXIES", "SESSION_IDLE_TIMEOUT_SECONDS",
                "SESSION_ABSOLUTE_LIFETIME_SECONDS"):
        if os.environ.get(key):
            app.config[key] = _whole_number(key, os.environ[key])
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
    _load_smtp_environment(app.config)
    if os.environ.get("LMS_INSECURE_COOKIES") == "1":
        # Local HTTP demo only: browsers drop Secure cookies on http://127.0.0.1 in some setups.
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
    if overrides:
        app.config.update(overrides)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config["STORAGE_DIR"]:
        app.config["STORAGE_DIR"] = str(Path(app.instance_path) / "storage")
    # An upload of the largest allowed attachment, plus the form around it, must get through.
    app.config["MAX_CONTENT_LENGTH"] = max(
        app.config["MAX_CONTENT_LENGTH"], app.config["ATTACHMENT_MAX_BYTES"] + 1024 * 1024
    )
    if app.config["REDIS_URL"] and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        seconds=app.config["SESSION_ABSOLUTE_LIFETIME_SECONDS"])
    app.config["PUBLIC_URL"] = app.config["PUBLIC_URL"].strip().rstrip("/")
    _require_public_url(app)


class ConfigurationError(click.ClickException):
    """A deployment setting is missing or wrong; the message says which and what to set.
    (A ClickException so `flask …` commands print it as one line, not a traceback.)"""


def _whole_number(key: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigurationError(f"{key} must be a whole number (0 or more), not {text!r}.")
    return value


def _require_public_url(app) -> None:
    """Outside debug and testing the site must know its own address: links and signed
    badges are built on PUBLIC_URL, and a request's Host header is never trusted for them."""
    url = app.config["PUBLIC_URL"]
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
                or parts.fragment:
            raise ConfigurationError(
                f"PUBLIC_URL must be the site's address, such as https://academy.example.com, "
                f"not {url!r}.")
        return
    if not (app.debug or app.testing):
        raise ConfigurationError(
            "PUBLIC_URL is not set. Set it to the address people use to reach this site, "
            "e.g. PUBLIC_URL=https://academy.example.com: certificate links, QR codes, "
            "signed badges and e-mail are built on it (never on the request's Host header). "
            "scripts/demo.sh sets it to its local address.")


def _load_smtp_environment(config) -> None:
    for key in ("SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM", "PUBLIC_URL"):
        if os.environ.get(key):
            config[key] = os.environ[key]
    if os.environ.get("SMTP_PORT"):
        config["SMTP_PORT"] = int(os.environ["SMTP_PORT"])
    if os.environ.get("SMTP_STARTTLS"):
        config["SMTP_STARTTLS"] = os.environ["SMTP_STARTTLS"].strip().lower() in (
            "1", "true", "yes", "on")


def normalise_database_url(url: str) -> str:
    """Send plain postgres:// URLs to psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
