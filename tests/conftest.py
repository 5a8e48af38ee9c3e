"""Fixtures: app, client, runner, db and factories; each test on a clean database.

SQLite (default): a fresh database file per test. PostgreSQL (DATABASE_URL=postgresql://…):
one throwaway database per test session, emptied between tests.
"""

import os
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import make_url

from lms import clock, create_app
from lms.config import normalise_database_url
from lms.extensions import db as _db
from lms.people import models as people_models
from lms.people.services import PersonData, create_person

PASSWORD = "correct-horse-battery"
POSTGRES_URL = normalise_database_url(os.environ.get("DATABASE_URL", ""))
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def postgres_database():
    """A throwaway PostgreSQL database for this test session (None on SQLite)."""
    if not ON_POSTGRES:
        yield None
        return
    admin_url = make_url(POSTGRES_URL)
    name = f"lms_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    schema_made = {"done": False}
    yield url, schema_made
    with admin.connect() as connection:
        connection.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
        ), {"name": name})
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def database_url(postgres_database, tmp_path):
    if postgres_database is None:
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return postgres_database[0]


@pytest.fixture
def app_config(database_url):
    """Overrides for create_app; tests may add keys before `app` is built."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "CHECK_SCHEMA": False,
        "REDIS_URL": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "localhost",
    }


@pytest.fixture(autouse=True)
def _fast_passwords(monkeypatch):
    # scrypt is deliberately slow; tests hash hundreds of passwords.
    monkeypatch.setattr(people_models, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture(autouse=True)
def _reset_clock():
    yield
    clock.freeze(None)


class FreshContextClient(FlaskClient):
    """Runs every request in its own app context, as a real server does.

    Tests hold an app context open for their own db.session; without this, requests would
    share it (and `g`, where Flask-Login caches the user) with the test and with each other.
    After the request the test's session forgets what it had loaded, so the next read sees
    what the request committed.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():  # the test's own context (absent in worker threads)
            _db.session.rollback()
        return response


@pytest.fixture
def app(app_config, postgres_database):
    app = create_app(app_config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        if postgres_database is None:
            _db.create_all()
        else:
            _, schema_made = postgres_database
            if not schema_made["done"]:
                _db.create_all()
                schema_made["done"] = True
        yield app
        _db.session.remove()
        if postgres_database is not None:
            tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
            with _db.engine.begin() as connection:
                connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        _db.engine.dispose()


@pytest.fixture
def make_app(app):
    """make_app(config) -> another app on the same database (a second worker, other settings);
    its connections are closed after the test."""
    made = []

    def make(config: dict):
        extra = create_app(config)
        extra.test_client_class = FreshContextClient
        made.append(extra)
        return extra

    yield make
    for extra in made:
        with extra.app_context():
            _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def defaults(app):
    """The default scale, framework, paths and matrix; returns paths by code."""
    from lms.defaults import install_defaults

    paths = install_defaults(_db.session)
    _db.session.commit()
    return paths


@pytest.fixture
def make_team(app):
    from lms.people.services import save_team

    def make(name: str | None = None, parent_id: int | None = None):
        team = save_team(_db.session, None, None, name or f"Team {uuid.uuid4().hex[:6]}", "",
                         parent_id)
        _db.session.commit()
        return team

    return make


@pytest.fixture
def make_person(app):
    """make_person(roles=("agent",), **fields) -> Person, committed, password PASSWORD."""
    counter = {"n": 0}

    def make(roles=("agent",), name=None, password=PASSWORD, **fields):
        counter["n"] += 1
        n = counter["n"]
        data = PersonData(
            employee_id=fields.pop("employee_id", f"T{n:05d}"),
            name=name or f"Person {n}",
            email=fields.pop("email", f"person{n}@example.com"),
            roles=tuple(roles),
            hire_date=fields.pop("hire_date", date(2026, 1, 5)),
            **fields,
        )
        person = create_person(_db.session, None, data, password)
        _db.session.commit()
        return person

    return make


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, person_or_login, password=PASSWORD):
        login = getattr(person_or_login, "email", person_or_login)
        return self.client.post("/login", data={"login": login, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


class QueryCounter:
    """Counts the SQL statements sent while active (BEGIN/SAVEPOINT excluded)."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._hit)

    def _hit(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            self.count += 1


@pytest.fixture
def count_queries(db):
    """count_queries() -> a context manager whose .count is the statements sent inside."""
    return lambda: QueryCounter(db.engine)


DEJAVU_DIR = "/usr/share/fonts/truetype/dejavu"


@pytest.fixture
def only_dejavu_fonts(tmp_path, monkeypatch):
    """fontconfig (and so the PDF font check and WeasyPrint) sees DejaVu alone, as on a
    machine where nobody installed the Noto fonts: a FONTCONFIG_FILE listing one folder."""
    assert os.path.isdir(DEJAVU_DIR), "fonts-dejavu-core is needed for this test"
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n'
                    '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                    f"<fontconfig><dir>{DEJAVU_DIR}</dir>"
                    f"<cachedir>{tmp_path / 'fontconfig-cache'}</cachedir></fontconfig>\n")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    return conf
