"""The signed-in person, loaded once per request.

The session cookie holds "id:version" (`Person.get_id`). Flask-Login's user loader
(`lms.app`) turns it into the person: one statement (the person with their roles), and the
version must match, so signing out everywhere, a password change or deactivation ends every
older session.

The hottest request (an exam's autosave) needs the person and the attempt it writes to. It
reads both in one statement, joined on the id the cookie *claims* (`claimed_id`), offers the
person it found (`offer`), and only then asks for `current_user`: Flask-Login runs its usual
checks (session protection, the loader's version and active checks) and the loader takes the
offered person instead of reading it again. Nothing is trusted before that: a person who is
not the one the loader accepts is never the current user.
"""

from flask import g, session

from lms.people.models import Person

_OFFERED = "_signed_in_offered_person"


def parse_session_id(session_id) -> tuple[int, int] | None:
    """(person id, session version) of a session's "id:version", or None when malformed."""
    if not isinstance(session_id, str):
        return None
    person_id, _, version = session_id.partition(":")
    if not person_id.isdigit() or not version.isdigit():
        return None
    return int(person_id), int(version)


def claimed_id() -> int | None:
    """The id of the person the session cookie names, unverified (None when it names no one):
    a key to read with, never a grant."""
    parsed = parse_session_id(session.get("_user_id"))
    return parsed[0] if parsed else None


def offer(person: Person) -> None:
    """Offer a person already loaded in this request to the user loader (which still checks
    the session's version and that they are active)."""
    setattr(g, _OFFERED, person)


def offered(person_id: int) -> Person | None:
    """The person offered in this request under `person_id`, if any."""
    person = g.get(_OFFERED)
    return person if person is not None and person.id == person_id else None
