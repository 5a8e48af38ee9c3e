"""The replay guard: a state, nonce or assertion id is accepted once. Callers own the commit
(a refused sign-in rolls back, so a failure never burns a token it did not use)."""

from datetime import datetime

from sqlalchemy import delete, select

from lms.core import clock
from lms.identity.models import UsedToken


def use_once(session, key: str, expires_at: datetime) -> bool:
    """Record `key` as used; False when it already was (a replay)."""
    if session.scalar(select(UsedToken.key).where(UsedToken.key == key)) is not None:
        return False
    session.add(UsedToken(key=key[:300], expires_at=expires_at))
    session.flush()
    return True


def trim(session) -> int:
    """Forget tokens whose own lifetime has ended (they cannot be replayed any more)."""
    return session.execute(delete(UsedToken).where(UsedToken.expires_at < clock.now())).rowcount
