"""Certification: per-path settings, versioned rules, evaluations, certificates and their
history, approvals, the certificate design, the issuer's signing key, and batches.

Only core tables are referenced (person, team, certification_path); results of assessment
kinds are read through the registry, never joined.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db
from lms.core.i18n import Translated
from lms.core.references import checked_per_statement

CERTIFICATE_STATES = ("valid", "revoked", "superseded")
APPROVAL_STATES = ("pending", "approved", "rejected")
BATCH_STATES = ("queued", "running", "done", "failed")


class CertificationSettings(db.Model):
    """What the certificates package adds to a path: approval and the recertification route."""

    __tablename__ = "certification_settings"
    path_id: Mapped[int] = mapped_column(
        ForeignKey("certification_path.id", ondelete="CASCADE"), primary_key=True)
    require_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # A named approver; without one HR approves.
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # The recertification route opens this many days before expiry and stays open this many
    # days after it; outside that window the full rules apply.
    recert_window_days: Mapped[int] = mapped_column(Integer, default=90)
    recert_grace_days: Mapped[int] = mapped_column(Integer, default=90)
    # Whether the recertification route also asks for the matrix levels.
    recert_requires_matrix: Mapped[bool] = mapped_column(Boolean, default=True)

    approver = relationship("Person")
    path = relationship("CertificationPath")


class RecertificationSlot(Translated, db.Model):
    """An assessment of a path's recertification route (e.g. a shorter re-exam, a current
    360 result). Without any, recertification takes the full rules. The label has a version
    per language (`translations`)."""

    __tablename__ = "recertification_slot"
    __table_args__ = (UniqueConstraint("path_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(
        ForeignKey("certification_path.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(200))
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    position: Mapped[int] = mapped_column(default=0)


class RulesVersion(db.Model):
    """A snapshot of a path's rules (courses, slots, composite, matrix, prerequisite,
    validity); a new number whenever any of it changes. Certificates name the one they were
    issued under."""

    __tablename__ = "rules_version"
    __table_args__ = (UniqueConstraint("path_id", "number", name="uq_rules_version_number"),
                      UniqueConstraint("path_id", "digest", name="uq_rules_version_digest"))
    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(
        ForeignKey("certification_path.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class CertificationEvaluation(db.Model):
    """The latest answer of the rules for one person and path: what `standings` reads.

    `missing` is a list of {"code": …, "params": {…}} so it renders in any language;
    `components` maps slot codes to exact scores (as strings) or None."""

    __tablename__ = "certification_evaluation"
    __table_args__ = (UniqueConstraint("person_id", "path_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    path_id: Mapped[int] = mapped_column(
        ForeignKey("certification_path.id", ondelete="CASCADE"))
    route: Mapped[str] = mapped_column(String(20), default="initial")
    eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    rules_met: Mapped[int] = mapped_column(Integer, default=0)
    rules_total: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[list] = mapped_column(JSON, default=list)
    composite: Mapped[Decimal | None] = mapped_column(Numeric(18, 8))
    components: Mapped[dict] = mapped_column(JSON, default=dict)
    # Some rule met or some result in (percent > 0, or a component scored): the difference
    # between "in progress" and "not started", kept as a column so reports can filter on it.
    started: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    rules_version_id: Mapped[int] = mapped_column(ForeignKey("rules_version.id"))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The last day the answer holds with nothing written (a KPI period or the quarter of
    # rotation hours ends, a prerequisite expires, a recertification window opens); None:
    # until something is written. Answers past it are re-evaluated by `send-reminders`.
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)

    rules_version = relationship("RulesVersion")


class Certificate(db.Model):
    """An issued certificate. Never deleted: revocation and supersession are states with a
    history (`CertificateEvent`); a name correction re-issues under the same serial."""

    __tablename__ = "certificate"
    __table_args__ = (Index("ix_certificate_person_path", "person_id", "path_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    # Unguessable code of the public verification page (secrets.token_urlsafe).
    verify_code: Mapped[str] = mapped_column(String(64), unique=True)
    # "person:path:n" — the n-th certificate of this person on this path; the unique key
    # makes two racing awards of the same achievement produce one certificate.
    achievement_key: Mapped[str] = mapped_column(String(80), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    path_id: Mapped[int] = mapped_column(ForeignKey("certification_path.id"))
    rules_version_id: Mapped[int] = mapped_column(ForeignKey("rules_version.id"))
    route: Mapped[str] = mapped_column(String(20), default="initial")
    status: Mapped[str] = mapped_column(String(20), default="valid")
    holder_name: Mapped[str] = mapped_column(String(200))
    # The path's name when issued, in English and Chinese: the document does not change when
    # an admin renames the path later.
    path_name: Mapped[str] = mapped_column(String(200))
    path_name_zh: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[date]
    expires_on: Mapped[date]
    validity_months: Mapped[int] = mapped_column(Integer)
    # The person's matrix row at issue: [{code, name, name_zh, level, required}]
    competencies: Mapped[list] = mapped_column(JSON, default=list)
    composite: Mapped[Decimal | None] = mapped_column(Numeric(18, 8))
    components: Mapped[dict] = mapped_column(JSON, default=dict)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    # Bumped by a name correction (the serial stays, the document is re-issued).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person = relationship("Person", foreign_keys=[person_id])
    approver = relationship("Person", foreign_keys=[approver_id])
    path = relationship("CertificationPath")
    rules_version = relationship("RulesVersion")
    previous: Mapped["Certificate | None"] = relationship(remote_side=[id])
    events: Mapped[list["CertificateEvent"]] = relationship(
        back_populates="certificate", order_by="CertificateEvent.id")


class CertificateEvent(db.Model):
    """One step in a certificate's history: issued, revoked, name corrected, superseded."""

    __tablename__ = "certificate_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    certificate: Mapped[Certificate] = relationship(back_populates="events")
    actor = relationship("Person")


class AwardApproval(db.Model):
    """An eligible person waiting for HR or the path's approver (paths that ask for it)."""

    __tablename__ = "award_approval"
    __table_args__ = (Index("ix_award_approval_person_path", "person_id", "path_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    path_id: Mapped[int] = mapped_column(ForeignKey("certification_path.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # Only one pending request per person and path: "person:path" while pending, else NULL.
    pending_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))

    person = relationship("Person", foreign_keys=[person_id])
    decided_by = relationship("Person", foreign_keys=[decided_by_id])
    path = relationship("CertificationPath")


class CertificationStanding(db.Model):
    """What a person's certificates and approval requests say on one path, stored whenever
    a certificate or request is written (certificates.services.standing keeps it), so that
    reports filter, sort and count in SQL: the newest certificate, the newest one still in
    force ("valid" status; whether it has expired is decided against today when read, so
    nothing needs a nightly job), and whether a request waits. The rules' answer is the
    path's `CertificationEvaluation`. `flask --app lms check-derived` recomputes these."""

    __tablename__ = "certification_standing"
    __table_args__ = (Index("ix_certification_standing_path", "path_id", "valid_expires_on"),
                      # "Expiring", "expired" and "certified" are date ranges on the certificate
                      # in force: with this index the HR table starts from the few thousand
                      # standings in the range instead of walking all 100,000 people (0.4 ms
                      # instead of 140 ms on SQLite at that size).
                      Index("ix_certification_standing_expires", "valid_expires_on",
                            "person_id", "path_id"),
                      # The last change of any standing: reports keep totals until it moves.
                      Index("ix_certification_standing_updated_at", "updated_at"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    path_id: Mapped[int] = mapped_column(
        ForeignKey("certification_path.id", ondelete="CASCADE"), primary_key=True)
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    latest_certificate_id: Mapped[int | None] = mapped_column(Integer)
    latest_serial: Mapped[str | None] = mapped_column(String(40))
    latest_status: Mapped[str | None] = mapped_column(String(20))
    latest_issued_on: Mapped[date | None]
    latest_expires_on: Mapped[date | None]
    valid_certificate_id: Mapped[int | None] = mapped_column(Integer)
    valid_serial: Mapped[str | None] = mapped_column(String(40))
    valid_issued_on: Mapped[date | None]
    valid_expires_on: Mapped[date | None]
    valid_composite: Mapped[Decimal | None] = mapped_column(Numeric(18, 8))
    valid_components: Mapped[dict | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class CertificateDesign(Translated, db.Model):
    """The certificate's look, restyled by admins: a sandboxed Jinja template, colours and
    images (kept as data: URLs, the only resources the PDF renderer loads). One row, id 1.
    The organisation and the signatory's title have a version per language (`translations`);
    the signatory's name prints as written."""

    __tablename__ = "certificate_design"
    id: Mapped[int] = mapped_column(primary_key=True)
    template: Mapped[str] = mapped_column(Text, default="")
    primary_colour: Mapped[str] = mapped_column(String(7), default="#1f4e79")
    accent_colour: Mapped[str] = mapped_column(String(7), default="#c9a227")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    logo: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[str] = mapped_column(Text, default="")
    seal: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class IssuerKey(db.Model):
    """A key that signs Open Badges credentials: Ed25519 (EdDSA) or RSA (RS256). The newest
    of each algorithm signs; older ones stay published so what they signed still verifies.
    The private key is stored encrypted (PKCS#8 with the deployment's passphrase) and never
    served. `kid` is the RFC 7638 thumbprint (what badges signed before key URIs named)."""

    __tablename__ = "issuer_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    alg: Mapped[str] = mapped_column(String(10), default="EdDSA", server_default="EdDSA")
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_pem: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class CertificateBatch(db.Model):
    """HR's batch: issue or re-render the certificates of a team or tier, as one zip."""

    __tablename__ = "certificate_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(String(20))  # "issue" or "render"
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    path_id: Mapped[int | None] = mapped_column(ForeignKey("certification_path.id"))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("Person")
    team = relationship("Team")
    path = relationship("CertificationPath")


# The set-based engine writes these for every person a push concerns (see
# lms.core.references); the rules version stays a foreign key, it goes with its path.
checked_per_statement(CertificationEvaluation.__table__, columns=("person_id", "path_id"))
checked_per_statement(CertificationStanding.__table__)
