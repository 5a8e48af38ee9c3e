"""Service KPIs: what is measured (definitions, as data) and each person's value per period.

A KPI's value for a period becomes competency evidence (source kind `kpi`) through
`lms.competencies.services.evidence`, mapped to a 1–5 level by the thresholds of each
competency the KPI informs (`KpiCompetency`)."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import UTCDateTime
from lms.core.extensions import db
from lms.core.i18n import Translated, current_language
from lms.core.references import checked_per_statement

DIRECTIONS = ("higher", "lower")
PERIODS = ("week", "month", "quarter")


class KpiDefinition(Translated, db.Model):
    """One service KPI (CSAT, FCR, …): its unit, which way is better, its period, the range a
    value may take, the target and the weight its evidence carries among the KPIs of a
    competency."""

    __tablename__ = "kpi_definition"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(20), default="%")
    direction: Mapped[str] = mapped_column(String(10), default="higher")
    period: Mapped[str] = mapped_column(String(10), default="month")
    min_value: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal(0))
    max_value: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal(100))
    target: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(1))
    # Periods in a row below target that open an improvement plan (0: never).
    periods_below_for_plan: Mapped[int] = mapped_column(default=2)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    competencies: Mapped[list["KpiCompetency"]] = relationship(
        back_populates="kpi", cascade="all, delete-orphan", order_by="KpiCompetency.id")

    def meets(self, value: Decimal, target: Decimal | None = None) -> bool:
        """Whether `value` is on the good side of `target` (default: the KPI's own)."""
        mark = self.target if target is None else target
        return value >= mark if self.direction == "higher" else value <= mark


class KpiCompetency(db.Model):
    """A competency a KPI informs, with the KPI values at which levels 2, 3, 4 and 5 begin
    (ascending for a higher-is-better KPI, descending for a lower-is-better one)."""

    __tablename__ = "kpi_competency"
    __table_args__ = (UniqueConstraint("kpi_id", "competency_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpi_definition.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competency.id", ondelete="CASCADE"))
    # Four exact decimals as text, e.g. ["70", "80", "90", "95"].
    thresholds: Mapped[list] = mapped_column(JSON, default=list)

    kpi: Mapped[KpiDefinition] = relationship(back_populates="competencies")
    competency = relationship("Competency")

    def level_for(self, value: Decimal, higher: bool | None = None) -> int:
        """The 1–5 level `value` reaches: 1 plus the thresholds it reaches (`higher`: whether
        higher is better, when the caller already knows)."""
        if higher is None:
            higher = self.kpi.direction == "higher"
        marks = self.__dict__.get("_marks")
        if marks is None or marks[0] != self.thresholds:
            marks = (self.thresholds, [Decimal(m) for m in self.thresholds])
            self.__dict__["_marks"] = marks
        if higher:
            return 1 + sum(1 for mark in marks[1] if value >= mark)
        return 1 + sum(1 for mark in marks[1] if value <= mark)


class KpiImport(db.Model):
    """One import of KPI values (a file, the command or an API call): who, why, how many."""

    __tablename__ = "kpi_import"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))       # upload, command, api
    file_name: Mapped[str] = mapped_column(String(255), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    rows: Mapped[int] = mapped_column(default=0)
    replaced: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    actor = relationship("Person")


class KpiValue(db.Model):
    """A person's value of one KPI for one period (the period's first day)."""

    __tablename__ = "kpi_value"
    __table_args__ = (
        UniqueConstraint("person_id", "kpi_id", "period_start"),
        Index("ix_kpi_value_kpi_period", "kpi_id", "period_start"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpi_definition.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("kpi_import.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    kpi: Mapped[KpiDefinition] = relationship()


class KpiRequirement(db.Model):
    """A certification rule of a path on performance: the KPI at or beyond `threshold` (on
    its good side) for `periods` periods in a row, the latest of them the current or the
    previous period (e.g. senior agent: CSAT ≥ 90 for 3 months)."""

    __tablename__ = "kpi_requirement"
    __table_args__ = (UniqueConstraint("path_id", "kpi_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("certification_path.id",
                                                    ondelete="CASCADE"))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpi_definition.id", ondelete="CASCADE"))
    threshold: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    periods: Mapped[int] = mapped_column(default=3)

    kpi: Mapped[KpiDefinition] = relationship()
    path = relationship("CertificationPath")


class ImprovementPlan(db.Model):
    """A personal improvement plan (the PDCA loop), opened when a KPI stays below its target
    for the KPI's number of periods, a certification exam or a role-play fails, or a 360
    rates a competency weak: the weak competencies, practice assigned from them, an owner
    (the mentor, else the manager), a due date, check-ins and the follow-ups; it closes when
    every follow-up is met (the exam passed, the KPI recovered) or its owner closes it. One
    open plan per person and competency: a later trigger on the same competencies merges into
    it."""

    __tablename__ = "improvement_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           index=True)
    kpi_id: Mapped[int | None] = mapped_column(ForeignKey("kpi_definition.id",
                                                          ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(String(20), default="kpi")
    # {"values": [[period label, value], …], "target": "85"}
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    competency_ids: Mapped[list] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")    # open, closed
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_reason: Mapped[str] = mapped_column(String(40), default="")
    # Set on closing: closed on or before the due date (the HR report counts them).
    closed_in_time: Mapped[bool | None] = mapped_column()

    person = relationship("Person", foreign_keys=[person_id])
    owner = relationship("Person", foreign_keys=[owner_id])
    kpi: Mapped[KpiDefinition | None] = relationship()
    checkins: Mapped[list["ImprovementCheckin"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="ImprovementCheckin.id")
    items: Mapped[list["ImprovementItem"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="ImprovementItem.id")

    def triggers(self) -> list[dict]:
        """What opened or extended the plan, oldest first, each with `shown`: its title in
        the reader's language."""
        language = current_language()
        return [{**found, "shown": (found.get("titles") or {}).get(language)
                 or found.get("title", "")} for found in (self.detail or {}).get("triggers", [])]

    def follow_ups(self) -> list["ImprovementItem"]:
        return [item for item in self.items if item.purpose == "follow_up"]

    def practice(self) -> list["ImprovementItem"]:
        return [item for item in self.items if item.purpose == "practice"]


class ImprovementCheckin(db.Model):
    """A note on a plan's progress by its owner, HR or the person's manager."""

    __tablename__ = "improvement_checkin"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("improvement_plan.id", ondelete="CASCADE"),
                                         index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    plan: Mapped[ImprovementPlan] = relationship(back_populates="checkins")
    author = relationship("Person")


class ImprovementItem(Translated, db.Model):
    """What a plan asks of the person: practice assigned from the weak competencies (a course
    they are enrolled in, a role-play scenario), or a follow-up (the exam or scenario to
    retake, the KPI to bring back on target, the next 360), met on the day it passed. The
    title is copied when the item is added, so this package never reads the other packages'
    tables to show it."""

    __tablename__ = "improvement_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("improvement_plan.id", ondelete="CASCADE"),
                                         index=True)
    purpose: Mapped[str] = mapped_column(String(20))     # practice, follow_up
    # course, scenario (practice); quiz, roleplay, kpi, review360 (follow-up)
    kind: Mapped[str] = mapped_column(String(20))
    reference_id: Mapped[int | None] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(300), default="")
    met_on: Mapped[date | None] = mapped_column(Date)

    plan: Mapped[ImprovementPlan] = relationship(back_populates="items")


class ImprovementSettings(db.Model):
    """How the improvement loop runs (one row; absent means the defaults): the 360 level
    below which a competency opens a plan, the days a plan has, and how often its owner
    checks in."""

    __tablename__ = "improvement_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    weak_level: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal(3))
    plan_days: Mapped[int] = mapped_column(default=30)
    checkin_days: Mapped[int] = mapped_column(default=14)


# A push of 100,000 people writes 600,000 values (see lms.core.references).
checked_per_statement(KpiValue.__table__)
