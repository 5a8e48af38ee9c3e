"""References checked once per statement on PostgreSQL, for the tables bulk writers fill.

PostgreSQL checks a foreign key with one query per written row, which also locks the parent
row each time. A KPI push of 100,000 people writes about 2.3 million rows into tables with two
or three references each (KPI values, evidence, stored levels, evaluations, standings). Those
checks cost about 10 µs per row and reference on this machine: 5.6 s for 200,000 rows with two
foreign keys against 1.3 s without them, about half of the server's time in an import.

So the tables registered here (`checked_per_statement`) get no foreign key on PostgreSQL.
Instead, statement triggers do the same work once per statement:
- After an INSERT or UPDATE, each reference's distinct values are looked up in one query.
  The parent rows are locked FOR KEY SHARE, as a foreign key locks them, so a concurrent
  delete of a parent waits for the writer, or the writer sees the parent gone. A value without
  a parent raises `foreign_key_violation` (SQLSTATE 23503, the constraint's name), which
  SQLAlchemy raises as IntegrityError, as it would for a foreign key.
- After a DELETE of parents, the children are deleted (ON DELETE CASCADE), set to NULL
  (SET NULL) or the delete is refused (NO ACTION) with one statement.
- A parent's key never changes in this application; an UPDATE that changes a referenced one
  is refused, as NO ACTION would refuse it.

SQLite keeps ordinary foreign keys: there they cost little. The models keep their
`ForeignKey`s, so the ORM's joins, the order `create_all` makes tables in and SQLite's DDL are
unchanged. `include_object` keeps Alembic's comparison from asking for the foreign keys back
on PostgreSQL.

Migration 0032 installs these triggers from `install_sql`. A later change to the SQL written
here needs a migration of its own; it must not change what 0032 installs.
"""

from dataclasses import dataclass

from sqlalchemy import event

# The references the triggers stand for on PostgreSQL (`include_object` skips their foreign
# keys; the schema test looks for their triggers).
REGISTERED: list["Reference"] = []


@dataclass(frozen=True)
class Reference:
    child: str
    column: str
    parent: str
    parent_column: str
    on_delete: str          # CASCADE, SET NULL or NO ACTION
    constraint: str

    @property
    def stem(self) -> str:
        return f"{self.child}_{self.column}"


def references_of(table, columns=None) -> list[Reference]:
    """The single-column foreign keys of `table` (those of `columns`, if given), as
    `Reference`s."""
    found = []
    for constraint in _constraints(table, columns):
        (element,) = constraint.elements
        # By name: the parent's model may not be defined yet when this runs.
        parent, parent_column = element.target_fullname.split(".")
        found.append(Reference(
            child=table.name, column=element.parent.name,
            parent=parent, parent_column=parent_column,
            on_delete=(constraint.ondelete or "NO ACTION").upper(),
            constraint=constraint.name))
    return found


def _constraints(table, columns):
    return sorted((c for c in table.foreign_key_constraints
                   if columns is None or c.column_keys[0] in columns), key=lambda c: c.name)


def checked_per_statement(table, columns=None) -> None:
    """Check `table`'s foreign keys (those of `columns`, if given) per statement on
    PostgreSQL (see the module): the constraints are created on SQLite only, and creating the
    table on PostgreSQL installs the triggers. A reference to a parent that is itself
    deleted by another table's cascade (a rules version, with its path) is better left a
    foreign key: the row-level cascade would meet the children before this statement's
    trigger removed them."""
    references = references_of(table, columns)
    for constraint in _constraints(table, columns):
        constraint.ddl_if(dialect="sqlite")
    REGISTERED.extend(references)

    @event.listens_for(table, "after_create")
    def _install(_target, connection, **_kw):
        if connection.dialect.name == "postgresql":
            for statement in install_sql(references):
                connection.exec_driver_sql(statement)


def include_object(dialect_name: str):
    """Alembic's `include_object` for `dialect_name`: on PostgreSQL the foreign keys the
    triggers stand for are not in the database, and that is no difference."""

    def include(obj, name, type_, _reflected, _compare_to) -> bool:
        return not (dialect_name == "postgresql" and type_ == "foreign_key_constraint"
                    and name in {r.constraint for r in REGISTERED})

    return include


def trigger_names(references: list[Reference]) -> list[str]:
    """The triggers `install_sql` creates (the schema test looks for them)."""
    names = []
    for r in references:
        names += [f"refcheck_{r.stem}_ins", f"refcheck_{r.stem}_upd", f"refdel_{r.stem}",
                  f"refkey_{r.stem}"]
    return names


def install_sql(references: list[Reference]) -> list[str]:
    statements = []
    for r in references:
        statements += [_check_function(r), *_check_triggers(r), _delete_function(r),
                       _delete_trigger(r), _key_function(r), _key_trigger(r)]
    return statements


def uninstall_sql(references: list[Reference]) -> list[str]:
    statements = []
    for r in references:
        statements += [
            f'DROP TRIGGER IF EXISTS refcheck_{r.stem}_ins ON "{r.child}"',
            f'DROP TRIGGER IF EXISTS refcheck_{r.stem}_upd ON "{r.child}"',
            f'DROP TRIGGER IF EXISTS refdel_{r.stem} ON "{r.parent}"',
            f'DROP TRIGGER IF EXISTS refkey_{r.stem} ON "{r.parent}"',
            f"DROP FUNCTION IF EXISTS refcheck_{r.stem}()",
            f"DROP FUNCTION IF EXISTS refdel_{r.stem}()",
            f"DROP FUNCTION IF EXISTS refkey_{r.stem}()",
        ]
    return statements


def _check_function(r: Reference) -> str:
    # No per-cent sign anywhere in these bodies (format()'s placeholders included): psycopg
    # would take it for a parameter of the statement.
    # Counting the locked parents against the distinct values is the check; only when they
    # differ is one missing value looked for, for the message.
    return f"""
CREATE OR REPLACE FUNCTION refcheck_{r.stem}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    wanted bigint;
    locked bigint;
    absent text;
BEGIN
    SELECT count(DISTINCT "{r.column}") INTO wanted FROM written;
    IF wanted = 0 THEN
        RETURN NULL;
    END IF;
    SELECT count(*) INTO locked FROM (
        SELECT 1 FROM "{r.parent}" AS parent
        WHERE parent."{r.parent_column}" IN (SELECT "{r.column}" FROM written)
        FOR KEY SHARE OF parent) AS found;
    IF locked < wanted THEN
        SELECT w."{r.column}"::text INTO absent FROM written AS w
        WHERE w."{r.column}" IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM "{r.parent}" AS parent
            WHERE parent."{r.parent_column}" = w."{r.column}")
        LIMIT 1;
        RAISE EXCEPTION 'insert or update on table "{r.child}" violates foreign key constraint "{r.constraint}"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{r.constraint}',
                  TABLE = '{r.child}',
                  DETAIL = 'Key ({r.column})=(' || absent
                           || ') is not present in table "{r.parent}".';
    END IF;
    RETURN NULL;
END
$fn$"""  # noqa: E501


def _check_triggers(r: Reference) -> list[str]:
    # A trigger with a transition table takes one event: one for INSERT, one for UPDATE (an
    # upsert's updated rows come through the second).
    return [f'CREATE TRIGGER refcheck_{r.stem}_{short} AFTER {event_name} ON "{r.child}" '
            f"REFERENCING NEW TABLE AS written FOR EACH STATEMENT "
            f"EXECUTE FUNCTION refcheck_{r.stem}()"
            for short, event_name in (("ins", "INSERT"), ("upd", "UPDATE"))]


def _delete_function(r: Reference) -> str:
    removed = f'SELECT "{r.parent_column}" FROM removed'
    if r.on_delete == "CASCADE":
        body = f'DELETE FROM "{r.child}" WHERE "{r.column}" IN ({removed});'
    elif r.on_delete == "SET NULL":
        body = f'UPDATE "{r.child}" SET "{r.column}" = NULL WHERE "{r.column}" IN ({removed});'
    else:
        body = _refusal(r, f'SELECT "{r.column}"::text INTO held FROM "{r.child}" '
                           f'WHERE "{r.column}" IN ({removed}) LIMIT 1')
    return _parent_function(f"refdel_{r.stem}", body)


def _delete_trigger(r: Reference) -> str:
    return (f'CREATE TRIGGER refdel_{r.stem} AFTER DELETE ON "{r.parent}" '
            f"REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
            f"EXECUTE FUNCTION refdel_{r.stem}()")


def _key_function(r: Reference) -> str:
    body = _refusal(r, f'SELECT "{r.column}"::text INTO held FROM "{r.child}" '
                       f'WHERE "{r.column}" = OLD."{r.parent_column}" LIMIT 1')
    return _parent_function(f"refkey_{r.stem}", body)


def _parent_function(name: str, body: str) -> str:
    """A parent-side trigger function: `body` may fill `held` (a referencing value) to
    refuse the change (`_refusal`)."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    held text;
BEGIN
    {body}
    RETURN NULL;
END
$fn$"""


def _key_trigger(r: Reference) -> str:
    # A row trigger with a WHEN clause: updates that keep the key (all of them, in this
    # application) do not call the function.
    return (f'CREATE TRIGGER refkey_{r.stem} AFTER UPDATE OF "{r.parent_column}" '
            f'ON "{r.parent}" FOR EACH ROW WHEN (OLD."{r.parent_column}" IS DISTINCT FROM '
            f'NEW."{r.parent_column}") EXECUTE FUNCTION refkey_{r.stem}()')


def _refusal(r: Reference, held_query: str) -> str:
    return f"""{held_query};
    IF held IS NOT NULL THEN
        RAISE EXCEPTION 'update or delete on table "{r.parent}" violates foreign key constraint "{r.constraint}" on table "{r.child}"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{r.constraint}',
                  TABLE = '{r.parent}',
                  DETAIL = 'Key ({r.parent_column})=(' || held
                           || ') is still referenced from table "{r.child}".';
    END IF;"""  # noqa: E501
