"""Certification paths: the ordered tiers and the assessment slots their rules read."""

from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.extensions import db
from lms.core.i18n import Translated

# A tier's pass-rate target unless an admin sets another (the plans' new-hire target).
DEFAULT_PASS_RATE_TARGET = Decimal(80)


class CertificationPath(Translated, db.Model):
    """A tier's certification (new hire, senior agent, manager, or one an admin adds)."""

    __tablename__ = "certification_path"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    prerequisite_id: Mapped[int | None] = mapped_column(ForeignKey("certification_path.id"))
    validity_months: Mapped[int] = mapped_column(default=12)
    training_days: Mapped[int] = mapped_column(default=0)
    requires_mentor: Mapped[bool] = mapped_column(default=False)
    # Pass mark of the weighted composite of the slots that carry a weight; None: no composite.
    composite_pass_mark: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    active: Mapped[bool] = mapped_column(default=True)
    # The share of the tier's assessed people who should pass, in percent (the group
    # figures report measures it). A target, not a rule: not in the certification rules.
    pass_rate_target: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), default=DEFAULT_PASS_RATE_TARGET, server_default="80")

    prerequisite: Mapped["CertificationPath | None"] = relationship(remote_side=[id])
    slots: Mapped[list["AssessmentSlot"]] = relationship(
        back_populates="path", order_by="AssessmentSlot.position", cascade="all, delete-orphan"
    )
    requirements = relationship(
        "MatrixRequirement", back_populates="path", cascade="all, delete-orphan"
    )


class AssessmentSlot(Translated, db.Model):
    """An assessment a path requires, named by its kind's registry key (see assessments)."""

    __tablename__ = "assessment_slot"
    __table_args__ = (UniqueConstraint("path_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("certification_path.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    # Share of the path's composite score (0–100), or None when the slot stands alone.
    weight: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    # Own pass mark (0–100), or None when only the composite counts.
    pass_mark: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    position: Mapped[int] = mapped_column(default=0)
    # What the slot reads, in its kind's terms (a quiz id, "scenario:<id>", "tier:<CODE>", a
    # 360 rater group…); None or "": the kind's default (see AssessmentKind.person_result).
    reference: Mapped[str | None] = mapped_column(String(200))

    path: Mapped[CertificationPath] = relationship(back_populates="slots")
