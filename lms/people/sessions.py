"""Starting a signed-in session, shared by the password form and provider sign-in."""

import time

from flask import session
from flask_login import login_user

# Where a provider sign-in leaves the provider's end-session address, so that signing out here
# also ends the session there (lms.identity writes it, the sign-out view reads it).
END_SESSION_KEY = "sso_end_session"


def session_clock() -> int:
    """Seconds since the epoch, from the wall clock: how long a browser sat idle is real
    time, not the business clock that tests move by days to reach deadlines and expiry."""
    return int(time.time())


def begin_session(person) -> None:
    """Sign `person` in on a fresh session (no fixation), keeping the language picked before."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(person)
    session.permanent = True
    session["signed_in_at"] = session["seen_at"] = session_clock()
