"""Deployment settings: defaults here, then instance/config.py, then the environment.

Settings that admins change at run time (weights, pass marks, SLAs) are data, not config.
"""

import os
from pathlib import Path


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
    CSV_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    # Lesson attachments: the largest file accepted, and where files live (outside the web
    # root; empty means instance/storage). Requests may be a little larger than a file.
    ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
    STORAGE_DIR = ""
    MAX_CONTENT_LENGTH = 52 * 1024 * 1024
    LANGUAGES = ("en", "zh_Hans_CN")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; sessions are versioned
    # Refuse to serve when the database is behind the migrations (see lms.schema).
    CHECK_SCHEMA = True
    # Outgoing e-mail. Without SMTP_HOST mail stays in the outbox (admins read it in the app).
    SMTP_HOST = ""
    SMTP_PORT = 587
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_FROM = "academy@localhost"
    SMTP_STARTTLS = True
    SMTP_TIMEOUT = 20
    # The site's address as people reach it, for links in e-mail sent outside a request.
    PUBLIC_URL = ""


def load_config(app, overrides: dict | None) -> None:
    """Fill app.config: class defaults, instance/config.py, the environment, then overrides."""
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    for key in ("SECRET_KEY", "REDIS_URL", "STORAGE_DIR"):
        if os.environ.get(key):
            app.config[key] = os.environ[key]
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
