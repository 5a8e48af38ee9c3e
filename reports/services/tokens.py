"""Personal access tokens for the read API: create, revoke, authenticate. Callers commit.

A token is "lms_pat_" followed by 43 URL-safe characters (32 random bytes). Only its SHA-256
is stored, so a leaked database does not leak usable tokens; the plaintext is returned once,
by `create_token`. A token reads what its person may see (`report_scope`), limited to
its scopes, so a manager's token never reaches another team whatever the request.
"""

import hashlib
import hmac
import re
import secrets
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.people.models import Person
from reports.models import ApiToken

PREFIX = "lms_pat_"
SCOPES = {
    "people:read": _l("People: names, teams, managers, tiers"),
    "certifications:read": _l("Certifications: status per path, dates, scores"),
    "profiles:read": _l("Competency profiles: levels against the matrix"),
    "kpis:write": _l("KPI values: push them (HR and administrators' tokens only)"),
}
# last_used_at is written at most this often per token, never on every request.
TOUCH_EVERY = timedelta(minutes=1)
_TOKEN_SHAPE = re.compile(r"lms_pat_[A-Za-z0-9_-]{43}")


class TokenRefused(Exception):
    """The bearer token is missing, malformed, unknown, revoked, expired or its person is
    deactivated (`reason` says which, for logs; the client always sees one message)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def hash_token(plaintext: str) -> str:
    """The stored form of a token: SHA-256, hex."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _end_of(day: date) -> datetime:
    """A token valid "until" a date works through that whole day (UTC)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def create_token(session, actor, *, name: str, person: Person, scopes, expires_on=None
                 ) -> tuple[ApiToken, str]:
    """A new token for `person` with `scopes`, valid through `expires_on` (or until revoked);
    returns it and its plaintext (shown once). Refuses unknown scopes, no scopes, a
    deactivated person and a past expiry date."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    scopes = sorted(set(scopes or ()))
    if not scopes:
        raise DomainError(_("Choose at least one scope."), field="scopes")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise DomainError(_("Unknown scope: %(scope)s", scope=", ".join(unknown)),
                          field="scopes")
    if person is None or not person.active:
        raise DomainError(_("Choose an active person."), field="person")
    if expires_on is not None and expires_on < clock.today():
        raise DomainError(_("The expiry date is in the past."), field="expires_on")
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name[:120], person_id=person.id, scopes=" ".join(scopes),
        token_hash=hash_token(plaintext), hint=plaintext[-4:],
        created_by_id=actor.id if actor is not None else None, created_at=clock.now(),
        expires_at=_end_of(expires_on) if expires_on else None)
    session.add(token)
    session.flush()
    audit.record(actor, "api_token.create", token, name=token.name,
                 person=person.employee_id, scopes=scopes,
                 expires_at=token.expires_at.isoformat() if token.expires_at else None)
    return token, plaintext


def revoke_token(session, actor, token: ApiToken, reason: str) -> None:
    """Revoke `token` at once; refuses one already revoked and an empty reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the token is revoked."), field="reason")
    if token.revoked_at is not None:
        raise DomainError(_("This token is already revoked."))
    token.revoked_at = clock.now()
    session.flush()
    audit.record(actor, "api_token.revoke", token, reason=reason, name=token.name)


def list_tokens(session) -> list[ApiToken]:
    """Every token, newest first, with its person and creator loaded."""
    from sqlalchemy.orm import joinedload

    return list(session.scalars(
        select(ApiToken).options(joinedload(ApiToken.person), joinedload(ApiToken.created_by))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def bearer_token(header: str | None) -> str:
    """The token of an `Authorization: Bearer …` header; TokenRefused without one."""
    scheme, _sep, value = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise TokenRefused("missing")
    return value.strip()


def authenticate(session, plaintext: str, now: datetime | None = None) -> ApiToken:
    """The live token `plaintext` names, its person loaded; TokenRefused when it is
    malformed, unknown, revoked, expired, or its person is deactivated."""
    if not _TOKEN_SHAPE.fullmatch(plaintext):
        # Checked before any query: nothing odd (a NUL byte, megabytes) reaches the database.
        raise TokenRefused("malformed")
    digest = hash_token(plaintext)
    row = session.execute(select(ApiToken, Person).join(Person, Person.id == ApiToken.person_id)
                          .where(ApiToken.token_hash == digest)).first()
    # The lookup is by digest; compare again in constant time so no timing tells how much
    # of a guess matched.
    if row is None or not hmac.compare_digest(row.ApiToken.token_hash, digest):
        raise TokenRefused("unknown")
    token, person = row
    status = token.status(now or clock.now())
    if status != "active":
        raise TokenRefused(status)
    if not person.active:
        raise TokenRefused("person_inactive")
    return token


def touch(token: ApiToken, now: datetime | None = None, in_session: bool = False) -> bool:
    """Record that `token` was used, at most once per TOUCH_EVERY: one conditional UPDATE on
    its own connection and transaction (the request's session stays read-only), or with
    `in_session` in the caller's transaction (a writing request, which commits it with its
    work). A busy database skips the write; it is a convenience, not an audit trail. True
    when written."""
    now = now or clock.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return False
    if in_session:
        token.last_used_at = now
        return True
    try:
        with db.engine.begin() as connection:
            # The condition repeats the check so concurrent workers write once between them.
            result = connection.execute(
                update(ApiToken.__table__).where(
                    ApiToken.__table__.c.id == token.id,
                    or_(ApiToken.__table__.c.last_used_at.is_(None),
                        ApiToken.__table__.c.last_used_at <= now - TOUCH_EVERY))
                .values(last_used_at=now))
            return result.rowcount == 1
    except Exception:  # noqa: BLE001  (a locked SQLite file or a lost connection: skip)
        return False
