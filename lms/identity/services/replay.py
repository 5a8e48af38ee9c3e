"""The replay guard: a state, nonce or assertion id is accepted once. Callers own the commit
(a refused sign-in rolls back, so a failure never burns a token it did not use)."""

from datetime import UTC, datetime

from sqlalchemy import delete, select

from lms.identity.models import UsedToken


def use_once(session, key: str, expires_at: datetime) -> bool:
    """Record `key` as used; False when it already was (a replay). Forgets the tokens whose
    own lifetime has ended on the way (one indexed delete)."""
    trim(session)
    if session.scalar(select(UsedToken.key).where(UsedToken.key == key)) is not None:
        return False
    session.add(UsedToken(key=key[:300], expires_at=expires_at))
    session.flush()
    return True


def trim(session) -> int:
    """Forget tokens whose own lifetime has ended (they cannot be replayed any more)."""
    # Wall-clock time: the tokens' lifetimes are the providers', not the business clock's.
    return session.execute(delete(UsedToken).where(
        UsedToken.expires_at < datetime.now(UTC))).rowcount
