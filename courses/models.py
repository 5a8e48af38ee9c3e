"""Courses: structure (course → modules → lessons) in published versions, enrolment, progress.

Versions: authors edit a course's draft version; publishing freezes it as version N and
learners read the latest published version. Modules and lessons carry a `key` that stays the
same across versions, so progress (kept per lesson key) survives a new version.
"""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db
from lms.core.i18n import Translated

COURSE_STATES = ("draft", "published", "archived")
ENROLMENT_SOURCES = ("path", "assigned", "self")


class Course(Translated, db.Model):
    """A course. Its content lives in versions; `published_version` is what learners read."""

    __tablename__ = "course"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # Anyone may enrol themself (optional courses); otherwise enrolment is by path or assignment.
    self_enrol: Mapped[bool] = mapped_column(default=False)
    published_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Loaded only by the authors' list (courses.services.authoring.course_list_query): whether
    # an unpublished draft version exists; None elsewhere.
    has_draft: Mapped[bool | None] = query_expression()

    versions: Mapped[list["CourseVersion"]] = relationship(
        back_populates="course", order_by="CourseVersion.number", cascade="all, delete-orphan"
    )
    competency_links: Mapped[list["CourseCompetency"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    path_links: Mapped[list["PathCourse"]] = relationship(
        back_populates="course", cascade="all, delete-orphan", lazy="selectin"
    )
    prerequisite_links: Mapped[list["CoursePrerequisite"]] = relationship(
        foreign_keys="CoursePrerequisite.course_id", cascade="all, delete-orphan",
        lazy="selectin",
    )


class CourseCompetency(db.Model):
    """A competency the course trains."""

    __tablename__ = "course_competency"
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competency.id", ondelete="CASCADE"), primary_key=True
    )
    competency = relationship("Competency", lazy="joined")


class PathCourse(db.Model):
    """A course that belongs to a certification path's training (required or optional)."""

    __tablename__ = "path_course"
    path_id: Mapped[int] = mapped_column(
        ForeignKey("certification_path.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    # Days after enrolment by the path until the course is due (None: no due date).
    due_days: Mapped[int | None] = mapped_column(Integer)

    course: Mapped[Course] = relationship(back_populates="path_links")
    path = relationship("CertificationPath", lazy="joined")


class CoursePrerequisite(db.Model):
    """`course` can only be started once `requires` is completed."""

    __tablename__ = "course_prerequisite"
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    requires_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    requires: Mapped[Course] = relationship(foreign_keys=[requires_id], lazy="joined")


class CourseVersion(db.Model):
    """One version of a course's content. The highest-numbered version may be a draft."""

    __tablename__ = "course_version"
    __table_args__ = (UniqueConstraint("course_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    number: Mapped[int]
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    notes: Mapped[str] = mapped_column(Text, default="")

    course: Mapped[Course] = relationship(back_populates="versions")
    modules: Mapped[list["CourseModule"]] = relationship(
        back_populates="version", order_by="CourseModule.position", cascade="all, delete-orphan"
    )

    @property
    def is_draft(self) -> bool:
        return self.published_at is None


class CourseModule(Translated, db.Model):
    __tablename__ = "course_module"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    version: Mapped[CourseVersion] = relationship(back_populates="modules")
    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )


class Lesson(Translated, db.Model):
    """A Markdown lesson. `key` is stable across versions; `content_hash` tells changes."""

    __tablename__ = "lesson"
    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_module.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(36), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int] = mapped_column(default=10)
    position: Mapped[int] = mapped_column(default=0)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # Set by an author when publishing a changed lesson: completions of earlier content stop
    # counting from this version on (learners must complete it again; history is kept).
    recomplete_from_version: Mapped[int | None] = mapped_column(Integer)

    module: Mapped[CourseModule] = relationship(back_populates="lessons")
    attachments: Mapped[list["LessonAttachment"]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", order_by="LessonAttachment.id"
    )


class LessonAttachment(db.Model):
    """A file attached to a lesson, stored outside the web root under its SHA-256."""

    __tablename__ = "lesson_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]

    lesson: Mapped[Lesson] = relationship(back_populates="attachments")


class Enrollment(db.Model):
    """A person's place on a course. Never deleted: a withdrawn enrolment keeps its history."""

    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("person_id", "course_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20), default="assigned")
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    due_date: Mapped[date | None]
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_version: Mapped[int | None] = mapped_column(Integer)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)

    course: Mapped[Course] = relationship(lazy="joined")
    person = relationship("Person", foreign_keys=[person_id])


class LessonCompletion(db.Model):
    """A person completed a lesson (by key) at a given version of its content."""

    __tablename__ = "lesson_completion"
    __table_args__ = (
        Index("ix_lesson_completion_person_course", "person_id", "course_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    lesson_key: Mapped[str] = mapped_column(String(36))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seconds_spent: Mapped[int] = mapped_column(default=0)
    # "manual" (mark complete) or "quiz" (passed the lesson's knowledge check).
    method: Mapped[str] = mapped_column(String(20), default="manual")
