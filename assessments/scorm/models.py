"""SCORM packages and the attempts learners make at them.

A package's zip is kept whole in storage (under its SHA-256) and its files are read from the
zip when served: nothing is ever extracted, so no entry name can reach the file system. An
attempt keeps the CMI data model the package wrote (every element it set, as strings, as
SCORM defines them; an xAPI package's state documents), with the parts people ask about copied
into columns.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db

# "xapi": a Tin Can package (tincan.xml), launched with the LMS's xAPI proxy as its LRS.
SCORM_VERSIONS = ("1.2", "2004", "xapi")


class ScormPackage(db.Model):
    """An uploaded SCORM 1.2 or 2004 package, or an xAPI one (`identifier`: its root
    activity); optionally the content of a course lesson."""

    __tablename__ = "scorm_package"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(10))
    identifier: Mapped[str] = mapped_column(String(255), default="")
    launch: Mapped[str] = mapped_column(String(500))
    # SCORM 1.2's adlcp:masteryscore (0–100): the score that passes, when the package has one.
    mastery_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    file_count: Mapped[int]
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"))
    lesson_key: Mapped[str | None] = mapped_column(String(36), index=True)
    # The competency a passed attempt evidences (score → level), when one is set.
    competency_id: Mapped[int | None] = mapped_column(
        ForeignKey("competency.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ScormAttempt(db.Model):
    """One learner's attempt at a package: the CMI data it stored, and its standing."""

    __tablename__ = "scorm_attempt"
    __table_args__ = (UniqueConstraint("package_id", "person_id", "number"),
                      Index("ix_scorm_attempt_person_package", "person_id", "package_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("scorm_package.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer, default=1)
    cmi: Mapped[dict] = mapped_column(JSON, default=dict)
    location: Mapped[str] = mapped_column(Text, default="")
    completion_status: Mapped[str] = mapped_column(String(20), default="not attempted")
    success_status: Mapped[str] = mapped_column(String(20), default="unknown")
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))  # 0–100
    total_seconds: Mapped[int] = mapped_column(default=0)
    commits: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    package: Mapped[ScormPackage] = relationship()
