"""Mystery-shopper programmes: a checklist of its own (yes / partly / no items with weights,
in sections), a programme per team with its external shoppers, and the monthly visits they
answer through a one-time link.

A visit's answers keep the weight their item had when they were given, so editing the
checklist later never changes a past score.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db
from lms.core.i18n import Translated

# The checklist's sections, in the order a contact runs (and pages show them).
SECTIONS = ("greeting", "identification", "needs", "solution", "policy", "closing")
# What each answer earns of its item's weight; "na" (not applicable) leaves the item out.
CREDIT = {"yes": Decimal(1), "partly": Decimal("0.5"), "no": Decimal(0)}
ANSWERS = ("yes", "partly", "no", "na")
VISIT_STATES = ("invited", "answered")


class MysteryChecklist(Translated, db.Model):
    """A mystery-shopper checklist (distinct from the 360 questionnaires)."""

    __tablename__ = "mystery_checklist"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    items: Mapped[list["MysteryItem"]] = relationship(
        back_populates="checklist", order_by="MysteryItem.position",
        cascade="all, delete-orphan")

    @property
    def active_items(self) -> list["MysteryItem"]:
        return [item for item in self.items if item.active]


class MysteryItem(Translated, db.Model):
    """One thing the shopper checks, in a section, with its weight and the competency it
    evidences (the KPI's mapping and the 360 customer group read it)."""

    __tablename__ = "mystery_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(
        ForeignKey("mystery_checklist.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    section: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(1))
    competency_id: Mapped[int | None] = mapped_column(
        ForeignKey("competency.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    # The item this one is the edited wording of: an item with answers is retired and
    # succeeded rather than rewritten, so each answer keeps the wording it was given under.
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("mystery_item.id", ondelete="SET NULL"))

    checklist: Mapped[MysteryChecklist] = relationship(back_populates="items")
    competency = relationship("Competency")
    replaces: Mapped["MysteryItem | None"] = relationship(remote_side=[id])


class MysteryProgramme(db.Model):
    """A team's mystery-shopper programme: its checklist, how many agents are shopped each
    month, how long a shopper's link lives, and whether answers feed the 360 customer group
    of an agent's open cycle."""

    __tablename__ = "mystery_programme"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"),
                                         unique=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("mystery_checklist.id"))
    visits_per_month: Mapped[int] = mapped_column(default=2)
    link_days: Mapped[int] = mapped_column(default=14)
    feeds_360: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    team = relationship("Team")
    checklist: Mapped[MysteryChecklist] = relationship()
    created_by = relationship("Person")
    shoppers: Mapped[list["MysteryShopper"]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="MysteryShopper.id")


class MysteryShopper(db.Model):
    """An external shopper (no account): a name, an address and the language they are
    written to in."""

    __tablename__ = "mystery_shopper"
    __table_args__ = (UniqueConstraint("programme_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("mystery_programme.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(20), default="en")
    active: Mapped[bool] = mapped_column(default=True)

    programme: Mapped[MysteryProgramme] = relationship(back_populates="shoppers")


class MysteryVisit(db.Model):
    """One agent shopped by one shopper in one month. The link's token is kept only as a
    SHA-256 hash; it dies when the visit is answered or when it expires."""

    __tablename__ = "mystery_visit"
    __table_args__ = (UniqueConstraint("programme_id", "month", "agent_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("mystery_programme.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date)          # the month's first day
    agent_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                          index=True)
    shopper_id: Mapped[int | None] = mapped_column(
        ForeignKey("mystery_shopper.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="invited")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 0–100, exact: the weighted share of the applicable items' weights earned.
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    comment: Mapped[str] = mapped_column(Text, default="")
    # The 360 customer-group rater these answers were entered as (when fed to a cycle).
    review360_rater_id: Mapped[int | None] = mapped_column(
        ForeignKey("review360_rater.id", ondelete="SET NULL"))

    programme: Mapped[MysteryProgramme] = relationship()
    agent = relationship("Person")
    shopper: Mapped[MysteryShopper | None] = relationship()
    answers: Mapped[list["MysteryAnswer"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="MysteryAnswer.id")

    def state(self, now: datetime | None = None) -> str:
        """invited, answered or expired (an unanswered visit whose link has run out)."""
        if self.status == "answered":
            return "answered"
        now = now or clock.now()
        if self.token_expires_at is None or now >= self.token_expires_at:
            return "expired"
        return "invited"


class MysteryAnswer(db.Model):
    """A shopper's answer to one item, with the item's weight at the time."""

    __tablename__ = "mystery_answer"
    __table_args__ = (UniqueConstraint("visit_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("mystery_visit.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("mystery_item.id"))
    answer: Mapped[str] = mapped_column(String(10))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))

    visit: Mapped[MysteryVisit] = relationship(back_populates="answers")
    item: Mapped[MysteryItem] = relationship()
