"""SCIM bearer tokens: their own scope (they reach /scim/v2 and nothing else), stored as a
SHA-256, shown once. Callers own the commit."""

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.identity.models import ScimToken
from lms.people.models import Person

PREFIX = "lms_scim_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session, actor: Person, name: str) -> str:
    """A new token named `name`; returns the plaintext, which is never stored."""
    name = name.strip()
    if not name:
        raise DomainError(_("Name the token."), "name")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ScimToken(name=name, token_hash=_digest(token), prefix=token[:12],
                    created_by_id=actor.id, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(actor, "identity.scim_token_create", row, name=name)
    return token


def revoke_token(session, actor: Person, token: ScimToken) -> None:
    """Revoke a token (kept for the record); refuses one already revoked."""
    if token.revoked_at is not None:
        raise DomainError(_("This token is already revoked."))
    token.revoked_at = clock.now()
    session.flush()
    audit.record(actor, "identity.scim_token_revoke", token, name=token.name)


def token_for(session, presented: str) -> ScimToken | None:
    """The live token `presented` is (None for an unknown or revoked one). Marks it used at
    most once a minute, not on every request."""
    if not presented.startswith(PREFIX):
        return None
    row = session.scalar(select(ScimToken).where(ScimToken.token_hash == _digest(presented)))
    if row is None or row.revoked_at is not None:
        return None
    now = clock.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
    return row
