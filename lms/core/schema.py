"""Is the database at the migrations' head? The app refuses to serve when it is not. And the
`flask db` commands (Flask-Migrate), bound to the app on first use.

Alembic is imported where it is used: its command layer, Mako and Pygments cost ~11 MB and
140 modules in every process that loads the app (web and RQ workers, the CLI's exports),
which only `flask db …`, the start-up check and the tests need.
"""

from pathlib import Path

import click
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
UPGRADE_COMMAND = "flask --app lms db upgrade"


class SchemaOutOfDate(RuntimeError):
    """The database is missing migrations; the message names the command to run."""


def bind_migrations(app):
    """Flask-Migrate on `app` (app.extensions["migrate"], what migrations/env.py reads), made
    once; returns the `flask db` command group."""
    from flask_migrate import Migrate
    from flask_migrate.cli import db as db_commands

    if "migrate" not in app.extensions:
        from lms.core.extensions import db

        Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    return db_commands


class MigrationCommands(click.Group):
    """`flask db …`: stands in for Flask-Migrate's group until it is invoked, then hands the
    command line to the real one, bound to the app."""

    def __init__(self, app):
        super().__init__("db", help="Database migrations (Flask-Migrate): upgrade, "
                                    "downgrade, current, history, …")
        self.app = app

    def make_context(self, info_name, args, parent=None, **extra):
        return bind_migrations(self.app).make_context(info_name, args, parent=parent, **extra)


def head_revisions() -> set[str]:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(config).get_heads())


def current_revisions(bind: Engine | Connection) -> set[str]:
    """The revisions the database is at (empty: no schema made by the migrations); `bind`
    is an engine, or a connection whose transaction the question joins."""
    from alembic.runtime.migration import MigrationContext

    if isinstance(bind, Connection):
        return set(MigrationContext.configure(bind).get_current_heads())
    with bind.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def check_schema(engine) -> None:
    """Raise SchemaOutOfDate unless the database's revision is the migrations' head."""
    current = current_revisions(engine)
    heads = head_revisions()
    if current != heads:
        state = ", ".join(sorted(current)) or "no schema"
        raise SchemaOutOfDate(
            f"The database schema is out of date (database: {state}; code: "
            f"{', '.join(sorted(heads))}). Run `{UPGRADE_COMMAND}` and start again."
        )
