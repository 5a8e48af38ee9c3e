"""Role-play scenarios, rubrics (versioned), submissions, chat transcripts, grades and
calibration sessions.

Rubrics are versioned like quiz questions: a grade points at the exact RubricVersion it used,
so editing a rubric after grading has started makes a new version and past grades keep theirs.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db
from lms.core.i18n import Translated, current_language

MODES = ("chat", "upload", "live")
CUSTOMER_SIDES = ("script", "mentor")
SUBMISSION_STATES = ("in_progress", "submitted", "graded")
GRADE_ROLES = ("primary", "second", "moderation", "calibration")
GRADE_STATES = ("draft", "released")


class Rubric(Translated, db.Model):
    """A reusable scorecard; its criteria live in versions (the highest number is current)."""

    __tablename__ = "roleplay_rubric"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    versions: Mapped[list["RubricVersion"]] = relationship(
        back_populates="rubric", order_by="RubricVersion.number", cascade="all, delete-orphan")

    @property
    def current(self) -> "RubricVersion":
        return self.versions[-1]


class RubricVersion(db.Model):
    __tablename__ = "roleplay_rubric_version"
    __table_args__ = (UniqueConstraint("rubric_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("roleplay_rubric.id", ondelete="CASCADE"))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    rubric: Mapped[Rubric] = relationship(back_populates="versions")
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="version", order_by="Criterion.position", cascade="all, delete-orphan")


class Criterion(Translated, db.Model):
    """One row of a rubric: a weight, levels with points, and the competencies it evidences."""

    __tablename__ = "roleplay_criterion"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_rubric_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("1"))
    required: Mapped[bool] = mapped_column(default=True)
    # Competency codes this criterion evidences (codes survive framework edits and CSV).
    competency_codes: Mapped[list] = mapped_column(JSON, default=list)

    version: Mapped[RubricVersion] = relationship(back_populates="criteria")
    levels: Mapped[list["CriterionLevel"]] = relationship(
        back_populates="criterion", order_by="CriterionLevel.position",
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def max_points(self) -> Decimal:
        return max((level.points for level in self.levels), default=Decimal(0))


class CriterionLevel(Translated, db.Model):
    __tablename__ = "roleplay_criterion_level"
    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_criterion.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)  # 0 = lowest
    title: Mapped[str] = mapped_column(String(120))
    descriptor: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    # The competency level (1–5) a rating at this level evidences (None: spread evenly, see
    # assessments.roleplay.services.passmarks).
    competency_level: Mapped[int | None]

    criterion: Mapped[Criterion] = relationship(back_populates="levels")


class Scenario(Translated, db.Model):
    """A simulated customer contact and the rules it is assessed by."""

    __tablename__ = "roleplay_scenario"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    path_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    persona: Mapped[str] = mapped_column(Text, default="")
    situation: Mapped[str] = mapped_column(Text, default="")
    customer_knows: Mapped[str] = mapped_column(Text, default="")
    customer_wants: Mapped[str] = mapped_column(Text, default="")
    agent_goal: Mapped[str] = mapped_column(Text, default="")
    opening_message: Mapped[str] = mapped_column(Text, default="")
    rubric_id: Mapped[int] = mapped_column(ForeignKey("roleplay_rubric.id"))
    published: Mapped[bool] = mapped_column(default=False)
    allow_chat: Mapped[bool] = mapped_column(default=True)
    allow_upload: Mapped[bool] = mapped_column(default=True)
    allow_live: Mapped[bool] = mapped_column(default=True)
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("80"))
    attempts_allowed: Mapped[int] = mapped_column(default=3)  # 0: unlimited
    retry_wait_hours: Mapped[int] = mapped_column(default=0)
    sla_hours: Mapped[int] = mapped_column(default=24)
    calibration_share: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("10"))
    # Two grades whose scores differ by more than this many points go to a lead to moderate.
    agreement_threshold: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("15"))
    upload_max_mb: Mapped[int] = mapped_column(default=50)
    # Who may take it (lms.core.eligibility): only people on its tier (path_id) when
    # `tier_only`, and holders of a path's certificate ("held") or holders inside its
    # recertification window ("expiring").
    tier_only: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    certificate_path_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    certificate_rule: Mapped[str] = mapped_column(String(10), default="", server_default="")
    # … and/or people at a stage ("training", "assessment") of a path.
    stage_path_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(12), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    rubric: Mapped[Rubric] = relationship()
    path = relationship("CertificationPath", foreign_keys=[path_id])
    certificate_path = relationship("CertificationPath", foreign_keys=[certificate_path_id])
    stage_path = relationship("CertificationPath", foreign_keys=[stage_path_id])
    competency_links: Mapped[list["ScenarioCompetency"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")
    attachments: Mapped[list["ScenarioAttachment"]] = relationship(
        cascade="all, delete-orphan", order_by="ScenarioAttachment.id")
    script: Mapped[list["ScriptTurn"]] = relationship(
        cascade="all, delete-orphan", order_by="ScriptTurn.position")

    def display_title(self, language: str | None = None) -> str:
        return self.translation("title", language) or self.title

    def attachments_for(self, language: str | None = None) -> list["ScenarioAttachment"]:
        """The files to read first in `language` (default: the page's): those written in it
        and those for any language; when none is in it, those in the other languages."""
        language = language or current_language()
        mine = [a for a in self.attachments if a.language in (None, language)]
        if any(a.language == language for a in self.attachments):
            return mine
        return list(self.attachments)


class ScenarioCompetency(db.Model):
    __tablename__ = "roleplay_scenario_competency"
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_scenario.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competency.id", ondelete="CASCADE"), primary_key=True)


class ScenarioAttachment(db.Model):
    """A file agents read before the role-play (e.g. the policy excerpt)."""

    __tablename__ = "roleplay_scenario_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_scenario.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    # The language the file is written in (None: any); learners see theirs, else the rest.
    language: Mapped[str | None] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]


class ScriptTurn(Translated, db.Model):
    """What the scripted customer says after the agent's n-th message (n = position + 1):
    the first branch whose keyword appears in that message, else `reply`.
    branches: [{"keywords": ["refund", "退款"], "reply": "…"}]; keywords of every language
    live together, a branch's reply in other languages under translations[lang]["branches"]."""

    __tablename__ = "roleplay_script_turn"
    __table_args__ = (UniqueConstraint("scenario_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_scenario.id", ondelete="CASCADE"))
    position: Mapped[int]
    reply: Mapped[str] = mapped_column(Text)
    branches: Mapped[list] = mapped_column(JSON, default=list)


class Submission(db.Model):
    """One performance of a scenario: a typed chat, an uploaded recording or a live session.
    Reference recordings of calibration sessions are submissions with `is_reference`."""

    __tablename__ = "roleplay_submission"
    __table_args__ = (
        UniqueConstraint("scenario_id", "person_id", "number"),
        Index("ix_roleplay_submission_person", "person_id", "scenario_id"),
        Index("ix_roleplay_submission_mentor", "mentor_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("roleplay_scenario.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    number: Mapped[int]
    mode: Mapped[str] = mapped_column(String(10))
    customer_side: Mapped[str | None] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20), default="in_progress")
    is_reference: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    recording_filename: Mapped[str | None] = mapped_column(String(200))
    recording_sha256: Mapped[str | None] = mapped_column(String(64))
    recording_type: Mapped[str | None] = mapped_column(String(100))
    recording_size: Mapped[int | None]
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("roleplay_rubric_version.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    second_mentor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    needs_moderation: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    scenario: Mapped[Scenario] = relationship()
    person = relationship("Person", foreign_keys=[person_id])
    mentor = relationship("Person", foreign_keys=[mentor_id])
    second_mentor = relationship("Person", foreign_keys=[second_mentor_id])
    rubric_version: Mapped[RubricVersion] = relationship()
    messages: Mapped[list["ChatMessage"]] = relationship(
        back_populates="submission", order_by="ChatMessage.position",
        cascade="all, delete-orphan")
    grades: Mapped[list["Grade"]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="Grade.id")


class ChatMessage(db.Model):
    __tablename__ = "roleplay_chat_message"
    __table_args__ = (UniqueConstraint("submission_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_submission.id", ondelete="CASCADE"))
    position: Mapped[int]
    sender: Mapped[str] = mapped_column(String(10))  # "agent" | "customer"
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # None: the script
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The script turn (position) a scripted reply answered; None for the opening line, a
    # "sorry, I don't follow" reply (the script waits) and people's messages.
    script_turn: Mapped[int | None]

    submission: Mapped[Submission] = relationship(back_populates="messages")


class Grade(db.Model):
    """One grader's scoring of a submission against its rubric version."""

    __tablename__ = "roleplay_grade"
    __table_args__ = (UniqueConstraint("submission_id", "grader_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_submission.id", ondelete="CASCADE"), index=True)
    grader_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    role: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(10), default="draft")
    # The grade the agent's result rests on: the released primary grade, or the moderated one.
    final: Mapped[bool] = mapped_column(default=False)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("roleplay_rubric_version.id"))
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))  # 0–100, exact
    passed: Mapped[bool | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    improvement_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submission: Mapped[Submission] = relationship(back_populates="grades")
    grader = relationship("Person")
    rubric_version: Mapped[RubricVersion] = relationship()
    ratings: Mapped[list["GradeRating"]] = relationship(
        back_populates="grade", cascade="all, delete-orphan", lazy="selectin")


class GradeRating(db.Model):
    """The level a grade gives one criterion, and the grader's comment on it."""

    __tablename__ = "roleplay_grade_rating"
    grade_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_grade.id", ondelete="CASCADE"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_criterion.id"), primary_key=True)
    level_id: Mapped[int | None] = mapped_column(ForeignKey("roleplay_criterion_level.id"))
    comment: Mapped[str] = mapped_column(Text, default="")

    grade: Mapped[Grade] = relationship(back_populates="ratings")
    level: Mapped[CriterionLevel | None] = relationship(lazy="selectin")


class CalibrationSession(db.Model):
    """Every mentor grades the same reference recording; the spread shows per criterion."""

    __tablename__ = "roleplay_calibration"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    submission_id: Mapped[int] = mapped_column(ForeignKey("roleplay_submission.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed: Mapped[bool] = mapped_column(default=False)

    submission: Mapped[Submission] = relationship()
