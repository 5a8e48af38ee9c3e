"""Editing a mystery-shopper checklist: add an item, retire one. Items are retired, never
deleted, so reported visits keep their checklist; answers keep the weight they were given
with, so no past score changes. Callers own the commit."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.review360.mystery.models import SECTIONS, MysteryChecklist, MysteryItem
from lms.competencies.models import Competency
from lms.core import audit, policy
from lms.core.errors import DomainError, NotFound
from lms.core.i18n import ZH
from lms.core.validation import clean_text

MAX_WEIGHT = Decimal(100)


@dataclass(frozen=True)
class ItemData:
    section: str
    text: str
    text_zh: str
    weight: Decimal
    competency_id: int | None = None


def _check_may(actor) -> None:
    if not policy.may(actor, "mystery.manage"):
        raise NotFound(_("Only HR and administrators run mystery-shopper programmes."))


def add_item(session, actor, checklist: MysteryChecklist, data: ItemData) -> MysteryItem:
    """Add an item at the end of its section. Refuses an unknown section or competency, an
    empty text and a weight outside 0 (exclusive) to 100."""
    _check_may(actor)
    if data.section not in SECTIONS:
        raise DomainError(_("Choose a section."), "section")
    text = clean_text(data.text, "text", 1000, required=True)
    text_zh = clean_text(data.text_zh, "text_zh", 1000)
    if data.weight is None or not Decimal(0) < data.weight <= MAX_WEIGHT:
        raise DomainError(_("A weight is above 0 and at most 100."), "weight")
    if data.competency_id is not None and session.get(Competency, data.competency_id) is None:
        raise DomainError(_("Choose a competency from the list."), "competency_id")
    position = max((i.position for i in checklist.items), default=-1) + 1
    item = MysteryItem(position=position, section=data.section, text=text,
                       weight=data.weight, competency_id=data.competency_id)
    item.set_translation(ZH, "text", text_zh)
    checklist.items.append(item)
    session.flush()
    audit.record(actor, "mystery.item_add", checklist, item_id=item.id, section=data.section)
    return item


def retire_item(session, actor, item: MysteryItem) -> None:
    """Take an item off the checklist for visits reported from now on; refuses the last
    active item."""
    _check_may(actor)
    if not item.active:
        return
    if len(item.checklist.active_items) <= 1:
        raise DomainError(_("A checklist keeps at least one item."))
    item.active = False
    session.flush()
    audit.record(actor, "mystery.item_retire", item.checklist, item_id=item.id)


def competencies(session) -> list[Competency]:
    return list(session.scalars(select(Competency).order_by(Competency.code)))
