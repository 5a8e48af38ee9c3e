"""Questionnaire templates: items are behavioural statements tagged with competencies, rated
on an anchored scale (with "cannot judge"), plus open comment questions. Versioned: once a
cycle uses a version it is frozen and editing makes the next one. Callers own the commit."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.review360.models import (
    ITEM_KINDS,
    TIERS,
    ItemCompetency,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireVersion,
)
from lms.competencies.models import Competency
from lms.core import audit
from lms.core.errors import DomainError
from lms.core.validation import clean_code, clean_text

ITEM_TEXT_MAX = 1000
DEFAULT_ANCHORS = {
    "en": ["Rarely or never", "Sometimes", "Often", "Very often", "Always, and sets the example"],
    "zh_Hans_CN": ["很少或从不", "有时", "经常", "非常频繁", "始终如此，并成为榜样"],
}


@dataclass(frozen=True)
class ItemData:
    kind: str
    text: str
    competency_ids: tuple[int, ...] = ()
    text_zh: str = ""


def create_questionnaire(session, actor, code: str, title: str, tier: str,
                         items: list[ItemData] = (), title_zh: str = "",
                         anchors: dict | None = None) -> Questionnaire:
    """A questionnaire with its first version; refuses a duplicate code or an unknown tier."""
    code = clean_code(code, "AGENT-360")
    title = clean_text(title, "title", 200, required=True)
    if tier not in TIERS:
        raise DomainError(_("Choose agents or managers."), "tier")
    if session.scalar(select(Questionnaire.id).where(Questionnaire.code == code)):
        raise DomainError(_("Another questionnaire has this code."), "code")
    questionnaire = Questionnaire(code=code, title=title, tier=tier)
    if title_zh:
        questionnaire.set_translation("zh_Hans_CN", "title", title_zh)
    questionnaire.versions.append(QuestionnaireVersion(
        number=1, scale_min=1, scale_max=5, anchors=anchors or DEFAULT_ANCHORS))
    session.add(questionnaire)
    session.flush()
    for data in items:
        add_item(session, actor, questionnaire, data, audited=False)
    audit.record(actor, "review360.questionnaire_create", questionnaire, code=code)
    session.flush()
    return questionnaire


def editable_version(session, questionnaire: Questionnaire) -> QuestionnaireVersion:
    """The version edits go to: the current one, or a copy of it when a cycle uses it."""
    current = questionnaire.current
    if not current.in_use:
        return current
    copy = QuestionnaireVersion(number=current.number + 1, scale_min=current.scale_min,
                                scale_max=current.scale_max, anchors=dict(current.anchors))
    for item in current.items:
        new = QuestionnaireItem(position=item.position, kind=item.kind, text=item.text,
                                translations=dict(item.translations or {}))
        new.competency_links = [ItemCompetency(competency_id=cid) for cid in item.competency_ids]
        copy.items.append(new)
    questionnaire.versions.append(copy)
    session.flush()
    return copy


def _check_item(session, data: ItemData) -> tuple[str, list[int]]:
    if data.kind not in ITEM_KINDS:
        raise DomainError(_("Choose a rating statement or a comment question."), "kind")
    text = clean_text(data.text, "text", ITEM_TEXT_MAX, required=True)
    ids = sorted(set(data.competency_ids))
    if data.kind == "rating" and not ids:
        raise DomainError(_("Tag the statement with at least one competency."), "competencies")
    if ids:
        found = set(session.scalars(select(Competency.id).where(Competency.id.in_(ids))))
        if found != set(ids):
            raise DomainError(_("Unknown competency."), "competencies")
    return text, ids if data.kind == "rating" else []


def add_item(session, actor, questionnaire: Questionnaire, data: ItemData,
             audited: bool = True) -> QuestionnaireItem:
    """Append an item (to a new version when the current one is in use)."""
    text, ids = _check_item(session, data)
    version = editable_version(session, questionnaire)
    item = QuestionnaireItem(kind=data.kind, text=text, position=len(version.items))
    if data.text_zh:
        item.set_translation("zh_Hans_CN", "text",
                             clean_text(data.text_zh, "text_zh", ITEM_TEXT_MAX))
    item.competency_links = [ItemCompetency(competency_id=cid) for cid in ids]
    version.items.append(item)
    session.flush()
    if audited:
        audit.record(actor, "review360.item_add", questionnaire, version=version.number)
    return item


def remove_item(session, actor, questionnaire: Questionnaire, position: int) -> None:
    """Remove the item at `position` of the current content (a new version if in use)."""
    version = editable_version(session, questionnaire)
    item = next((i for i in version.items if i.position == position), None)
    if item is None:
        raise DomainError(_("That item is not in this questionnaire."))
    version.items.remove(item)
    for index, rest in enumerate(version.items):
        rest.position = index
    session.flush()
    audit.record(actor, "review360.item_remove", questionnaire, version=version.number,
                 position=position)


def latest_for_tier(session, tier: str) -> QuestionnaireVersion | None:
    """The current version of the first questionnaire for `tier` that has rating items."""
    for questionnaire in session.scalars(select(Questionnaire).where(Questionnaire.tier == tier)
                                         .order_by(Questionnaire.id)):
        if any(i.kind == "rating" for i in questionnaire.current.items):
            return questionnaire.current
    return None


def anchors_for(version: QuestionnaireVersion, language: str) -> list[str]:
    """The scale's anchor labels in `language` (English when it has none)."""
    labels = (version.anchors or {}).get(language) or (version.anchors or {}).get("en") or []
    points = version.scale_max - version.scale_min + 1
    return list(labels[:points]) + [""] * (points - len(labels[:points]))
