"""Competency framework: areas, competencies, the proficiency scale, the matrix."""

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.extensions import db
from lms.core.i18n import Translated


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
