"""360-degree evaluations: questionnaires (versioned), cycles, subjects, raters, responses
and the stored results of closed cycles.

A rater row ties a person (or an external rater's name and e-mail) to one subject in one
group. Responses point at their rater so a second submission can be refused, but nothing
outside `results.py` reads responses: the aggregation there is the only way out, and it never
returns a rating of an anonymous group (peers, direct reports, customers) rater by rater.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db
from lms.core.i18n import Translated

# Rater groups, in the order pages show them.
GROUPS = ("self", "manager", "peer", "direct_report", "customer")
# Groups whose members stay anonymous: shown only in aggregate, and only from the threshold.
ANONYMOUS_GROUPS = frozenset({"peer", "direct_report", "customer"})
TIERS = ("agent", "manager")
ITEM_KINDS = ("rating", "comment")
NOMINATION_STATES = ("open", "submitted", "approved")
RATER_STATES = ("proposed", "invited", "declined")


class Questionnaire(Translated, db.Model):
    """A questionnaire template for one tier (agents or managers); content lives in versions."""

    __tablename__ = "review360_questionnaire"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(20), default="agent")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    versions: Mapped[list["QuestionnaireVersion"]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def current(self) -> "QuestionnaireVersion":
        return self.versions[-1]


class QuestionnaireVersion(db.Model):
    """One version of a questionnaire: its scale, anchors and items. A version that a cycle
    uses is frozen (`in_use`); editing then makes the next version."""

    __tablename__ = "review360_questionnaire_version"
    __table_args__ = (UniqueConstraint("questionnaire_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("review360_questionnaire.id", ondelete="CASCADE"))
    number: Mapped[int]
    scale_min: Mapped[int] = mapped_column(default=1)
    scale_max: Mapped[int] = mapped_column(default=5)
    # {"en": ["Never", …], "zh_Hans_CN": ["从不", …]}: one anchor per scale point, low to high.
    anchors: Mapped[dict] = mapped_column(db.JSON, default=dict)
    in_use: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")
    items: Mapped[list["QuestionnaireItem"]] = relationship(
        back_populates="version", order_by="QuestionnaireItem.position",
        cascade="all, delete-orphan",
    )


class QuestionnaireItem(Translated, db.Model):
    """A behavioural statement rated on the scale ("rating"), or an open question ("comment")."""

    __tablename__ = "review360_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("review360_questionnaire_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20), default="rating")
    text: Mapped[str] = mapped_column(Text)

    version: Mapped[QuestionnaireVersion] = relationship(back_populates="items")
    competency_links: Mapped[list["ItemCompetency"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def competency_ids(self) -> list[int]:
        return [link.competency_id for link in self.competency_links]


class ItemCompetency(db.Model):
    __tablename__ = "review360_item_competency"
    item_id: Mapped[int] = mapped_column(
        ForeignKey("review360_item.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competency.id", ondelete="CASCADE"), primary_key=True)


class Cycle(Translated, db.Model):
    """A round of 360 evaluations (e.g. a quarter) for a set of subjects. Its configuration
    (weights, minimum raters, anonymity threshold, dates, pass mark) lives on it."""

    __tablename__ = "review360_cycle"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[date]
    closes_on: Mapped[date]  # responses are taken through this day (UTC)
    anonymity_threshold: Mapped[int] = mapped_column(default=3)
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("80"))
    # How long an external rater's link lives after it is sent (it never outlives the cycle).
    link_days: Mapped[int] = mapped_column(default=14)
    # Mail domains many unrelated people share (public providers, big customers), separated
    # by spaces: a subject may have several external raters there; elsewhere one per domain.
    shared_domains: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Who may be evaluated (subject_…) and who may be nominated as a peer (rater_…), as
    # lms.core.eligibility reads it: a tier, a path's certificate held ("held") or inside its
    # recertification window ("expiring"), a stage of a path. Nothing set: anyone.
    subject_tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    subject_cert_path_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    subject_cert_rule: Mapped[str] = mapped_column(String(10), default="", server_default="")
    subject_stage_path_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    subject_stage: Mapped[str] = mapped_column(String(12), default="", server_default="")
    rater_tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    rater_cert_path_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    rater_cert_rule: Mapped[str] = mapped_column(String(10), default="", server_default="")
    rater_stage_path_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    rater_stage: Mapped[str] = mapped_column(String(12), default="", server_default="")

    groups: Mapped[list["CycleGroup"]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", lazy="selectin")
    subjects: Mapped[list["Subject"]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan")

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def group(self, key: str) -> "CycleGroup | None":
        return next((g for g in self.groups if g.group == key), None)


class CycleGroup(db.Model):
    """One rater group's weight (share of the weighted score) and minimum raters in a cycle."""

    __tablename__ = "review360_cycle_group"
    __table_args__ = (UniqueConstraint("cycle_id", "group"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review360_cycle.id", ondelete="CASCADE"))
    group: Mapped[str] = mapped_column(String(20))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    min_raters: Mapped[int] = mapped_column(default=1)

    cycle: Mapped[Cycle] = relationship(back_populates="groups")


class Subject(db.Model):
    """A person evaluated in a cycle, with the questionnaire version for their tier and the
    state of their nominations (open → submitted by them → approved by their manager)."""

    __tablename__ = "review360_subject"
    __table_args__ = (UniqueConstraint("cycle_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review360_cycle.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("review360_questionnaire_version.id"))
    # Managers are rated by their direct reports instead of customers.
    rated_as_manager: Mapped[bool] = mapped_column(default=False)
    nomination_state: Mapped[str] = mapped_column(String(20), default="open")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The weighted overall score 0–100 once the cycle is closed (None: no group qualified).
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))

    cycle: Mapped[Cycle] = relationship(back_populates="subjects")
    person = relationship("Person", foreign_keys=[person_id])
    version: Mapped[QuestionnaireVersion] = relationship()
    raters: Mapped[list["Rater"]] = relationship(
        back_populates="subject", cascade="all, delete-orphan", order_by="Rater.id")


class Rater(db.Model):
    """Someone asked to rate a subject in one group: a person, or an external rater (name and
    e-mail, no account) who answers through a one-time link whose token is kept only as a
    SHA-256 hash."""

    __tablename__ = "review360_rater"
    __table_args__ = (
        Index("ix_review360_rater_person", "person_id"),
        UniqueConstraint("token_hash"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("review360_subject.id", ondelete="CASCADE"), index=True)
    group: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    external_name: Mapped[str] = mapped_column(String(200), default="")
    external_email: Mapped[str] = mapped_column(String(254), default="")
    state: Mapped[str] = mapped_column(String(20), default="proposed")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # An external rater is confirmed when HR (not the subject, not their line, not whoever
    # proposed it) has vouched for the address, e.g. from the customer records. Unconfirmed
    # external raters may be the nominator's own addresses: see `results`.
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_hash: Mapped[str | None] = mapped_column(String(64))
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subject: Mapped[Subject] = relationship(back_populates="raters")
    person = relationship("Person", foreign_keys=[person_id])
    response: Mapped["Response | None"] = relationship(
        back_populates="rater", cascade="all, delete-orphan", uselist=False)

    @property
    def external(self) -> bool:
        return self.person_id is None

    @property
    def submitted(self) -> bool:
        return self.response is not None and self.response.submitted_at is not None

    @property
    def unconfirmed(self) -> bool:
        """An external rater nobody independent has vouched for (see `confirmed_by_id`)."""
        return self.external and self.confirmed_by_id is None


class Response(db.Model):
    """A rater's answers: a draft until `submitted_at`, then final."""

    __tablename__ = "review360_response"
    id: Mapped[int] = mapped_column(primary_key=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("review360_rater.id", ondelete="CASCADE"),
                                          unique=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rater: Mapped[Rater] = relationship(back_populates="response")
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", lazy="selectin")


class Answer(db.Model):
    """One item's answer: a rating on the scale, None for "cannot judge", or a comment."""

    __tablename__ = "review360_answer"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("review360_response.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("review360_item.id"))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    response: Mapped[Response] = relationship(back_populates="answers")


class SubjectScore(db.Model):
    """A stored result of a closed cycle: the weighted score (group "") or one group's score
    (only groups that met their threshold are stored), overall (no competency) or for one
    competency. 0–100, exact."""

    __tablename__ = "review360_subject_score"
    __table_args__ = (UniqueConstraint("subject_id", "group", "competency_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("review360_subject.id", ondelete="CASCADE"), index=True)
    group: Mapped[str] = mapped_column(String(20), default="")
    competency_id: Mapped[int | None] = mapped_column(
        ForeignKey("competency.id", ondelete="CASCADE"))
    score: Mapped[Decimal] = mapped_column(Numeric(8, 4))
