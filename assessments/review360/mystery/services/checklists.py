"""Editing a mystery-shopper checklist: add an item, edit one, retire one. Items are retired,
never deleted, so reported visits keep their checklist; answers keep the weight they were
given with, so no past score changes.

An item is frozen once answered, as a 360 questionnaire version is once a cycle uses it:
editing its wording (either language), section or competency retires it and puts a new item
in its place that names it (`replaces_id`), so each answer keeps the wording it was given
under. Its weight and place change in place (answers carry their own weight). An item
nobody has answered yet is simply edited. Callers own the commit."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.review360.mystery.models import (
    SECTIONS,
    MysteryAnswer,
    MysteryChecklist,
    MysteryItem,
)
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


def _checked(session, data: ItemData) -> tuple[str, str]:
    """The cleaned texts (English, Chinese) of `data`; refuses an unknown section or
    competency, an empty text and a weight outside 0 (exclusive) to 100."""
    if data.section not in SECTIONS:
        raise DomainError(_("Choose a section."), "section")
    text = clean_text(data.text, "text", 1000, required=True)
    text_zh = clean_text(data.text_zh, "text_zh", 1000)
    if data.weight is None or not data.weight.is_finite() or \
            not Decimal(0) < data.weight <= MAX_WEIGHT:
        raise DomainError(_("A weight is above 0 and at most 100."), "weight")
    if data.weight.as_tuple().exponent < -2:
        raise DomainError(_("Use at most two decimal places."), "weight")
    if data.competency_id is not None and session.get(Competency, data.competency_id) is None:
        raise DomainError(_("Choose a competency from the list."), "competency_id")
    return text, text_zh


def add_item(session, actor, checklist: MysteryChecklist, data: ItemData) -> MysteryItem:
    """Add an item at the end of its section. Refuses an unknown section or competency, an
    empty text and a weight outside 0 (exclusive) to 100."""
    _check_may(actor)
    text, text_zh = _checked(session, data)
    position = max((i.position for i in checklist.items), default=-1) + 1
    item = MysteryItem(position=position, section=data.section, text=text,
                       weight=data.weight, competency_id=data.competency_id)
    item.set_translation(ZH, "text", text_zh)
    checklist.items.append(item)
    session.flush()
    audit.record(actor, "mystery.item_add", checklist, item_id=item.id, section=data.section)
    return item


def answered(session, item: MysteryItem) -> int:
    """How many answers were given to `item`."""
    return len(session.scalars(select(MysteryAnswer.id)
                               .where(MysteryAnswer.item_id == item.id)).all())


def edit_item(session, actor, item: MysteryItem, data: ItemData,
              place: int | None = None) -> MysteryItem:
    """Change an item's wording (both languages), section, competency, weight, and its
    `place` (1 = first of the active items); returns the item that carries the edit: a new
    one in its place when the wording, section or competency of an answered item changed
    (see the module docstring), else `item`. Refuses a retired item, what `add_item`
    refuses, and a place outside 1 to the number of active items; nothing changes then."""
    _check_may(actor)
    if not item.active:
        raise DomainError(_("This item has been taken off the checklist: add a new one "
                            "instead."))
    text, text_zh = _checked(session, data)
    checklist = item.checklist
    count = len(checklist.active_items)
    if place is not None and not 1 <= place <= count:
        raise DomainError(_("Give a place from 1 to %(num)d.", num=count), "place")
    wording = {"section": (item.section, data.section), "text": (item.text, text),
               "text_zh": (item.translation("text", ZH) or "", text_zh),
               "competency_id": (item.competency_id, data.competency_id)}
    changes = {field: list(pair) for field, pair in wording.items() if pair[0] != pair[1]}
    if Decimal(item.weight) != data.weight:
        changes["weight"] = [str(item.weight), str(data.weight)]
    carrier = item
    if any(field in changes for field in wording) and answered(session, item):
        carrier = MysteryItem(position=item.position, replaces_id=item.id, translations={})
        item.active = False
        checklist.items.append(carrier)
    carrier.section, carrier.text, carrier.competency_id = (
        data.section, text, data.competency_id)
    carrier.weight = data.weight
    carrier.set_translation(ZH, "text", text_zh)
    if place is not None and _move(checklist, carrier, place):
        changes["place"] = place
    if not changes:
        return item
    session.flush()
    audit.record(actor, "mystery.item_edit", checklist, item_id=item.id,
                 new_item_id=carrier.id if carrier is not item else None, changes=changes)
    return carrier


def _move(checklist: MysteryChecklist, item: MysteryItem, place: int) -> bool:
    """Put `item` at `place` (1-based) among the active items, numbering them afresh;
    whether its place changed. Retired items keep their numbers (past visits' order)."""
    ordered = sorted((i for i in checklist.items if i.active and i is not item),
                     key=lambda i: (i.position, i.id or 0))
    was = sum(1 for i in ordered if (i.position, i.id or 0) < (item.position, item.id or 0))
    ordered.insert(place - 1, item)
    for number, entry in enumerate(ordered):
        entry.position = number
    return was != place - 1


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
