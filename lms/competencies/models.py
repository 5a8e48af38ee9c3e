"""Competency framework: areas, competencies, the proficiency scale, the matrix; the evidence
of people's levels and the level each person holds (kept up to date from the evidence)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db
from lms.core.i18n import Translated
from lms.core.references import checked_per_statement


class CompetencyArea(Translated, db.Model):
    """A group of competencies (Communication, Product knowledge, …)."""

    __tablename__ = "competency_area"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    competencies: Mapped[list["Competency"]] = relationship(
        back_populates="area", order_by="Competency.position"
    )


class Competency(Translated, db.Model):
    """One competency that assessments evidence and the matrix requires."""

    __tablename__ = "competency"
    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("competency_area.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # A quiz attempt evidences a level in this competency only with at least this many
    # questions tagged with it; fewer give "not enough evidence".
    min_items: Mapped[int] = mapped_column(default=3, server_default="3")

    area: Mapped[CompetencyArea] = relationship(back_populates="competencies")


class ProficiencyLevel(Translated, db.Model):
    """One step of the proficiency scale (default 1–5), with what it looks like in practice."""

    __tablename__ = "proficiency_level"
    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")


class MatrixRequirement(db.Model):
    """The level a tier (certification path) requires in one competency."""

    __tablename__ = "matrix_requirement"
    __table_args__ = (UniqueConstraint("path_id", "competency_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("certification_path.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competency.id", ondelete="CASCADE"))
    required_level: Mapped[int] = mapped_column(ForeignKey("proficiency_level.level"))

    competency: Mapped[Competency] = relationship()
    path = relationship("CertificationPath", back_populates="requirements")


class Evidence(db.Model):
    """One observation of a person's level in one competency, from one assessment result."""

    __tablename__ = "competency_evidence"
    # By source: a result (or a KPI import of thousands of people) replaces its rows.
    __table_args__ = (Index("ix_evidence_person_competency", "person_id", "competency_id"),
                      Index("ix_evidence_source", "source_kind", "source_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competency.id", ondelete="CASCADE"))
    # Level on the proficiency scale, exact (e.g. 3.60 from a 72 % score on a 1–5 scale).
    level: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    source_kind: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(60))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("1"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EvidenceKindWeight(db.Model):
    """The profile policy's weight of one evidence kind, where it differs from the default
    (lms.competencies.services.evidence.DEFAULT_KIND_WEIGHTS); written onto each evidence row
    of the kind, so changing it rewrites the rows and the stored levels."""

    __tablename__ = "evidence_kind_weight"
    source_kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))


class CompetencyLevel(db.Model):
    """The level a person holds in one competency: the evidence profile policy
    (lms.competencies.services.evidence) applied to their evidence, stored when evidence is
    written so that reports read one row instead of the whole history.
    `flask --app lms check-derived` recomputes these from the evidence and compares."""

    __tablename__ = "competency_level"
    __table_args__ = (Index("ix_competency_level_competency", "competency_id", "level"),
                      # The last change of any level: reports keep aggregates until it moves.
                      Index("ix_competency_level_updated_at", "updated_at"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competency.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    # The weighted mean before rounding (8 places), and the source kinds it came from.
    exact: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    sources: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


# Every KPI push writes these by the hundred thousand (see lms.core.references).
checked_per_statement(Evidence.__table__)
checked_per_statement(CompetencyLevel.__table__)
