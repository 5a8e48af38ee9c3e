"""Fixtures: app, client, runner, db and factories; each test on a clean database.

Set-up is paid once per session, not per test (tests/databases.py says how):
- one app per distinct configuration, shared by the tests that use it; what a test changes in
  `app.config` is put back afterwards, and each test gets its own STORAGE_DIR;
- the schema, the default framework and the demo organisation (by `flask seed-demo`) are
  built once as templates; SQLite copies the template file into place before each test,
  PostgreSQL (DATABASE_URL=postgresql://…) runs each test in a transaction that is rolled
  back (tests marked `commits` get real commits on a scratch database instead).
"""

import os
import uuid
from datetime import date

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event, select

from lms import create_app
from lms.config import normalise_database_url
from lms.core import clock
from lms.core.extensions import db as _db
from lms.core.extensions import limiter
from lms.people import models as people_models
from lms.people.services.directory import PersonData, create_person
from tests import databases as test_databases
from tests.lrs import RunningLrs

PASSWORD = "correct-horse-battery"
POSTGRES_URL = normalise_database_url(os.environ.get("DATABASE_URL", ""))
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")
# Read from app.config at request time, so a shared app takes each test's own value.
PER_TEST_SETTINGS = frozenset({"STORAGE_DIR"})

if ON_POSTGRES:
    # A session bound to a test's connection works in savepoints, never ending its transaction.
    _db.session.session_factory.configure(join_transaction_mode="create_savepoint")


def base_config(database_url: str, storage_dir: str) -> dict:
    """What every test app starts from."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_DIR": storage_dir,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "CHECK_SCHEMA": False,
        "REDIS_URL": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "localhost",
    }


@pytest.fixture(scope="session", autouse=True)
def _fast_passwords():
    # scrypt is deliberately slow; tests (and the templates) hash hundreds of passwords.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(people_models, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
        yield


@pytest.fixture(autouse=True)
def _reset_clock():
    yield
    clock.freeze(None)


@pytest.fixture(scope="session")
def databases(tmp_path_factory, _fast_passwords):
    """The session's template databases (tests/databases.py)."""
    workdir = tmp_path_factory.mktemp("databases")
    if ON_POSTGRES:
        made = test_databases.PostgresDatabases(
            workdir, base_config("", str(workdir / "storage")), create_app, POSTGRES_URL)
    else:
        made = test_databases.SqliteDatabases(
            workdir, base_config("", str(workdir / "storage")), create_app)
    yield made
    for app in _APPS.values():
        with app.app_context():
            _db.engine.dispose()
    made.close()


@pytest.fixture
def template(request) -> str:
    """The template this test starts from: empty, defaults or demo."""
    return test_databases.template_for(request.fixturenames)


@pytest.fixture
def real_commits(request) -> bool:
    """True for a `commits` test on PostgreSQL (elsewhere every commit is real anyway)."""
    return ON_POSTGRES and request.node.get_closest_marker("commits") is not None


@pytest.fixture
def postgres_database(databases):
    """(the URL of the session's empty PostgreSQL database,) or None on SQLite."""
    if not ON_POSTGRES:
        return None
    return (databases.url(test_databases.EMPTY, False),)


@pytest.fixture
def database_url(databases, template, real_commits):
    return databases.url(template, real_commits)


@pytest.fixture
def app_config(database_url, tmp_path):
    """Overrides for create_app; tests may add keys before `app` is built."""
    return base_config(database_url, str(tmp_path / "storage"))


class FreshContextClient(FlaskClient):
    """Runs every request in its own app context, as a real server does.

    Tests hold an app context open for their own db.session; without this, requests would
    share it (and `g`, where Flask-Login caches the user) with the test and with each other.
    After the request the test's session forgets what it had loaded, so the next read sees
    what the request committed.
    """

    def open(self, *args, **kwargs):
        test_context = has_app_context()  # the test's own context (absent in worker threads)
        if test_context:
            # On PostgreSQL the test's session and the request's share one connection; a
            # savepoint the test's session still held would swallow what the request commits
            # when the test's session later rolls back. (Anything uncommitted in it would
            # have been invisible to the request and rolled back afterwards anyway.)
            _db.session.rollback()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if test_context:
            _db.session.rollback()
        return response


_APPS: dict[str, object] = {}  # configuration -> the app built for it, for the whole session
_EXTRA_APPS: list = []  # apps made by make_app during the running test


def shared_app(config: dict):
    """The session's app for this configuration (settings in PER_TEST_SETTINGS aside)."""
    key = repr(sorted((k, repr(v)) for k, v in config.items() if k not in PER_TEST_SETTINGS))
    if key not in _APPS:
        app = create_app(config)
        app.test_client_class = FreshContextClient
        _APPS[key] = app
    return _APPS[key]


@pytest.fixture
def app(request, app_config, databases, template, real_commits):
    if request.node.get_closest_marker("own_app"):
        app = create_app(app_config)
        app.test_client_class = FreshContextClient
        _EXTRA_APPS.append(app)  # disposed of like make_app's
    else:
        app = shared_app(app_config)
    saved = dict(app.config)
    # Flask-Limiter keeps its switch and storage on the one extension object, so an app a
    # test makes with rate limiting on (make_app) would leave it on for the shared apps.
    limiter_state = dict(limiter.__dict__)
    for key in PER_TEST_SETTINGS:
        app.config[key] = app_config[key]
    databases.reset(template, real_commits)
    if template == test_databases.DEMO:
        databases.copy_files(template, app.config["STORAGE_DIR"])
    try:
        with app.app_context():
            with databases.bound(lambda: [app, *_EXTRA_APPS], real_commits, template):
                yield app
                _db.session.remove()
    finally:
        _EXTRA_APPS.clear()
        app.config.clear()
        app.config.update(saved)
        limiter.__dict__.clear()
        limiter.__dict__.update(limiter_state)


@pytest.fixture
def make_app(app, databases):
    """make_app(config) -> another app on the same database (a second worker, other settings);
    its connections are closed after the test."""

    def make(config: dict):
        extra = create_app(config)
        extra.test_client_class = FreshContextClient
        _EXTRA_APPS.append(extra)
        connection = getattr(databases, "connection", None)
        if connection is not None:  # PostgreSQL, rolled back: the same transaction
            test_databases.bind_to_connection(extra, connection)
        return extra

    return make


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
    """The default scale, framework, paths and matrix (from the template); returns paths by
    code."""
    from lms.defaults import PATHS
    from lms.paths.models import CertificationPath

    codes = [row[0] for row in PATHS]
    found = {p.code: p for p in _db.session.scalars(
        select(CertificationPath).where(CertificationPath.code.in_(codes)))}
    return {code: found[code] for code in codes}


@pytest.fixture
def seed_demo_output(app, databases) -> str:
    """What `flask seed-demo` printed when it built the session's demo template, which this
    test starts from a copy of: the command's own tests read the session's one seed."""
    return databases.output[test_databases.DEMO]


@pytest.fixture
def make_team(app):
    from lms.people.services.directory import save_team

    def make(name: str | None = None, parent_id: int | None = None):
        team = save_team(_db.session, None, None, name or f"Team {uuid.uuid4().hex[:6]}", "",
                         parent_id)
        _db.session.commit()
        return team

    return make


@pytest.fixture(scope="module")
def lrs(tmp_path_factory):
    """A real Learning Record Store (Ralph, tests/lrs.py) for the module's xAPI tests."""
    running = RunningLrs(tmp_path_factory.mktemp("lrs"))
    running.start()
    yield running
    running.stop()


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
    """Counts the SQL statements sent while active; transaction control (BEGIN, SAVEPOINT,
    RELEASE, ROLLBACK TO SAVEPOINT: on PostgreSQL each test's commits are savepoints) is not
    counted."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0
        self.statements: list[str] = []  # what was counted, in order

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._hit)

    def _hit(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(
                ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK TO SAVEPOINT")):
            self.count += 1
            self.statements.append(statement)


@pytest.fixture
def count_queries(db):
    """count_queries() -> a context manager whose .count is the statements sent inside."""
    return lambda: QueryCounter(db.engine)


_COLLECTED: dict[str, int] = {}


def pytest_collection_finish(session):
    _COLLECTED["tests"] = len(session.items)  # after -m/-k deselection: what will run


def pytest_terminal_summary(terminalreporter):
    """The count scripts/test.sh prints per database, so a drop in tests shows."""
    terminalreporter.write_line(f"tests collected: {_COLLECTED.get('tests', 0)}")


@pytest.fixture(scope="session")
def _oidc_server():
    from tests.identity.oidc_provider import OidcProvider

    server = OidcProvider()
    yield server
    server.close()


@pytest.fixture
def oidc_server(_oidc_server):
    """The OpenID Connect provider on a loopback port (tests/identity/oidc_provider.py), one
    per session, emptied for each test."""
    _oidc_server.reset()
    yield _oidc_server
    _oidc_server.reset()


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
