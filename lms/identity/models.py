"""Identity providers (OpenID Connect), the accounts they vouch for, SCIM tokens, and the
replay guard that remembers every state, nonce and assertion already used."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db

PROTOCOLS = ("oidc", "saml")


class IdentityProvider(db.Model):
    """A company identity provider people sign in with, configured by an administrator.

    `metadata_doc` is the discovery document read when the provider was saved; the signing
    keys are read at each sign-in (they rotate). The client secret is stored encrypted
    (`lms.identity.services.secrets`) and never shown again."""

    __tablename__ = "identity_provider"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    protocol: Mapped[str] = mapped_column(String(10), default="oidc")
    enabled: Mapped[bool] = mapped_column(default=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(300))
    client_secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    scopes: Mapped[str] = mapped_column(String(300), default="openid profile email")
    employee_id_claim: Mapped[str] = mapped_column(String(100), default="employee_id")
    # Just-in-time provisioning: an unknown employee ID becomes a new person (else refused).
    provisioning: Mapped[bool] = mapped_column(default=False)
    default_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    default_tier_id: Mapped[int | None] = mapped_column(ForeignKey("certification_path.id"))
    # [{"claim": "department", "value": "North", "team_id": 3, "tier_id": 1,
    #   "roles": ["agent"]}, …]: the first rule whose claim holds the value places a new person.
    mapping: Mapped[list] = mapped_column(JSON, default=list)
    metadata_doc: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    default_team = relationship("Team")
    default_tier = relationship("CertificationPath")

    def __repr__(self) -> str:
        return f"<IdentityProvider {self.key}>"


class ExternalIdentity(db.Model):
    """A person as a provider knows them (its `sub`), linked by employee ID on first sign-in."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("provider_id", "subject"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("identity_provider.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    provider: Mapped[IdentityProvider] = relationship()
    person = relationship("Person")


class UsedToken(db.Model):
    """A state, nonce or assertion id already used: a second use is a replay. Rows past
    `expires_at` are of no more use (the token itself has expired) and are trimmed."""

    __tablename__ = "used_token"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ScimToken(db.Model):
    """A bearer token for /scim/v2, stored as its SHA-256 only; shown once when made."""

    __tablename__ = "scim_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so an admin can tell tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

