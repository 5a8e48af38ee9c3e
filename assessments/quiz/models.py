"""Question banks, quizzes and attempts.

Questions are versioned: an attempt points at the exact QuestionVersion it showed, so editing
a question (a new version) never changes a past attempt's score; a deliberate regrade does,
and leaves an audit entry.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
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

QUESTION_TYPES = ("single", "multiple", "truefalse", "shortanswer", "numerical", "matching",
                  "essay", "description")
# A description is text shown between questions (Moodle's "description"): never scored.
UNSCORED_TYPES = ("description",)
GRADING_METHODS = ("highest", "last", "first", "average")
OVERDUE_HANDLING = ("autosubmit", "grace", "abandon")
ATTEMPT_STATES = ("in_progress", "overdue", "finished", "abandoned")
REVIEW_MOMENTS = ("during", "immediately", "open", "final", "closed")
REVIEW_ITEMS = ("score", "competencies", "responses", "right_answers", "feedback")
# What a certification (closed-book) exam shows unless its author says otherwise: the score and
# the competencies to work on until the person's last attempt or the close date, then all.
CERTIFICATION_REVIEW = {
    "immediately": ["score", "competencies"], "open": ["score", "competencies"],
    "final": list(REVIEW_ITEMS), "closed": list(REVIEW_ITEMS)}


class QuestionCategory(db.Model):
    """A folder of the question bank ("Product knowledge › Refunds")."""

    __tablename__ = "question_category"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("question_category.id"))
    description: Mapped[str] = mapped_column(Text, default="")

    parent: Mapped["QuestionCategory | None"] = relationship(remote_side=[id])


class Question(db.Model):
    """A question's identity; its content lives in versions (the latest is current)."""

    __tablename__ = "question"
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("question_category.id"), index=True)
    difficulty: Mapped[int] = mapped_column(default=3)  # 1 (easy) … 5 (hard)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Moodle's question idnumber and tags, kept so an exported bank carries them back out.
    idnumber: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list] = mapped_column(JSON, default=list)

    category: Mapped[QuestionCategory] = relationship()
    versions: Mapped[list["QuestionVersion"]] = relationship(
        back_populates="question", order_by="QuestionVersion.number",
        cascade="all, delete-orphan",
    )
    competency_links: Mapped[list["QuestionCompetency"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class QuestionAttachment(db.Model):
    """A file a question's text refers to (an image from a Moodle XML export), stored outside
    the web root under its SHA-256 and served at the question's file URL."""

    __tablename__ = "question_attachment"
    __table_args__ = (UniqueConstraint("question_id", "filename"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"),
                                             index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]


class QuestionCompetency(db.Model):
    __tablename__ = "question_competency"
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competency.id", ondelete="CASCADE"), primary_key=True
    )


class QuestionVersion(Translated, db.Model):
    """One version of a question's content. `data` holds the type's parts:

    single/multiple: {"options": [{"id": "a", "text": …, "fraction": "1", "feedback": …}]}
    truefalse: {"answer": true, "feedback_true": …, "feedback_false": …}
    shortanswer: {"answers": [{"text": …, "fraction": "1", "feedback": …}],
                  "case_sensitive": false}
    numerical: {"answers": [{"value": "30", "tolerance": "0", "fraction": "1", "feedback": …}]}
    matching: {"pairs": [{"id": "p1", "prompt": …, "answer": …}]}
    essay: {"response_hint": …}
    description: {} (text only, never scored)
    Any type may also hold "hints" ([text, …], shown on later tries in Moodle) and "penalty"
    (a decimal string), kept for export.
    Fractions are decimal strings (exact); negative fractions are penalties.

    `translations` holds the other languages' texts (see assessments.quiz.services.languages); the
    ids, fractions and values above are the same in every language.
    """

    __tablename__ = "question_version"
    __table_args__ = (UniqueConstraint("question_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    number: Mapped[int]
    qtype: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    general_feedback: Mapped[str] = mapped_column(Text, default="")
    default_mark: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("1"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    question: Mapped[Question] = relationship(back_populates="versions")


class Quiz(Translated, db.Model):
    """A quiz or exam and its rules."""

    __tablename__ = "quiz"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # A knowledge check belongs to a course lesson (by the lesson's stable key).
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"))
    lesson_key: Mapped[str | None] = mapped_column(String(36))
    published: Mapped[bool] = mapped_column(default=False)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    attempts_allowed: Mapped[int] = mapped_column(default=0)  # 0: unlimited
    attempt_wait_seconds: Mapped[int] = mapped_column(default=0)
    grading_method: Mapped[str] = mapped_column(String(20), default="highest")
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("80"))
    closed_book: Mapped[bool] = mapped_column(default=False)
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    overdue_handling: Mapped[str] = mapped_column(String(20), default="autosubmit")
    grace_seconds: Mapped[int] = mapped_column(default=0)
    # {moment: [items]} — what a learner sees on review at each moment (REVIEW_MOMENTS ×
    # REVIEW_ITEMS); nothing listed, nothing shown.
    review_options: Mapped[dict] = mapped_column(JSON, default=dict)
    # Who may take it (lms.core.eligibility): people on a tier, and/or holders of a path's
    # certificate ("held") or holders inside its recertification window ("expiring").
    tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    certificate_path_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    certificate_rule: Mapped[str] = mapped_column(String(10), default="", server_default="")
    # … and/or people at a stage ("training", "assessment") of a path.
    stage_path_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(12), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    tier = relationship("CertificationPath", foreign_keys=[tier_id])
    certificate_path = relationship("CertificationPath", foreign_keys=[certificate_path_id])
    stage_path = relationship("CertificationPath", foreign_keys=[stage_path_id])
    items: Mapped[list["QuizItem"]] = relationship(
        back_populates="quiz", order_by="QuizItem.position", cascade="all, delete-orphan"
    )


class QuizItem(db.Model):
    """A slot of a quiz: a fixed question, or `draw_count` random questions of a category."""

    __tablename__ = "quiz_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("question_category.id"))
    draw_count: Mapped[int] = mapped_column(default=1)
    include_subcategories: Mapped[bool] = mapped_column(default=False)
    mark: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))  # None: question's default

    quiz: Mapped[Quiz] = relationship(back_populates="items")
    question: Mapped[Question | None] = relationship()
    category: Mapped[QuestionCategory | None] = relationship()


class QuizOverride(db.Model):
    """Accommodations for a person or a team: other dates, time limit or attempts."""

    __tablename__ = "quiz_override"
    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    attempts_allowed: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    reason: Mapped[str] = mapped_column(Text, default="")


class Attempt(db.Model):
    """One attempt at a quiz. `deadline_at` is fixed at start (overrides applied); the server
    finishes an attempt whose deadline has passed, whether or not the learner comes back."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        UniqueConstraint("quiz_id", "person_id", "number"),
        Index("ix_quiz_attempt_person_quiz", "person_id", "quiz_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), default="in_progress")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marks: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    max_marks: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))  # 0–100, exact
    passed: Mapped[bool | None]
    needs_grading: Mapped[bool] = mapped_column(default=False)

    quiz: Mapped[Quiz] = relationship()
    questions: Mapped[list["AttemptQuestion"]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.slot", cascade="all, delete-orphan"
    )


class AttemptQuestion(db.Model):
    """A question as shown in an attempt: the exact version, its mark, the option order."""

    __tablename__ = "quiz_attempt_question"
    __table_args__ = (UniqueConstraint("attempt_id", "slot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    slot: Mapped[int]
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    mark: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    option_order: Mapped[list] = mapped_column(JSON, default=list)
    # The learner's current response; `sequence` rises with every save so a stale post from
    # an old page or a second tab can be recognised and refused.
    response: Mapped[dict | None] = mapped_column(JSON)
    sequence: Mapped[int] = mapped_column(default=0)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fraction: Mapped[Decimal | None] = mapped_column(Numeric(8, 6))  # None: not graded yet
    feedback: Mapped[str] = mapped_column(Text, default="")  # a grader's comment (essays)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    version: Mapped[QuestionVersion] = relationship()
