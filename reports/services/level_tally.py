"""How many active people hold each stored competency level, per team and tier, kept on write
by the database itself, so the all-teams heat map reads a few thousand counters instead of
joining every person's required competencies to their levels (600,000 pairs, ~2 s at 100,000
people).

The counters (`LevelTally`: team, tier, competency, level → people; team 0 and tier 0 stand
for none) follow every write of `competency_level` and of a person's team, tier or active
flag, whoever writes it (the one evidence function, a bulk KPI import, check-derived --fix, a
SCIM update, a migration), because triggers keep them:

- SQLite (one writer at a time): row triggers add to the counters directly.
- PostgreSQL: statement triggers append one row per (team, tier, competency, level) the
  statement moved to `LevelTallyChange`, read through transition tables. Writers only ever
  append, so two transactions never wait on the same counter (or deadlock over two of them);
  readers add the changes to the counters, and fold them in (`fold`) once there are many.
- A person's deletion is counted by a trigger *before* it (their levels go by cascade, when
  the person can no longer be looked up).

`check` recounts from the tables and lists the differences (`flask --app lms check-derived`),
`rebuild` recounts and stores.
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, text

from reports.models import LevelTally, LevelTallyChange

# Changes kept beside the counters (PostgreSQL) before a reader folds them in.
FOLD_AT = 20_000

_KEY = "team_id, tier_id, competency_id, level"

_SQLITE_BUMP = (f"INSERT INTO level_tally ({_KEY}, people) {{select}} "
                f"ON CONFLICT ({_KEY}) DO UPDATE SET people = people + excluded.people;")
_SQLITE = [
    f"""CREATE TRIGGER level_tally_level_inserted AFTER INSERT ON competency_level BEGIN
    {_SQLITE_BUMP.format(select='''SELECT coalesce(team_id, 0), coalesce(tier_id, 0),
        NEW.competency_id, NEW.level, 1 FROM person WHERE id = NEW.person_id AND active''')}
    END""",
    f"""CREATE TRIGGER level_tally_level_deleted AFTER DELETE ON competency_level BEGIN
    {_SQLITE_BUMP.format(select='''SELECT coalesce(team_id, 0), coalesce(tier_id, 0),
        OLD.competency_id, OLD.level, -1 FROM person WHERE id = OLD.person_id AND active''')}
    END""",
    f"""CREATE TRIGGER level_tally_level_updated AFTER UPDATE OF level ON competency_level
    WHEN OLD.level IS NOT NEW.level BEGIN
    {_SQLITE_BUMP.format(select='''SELECT coalesce(team_id, 0), coalesce(tier_id, 0),
        OLD.competency_id, OLD.level, -1 FROM person WHERE id = OLD.person_id AND active''')}
    {_SQLITE_BUMP.format(select='''SELECT coalesce(team_id, 0), coalesce(tier_id, 0),
        NEW.competency_id, NEW.level, 1 FROM person WHERE id = NEW.person_id AND active''')}
    END""",
    f"""CREATE TRIGGER level_tally_person_moved AFTER UPDATE OF team_id, tier_id, active
    ON person WHEN OLD.team_id IS NOT NEW.team_id OR OLD.tier_id IS NOT NEW.tier_id
    OR OLD.active IS NOT NEW.active BEGIN
    {_SQLITE_BUMP.format(select='''SELECT coalesce(OLD.team_id, 0), coalesce(OLD.tier_id, 0),
        competency_id, level, -count(*) FROM competency_level
        WHERE person_id = OLD.id AND OLD.active GROUP BY competency_id, level''')}
    {_SQLITE_BUMP.format(select='''SELECT coalesce(NEW.team_id, 0), coalesce(NEW.tier_id, 0),
        competency_id, level, count(*) FROM competency_level
        WHERE person_id = NEW.id AND NEW.active GROUP BY competency_id, level''')}
    END""",
    f"""CREATE TRIGGER level_tally_person_deleting BEFORE DELETE ON person BEGIN
    {_SQLITE_BUMP.format(select='''SELECT coalesce(OLD.team_id, 0), coalesce(OLD.tier_id, 0),
        competency_id, level, -count(*) FROM competency_level
        WHERE person_id = OLD.id AND OLD.active GROUP BY competency_id, level''')}
    END""",
]

_PG_APPEND = (f"INSERT INTO level_tally_change ({_KEY}, delta) SELECT {_KEY}, sum(delta) "
              f"FROM ({{rows}}) AS moved GROUP BY {_KEY} HAVING sum(delta) <> 0;")
_PG_LEVELS = """SELECT coalesce(p.team_id, 0) AS team_id, coalesce(p.tier_id, 0) AS tier_id,
    l.competency_id, l.level, {sign} AS delta FROM {rows} AS l JOIN person AS p
    ON p.id = l.person_id WHERE p.active"""
_PG_PERSON = """SELECT coalesce(p.team_id, 0) AS team_id, coalesce(p.tier_id, 0) AS tier_id,
    l.competency_id, l.level, {sign} AS delta FROM {rows} AS p JOIN competency_level AS l
    ON l.person_id = p.id WHERE p.active AND p.id IN (
        SELECT o.id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
        WHERE (o.team_id, o.tier_id, o.active) IS DISTINCT FROM (n.team_id, n.tier_id, n.active))"""


def _pg_function(name: str, body: str) -> str:
    return (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body} RETURN NULL; END $$")


_POSTGRESQL = [
    _pg_function("level_tally_level_inserted", _PG_APPEND.format(
        rows=_PG_LEVELS.format(sign=1, rows="new_rows"))),
    _pg_function("level_tally_level_deleted", _PG_APPEND.format(
        rows=_PG_LEVELS.format(sign=-1, rows="old_rows"))),
    _pg_function("level_tally_level_updated", _PG_APPEND.format(
        rows=_PG_LEVELS.format(sign=-1, rows="old_rows") + " UNION ALL "
        + _PG_LEVELS.format(sign=1, rows="new_rows"))),
    _pg_function("level_tally_person_moved", _PG_APPEND.format(
        rows=_PG_PERSON.format(sign=-1, rows="old_rows") + " UNION ALL "
        + _PG_PERSON.format(sign=1, rows="new_rows"))),
    # Row-level and before: the person's levels are still there to be counted out.
    "CREATE OR REPLACE FUNCTION level_tally_person_deleting() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN IF OLD.active THEN "
    f"INSERT INTO level_tally_change ({_KEY}, delta) SELECT coalesce(OLD.team_id, 0), "
    "coalesce(OLD.tier_id, 0), competency_id, level, -count(*) FROM competency_level "
    "WHERE person_id = OLD.id GROUP BY competency_id, level; END IF; RETURN OLD; END $$",
    "CREATE TRIGGER level_tally_level_inserted AFTER INSERT ON competency_level "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION level_tally_level_inserted()",
    "CREATE TRIGGER level_tally_level_deleted AFTER DELETE ON competency_level "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION level_tally_level_deleted()",
    "CREATE TRIGGER level_tally_level_updated AFTER UPDATE ON competency_level "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION level_tally_level_updated()",
    "CREATE TRIGGER level_tally_person_moved AFTER UPDATE ON person "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION level_tally_person_moved()",
    "CREATE TRIGGER level_tally_person_deleting BEFORE DELETE ON person "
    "FOR EACH ROW EXECUTE FUNCTION level_tally_person_deleting()",
]

TRIGGERS = ("level_tally_level_inserted", "level_tally_level_deleted",
            "level_tally_level_updated", "level_tally_person_moved",
            "level_tally_person_deleting")


def install_triggers(connection) -> None:
    """(Re)create the triggers that keep the counters (the migration and `create_all` call
    it; a second call replaces them)."""
    drop_triggers(connection)
    if connection.dialect.name == "postgresql":
        for statement in _POSTGRESQL:
            connection.exec_driver_sql(statement)
    else:
        for statement in _SQLITE:
            connection.exec_driver_sql(statement)


def drop_triggers(connection) -> None:
    postgresql = connection.dialect.name == "postgresql"
    for name in TRIGGERS:
        table = "person" if "person" in name else "competency_level"
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}"
                                   + (f" ON {table}" if postgresql else ""))
        if postgresql:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")


_RECOUNT = text("""SELECT coalesce(p.team_id, 0), coalesce(p.tier_id, 0), l.competency_id,
    l.level, count(*) FROM competency_level AS l JOIN person AS p ON p.id = l.person_id
    WHERE p.active GROUP BY coalesce(p.team_id, 0), coalesce(p.tier_id, 0), l.competency_id,
    l.level""")


def counts(connection) -> dict[tuple[int, int, int, int], int]:
    """{(team id or 0, tier id or 0, competency id, level): active people} as kept: the
    counters plus the changes not yet folded in."""
    kept: dict[tuple[int, int, int, int], int] = defaultdict(int)
    for team, tier, competency, level, people in connection.execute(
            text(f"SELECT {_KEY}, people FROM level_tally WHERE people <> 0")):
        kept[(team, tier, competency, level)] += people
    for team, tier, competency, level, delta in connection.execute(
            text(f"SELECT {_KEY}, sum(delta) FROM level_tally_change GROUP BY {_KEY}")):
        kept[(team, tier, competency, level)] += int(delta)
    return {key: people for key, people in kept.items() if people}


def pending_changes(connection) -> int:
    return connection.execute(text("SELECT count(*) FROM level_tally_change")).scalar_one()


def fold(connection) -> None:
    """Add the appended changes to the counters and remove them, in one statement (what is
    removed is exactly what is added, whatever commits meanwhile); in key order, so two
    folds take the counters' row locks in the same order. The caller commits."""
    if connection.dialect.name != "postgresql":
        return  # SQLite's triggers add to the counters directly
    connection.exec_driver_sql(f"""WITH gone AS (DELETE FROM level_tally_change
        RETURNING {_KEY}, delta)
        INSERT INTO level_tally ({_KEY}, people) SELECT {_KEY}, sum(delta) FROM gone
        GROUP BY {_KEY} ORDER BY {_KEY}
        ON CONFLICT ({_KEY}) DO UPDATE SET people = level_tally.people + excluded.people""")


def fold_if_many(bind) -> None:
    """Fold the changes in once there are FOLD_AT of them: in a transaction of its own when
    `bind` is an engine (a page's own transaction is rolled back after a read), or in the
    caller's when it is a connection (the caller commits)."""
    if bind.dialect.name != "postgresql":
        return
    if isinstance(bind, Connection):
        if pending_changes(bind) >= FOLD_AT:
            fold(bind)
        return
    with bind.connect() as connection:
        if pending_changes(connection) < FOLD_AT:
            return
    with bind.begin() as connection:
        fold(connection)


@dataclass(frozen=True)
class TallyDifference:
    key: tuple[int, int, int, int]   # team (0: none), tier (0: none), competency, level
    kept: int
    counted: int


def check(connection, *, fix: bool = False) -> list[TallyDifference]:
    """The kept counters against a recount of the tables; with `fix`, stored anew. The
    caller commits."""
    kept = counts(connection)
    counted = {(team, tier, competency, level): people
               for team, tier, competency, level, people in connection.execute(_RECOUNT)}
    differences = [TallyDifference(key, kept.get(key, 0), counted.get(key, 0))
                   for key in sorted(set(kept) | set(counted))
                   if kept.get(key, 0) != counted.get(key, 0)]
    if fix and differences:
        rebuild(connection)
    return differences


def rebuild(connection) -> None:
    """Recount every counter from the tables (a migration's backfill, check-derived --fix,
    a bulk build)."""
    connection.execute(LevelTallyChange.__table__.delete())
    connection.execute(LevelTally.__table__.delete())
    connection.execute(text(f"INSERT INTO level_tally ({_KEY}, people) " + _RECOUNT.text))
