"""The test session's databases: built once as templates, handed to each test clean.

Every test starts from one of three templates, chosen by the fixtures it asks for:

- ``empty``: the schema and nothing else;
- ``defaults``: the schema plus the default scale, framework, paths and matrix (`defaults`);
- ``demo``: the whole demo organisation (`demo_org`, `demo`, `seed_demo_output`), with its
  stored files, built by the `seed-demo` command itself (so the tests of that command read
  the session's one seed instead of seeding again).

SQLite: each template is a database file built once; before a test it is copied over the one
live file that every test app points at (a file copy costs milliseconds, building the demo
costs seconds).

PostgreSQL: each template is a database of its own (``CREATE DATABASE … TEMPLATE`` from the
schema), and a test runs inside one transaction on one connection that is rolled back at the
end; the application's commits become savepoints (SQLAlchemy's "join a Session into an
external transaction" recipe). Tests marked ``commits`` need real commits seen by other
connections (threads with their own connections, a second process); they run on a scratch
database that is emptied afterwards with ``DELETE`` in foreign-key order.
"""

from __future__ import annotations

import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from lms.core.extensions import db

EMPTY, DEFAULTS, DEMO = "empty", "defaults", "demo"
DEMO_FIXTURES = frozenset({"demo", "demo_org", "seed_demo_output"})


def template_for(fixturenames) -> str:
    """Which template a test needs, from the fixtures it uses (directly or through others)."""
    names = set(fixturenames)
    if names & DEMO_FIXTURES:
        return DEMO
    if "defaults" in names:
        return DEFAULTS
    return EMPTY


def fill(kind: str, app) -> str:
    """Put what template `kind` holds into `app`'s empty database, committed; returns what
    building it printed (the demo: `flask seed-demo`'s output)."""
    if kind == DEFAULTS:
        from lms.defaults import install_defaults

        install_defaults(db.session)
        db.session.commit()
    elif kind == DEMO:
        # Through the command a deployment runs, which commits and prints the log-ins.
        result = app.test_cli_runner().invoke(args=["seed-demo"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output
    return ""


class _Templates:
    """What both kinds of database share: the builder app and the demo's stored files."""

    def __init__(self, workdir: Path, base_config: dict, create_app):
        self.workdir = workdir
        self.base_config = base_config
        self.create_app = create_app
        self.storage = {}  # kind -> the folder of files its template refers to
        self.output: dict[str, str] = {}  # kind -> what building its template printed

    def _build(self, url: str, kind: str, create_schema: bool) -> None:
        storage_dir = self.workdir / f"{kind}-storage"
        builder = self.create_app({**self.base_config, "SQLALCHEMY_DATABASE_URI": url,
                                   "STORAGE_DIR": str(storage_dir)})
        with builder.app_context():
            if create_schema:
                db.create_all()
            self.output[kind] = fill(kind, builder)
            db.session.remove()
            db.engine.dispose()
        self.storage[kind] = storage_dir

    def copy_files(self, kind: str, storage_dir: str) -> None:
        """The template's stored files (attachments, recordings) into the test's folder."""
        source = self.storage.get(kind)
        if source is not None and source.exists():
            shutil.copytree(source, storage_dir, dirs_exist_ok=True)


class SqliteDatabases(_Templates):
    """One live database file; templates copied over it before each test."""

    def __init__(self, workdir: Path, base_config: dict, create_app):
        super().__init__(workdir, base_config, create_app)
        self.live = workdir / "live.sqlite3"
        self.templates: dict[str, Path] = {}

    def url(self, kind: str, commits: bool) -> str:
        return f"sqlite:///{self.live}"

    def template_url(self, kind: str) -> str:
        """The template itself (built if need be), to read from, never to write to."""
        return f"sqlite:///{self._template(kind)}"

    def _template(self, kind: str) -> Path:
        if kind not in self.templates:
            path = self.workdir / f"{kind}.sqlite3"
            self._build(f"sqlite:///{path}", kind, create_schema=True)
            # The last connection closed checkpointed the WAL into the main file.
            assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
            self.templates[kind] = path
        return self.templates[kind]

    def reset(self, kind: str, commits: bool) -> None:
        """Copy the template over the live file (no connection may be open on it)."""
        template = self._template(kind)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{self.live}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, self.live)

    @contextmanager
    def bound(self, apps, commits: bool, kind: str = EMPTY):
        """SQLite tests commit for real; afterwards every connection to the live file closes."""
        try:
            yield
        finally:
            for app in apps():
                _dispose(app)

    def close(self) -> None:
        pass


class PostgresDatabases(_Templates):
    """A schema template, a database per template kind, and a scratch database."""

    def __init__(self, workdir: Path, base_config: dict, create_app, server_url: str):
        super().__init__(workdir, base_config, create_app)
        self.server = make_url(server_url)
        self.prefix = f"lms_test_{uuid.uuid4().hex[:10]}"
        self.admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        self.made: list[str] = []
        self.schema = self._create("schema")
        self._build(self._url(self.schema), EMPTY, create_schema=True)
        self.kinds: dict[str, str] = {}
        self.connection = None  # the connection of the test that is running, if rolled back

    def _url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def _create(self, suffix: str, template: str | None = None) -> str:
        name = f"{self.prefix}_{suffix}"
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"{clause}'))
        self.made.append(name)
        return name

    def url(self, kind: str, commits: bool) -> str:
        key = "scratch" if commits else kind
        if key not in self.kinds:
            name = self._create(key, template=self.schema)
            if key not in ("scratch", EMPTY):
                self._build(self._url(name), kind, create_schema=False)
            self.kinds[key] = name
        return self._url(self.kinds[key])

    def template_url(self, kind: str) -> str:
        """The template itself (built if need be), to read from, never to write to."""
        return self.url(kind, False)

    def reset(self, kind: str, commits: bool) -> None:
        pass

    @contextmanager
    def bound(self, apps, commits: bool, kind: str = EMPTY):
        app = apps()[0]
        if commits:
            # A real database: fill it as the template would be, empty it afterwards.
            if kind != EMPTY:
                self.output[kind] = fill(kind, app)
            try:
                yield
            finally:
                db.session.remove()
                with db.engine.begin() as connection:
                    for table in reversed(db.metadata.sorted_tables):
                        connection.execute(table.delete())
                for extra in apps()[1:]:
                    _dispose(extra)
            return
        connection = db.engine.connect()
        outer = connection.begin()
        self.connection = connection
        bind_to_connection(app, connection)
        try:
            yield
        finally:
            db.session.remove()
            unbind_all()
            self.connection = None
            outer.rollback()
            connection.close()
            for extra in apps()[1:]:
                _dispose(extra)

    def close(self) -> None:
        with self.admin.connect() as connection:
            for name in self.made:
                connection.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name"), {"name": name})
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        self.admin.dispose()


def copy_rows(source_url: str, target: sa.Engine) -> None:
    """Every row of the models' tables, from a template into another database of the same
    schema (the migrations made it the same as the models'): the template's demo without
    seeding it again.

    The rows go in as they are, the heat map's counters included, so the counting triggers
    are off meanwhile, and so are the foreign keys (rows of tables that refer to each other
    cannot all go first); PostgreSQL's sequences then move past the copied ids."""
    from reports.services import level_tally

    source = sa.create_engine(source_url)
    postgresql = target.dialect.name == "postgresql"
    try:
        with source.connect() as reading, target.connect() as writing:
            # Outside a transaction: SQLite ignores the pragma inside one.
            writing.exec_driver_sql("SET session_replication_role = replica" if postgresql
                                    else "PRAGMA foreign_keys=OFF")
            writing.commit()
            try:
                with writing.begin():
                    level_tally.drop_triggers(writing)
                    for table in db.metadata.sorted_tables:
                        rows = [dict(row) for row in reading.execute(sa.select(table)).mappings()]
                        if rows:
                            writing.execute(table.insert(), rows)
                        serial = table.autoincrement_column
                        if postgresql and serial is not None:
                            writing.execute(sa.text(
                                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', "
                                f"'{serial.name}'), (SELECT coalesce(max(\"{serial.name}\"), 0) "
                                f"+ 1 FROM \"{table.name}\"), false)"))
                    level_tally.install_triggers(writing)
            finally:
                writing.exec_driver_sql("SET session_replication_role = DEFAULT" if postgresql
                                        else "PRAGMA foreign_keys=ON")
                writing.commit()
    finally:
        source.dispose()


_REPLACED: dict = {}  # app -> its own engine, while its sessions run on a test's connection


def bind_to_connection(app, connection) -> None:
    """Every session of `app` joins `connection`'s transaction (commits become savepoints).

    Flask-SQLAlchemy's sessions ask `db.engines` for their bind; putting the connection there
    also sends code that opens a Session on `db.engine` itself onto the same transaction."""
    engines = db._app_engines[app]
    _REPLACED.setdefault(app, engines[None])
    engines[None] = connection


def unbind_all() -> None:
    """Give every app bound by `bind_to_connection` its own engine back."""
    for app, engine in _REPLACED.items():
        db._app_engines[app][None] = engine
    _REPLACED.clear()


def _dispose(app) -> None:
    engine = db._app_engines.get(app, {}).get(None)
    if isinstance(engine, sa.engine.Engine):
        engine.dispose()


def someone_waits_for_a_lock(seconds: float = 10) -> bool:
    """PostgreSQL: True once another backend of this database waits for a lock (within
    `seconds`): the race tests of ``commits`` hold a transaction open until the other writer
    is blocked by it, so the two overlap every time."""
    deadline = time.monotonic() + seconds
    with db.engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"))
            connection.rollback()
            if waiting:
                return True
            time.sleep(0.02)
    return False
