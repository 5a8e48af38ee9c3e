"""Per-person preferences: small JSON values under a key ("reports.hidden_columns"). The
package that owns a preference checks its value; this module only keeps it."""

from lms.people.models import PersonPreference


def preference(session, person_id: int, key: str, default=None):
    """The person's value for `key`, or `default` when they never chose."""
    row = session.get(PersonPreference, (person_id, key))
    return default if row is None else row.value


def set_preference(session, person_id: int, key: str, value) -> None:
    """Keep `value` (plain JSON) as the person's choice for `key` (flushed)."""
    row = session.get(PersonPreference, (person_id, key))
    if row is None:
        session.add(PersonPreference(person_id=person_id, key=key, value=value))
    else:
        row.value = value
    session.flush()
