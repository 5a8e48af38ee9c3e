"""Is the database at the migrations' head? The app refuses to serve when it is not."""

from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
UPGRADE_COMMAND = "flask --app lms db upgrade"


class SchemaOutOfDate(RuntimeError):
    """The database is missing migrations; the message names the command to run."""


def head_revisions() -> set[str]:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(config).get_heads())


def current_revisions(bind: Engine | Connection) -> set[str]:
    """The revisions the database is at (empty: no schema made by the migrations); `bind`
    is an engine, or a connection whose transaction the question joins."""
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
