"""Certification paths: reading and editing. Callers own the commit.

A change of what decides certification (slots, marks, weights, validity, prerequisite,
activity, names the rules quote) is announced (`lms.core.signals.announce_rules_change`):
the people it concerns are re-evaluated in the same transaction, and the audit entry says
how many and how many changed status.

Marks and weights are exact Decimals on a 0–100 scale with at most two decimal places. When a
path has a composite pass mark, the weights of its weighted slots must add up to exactly 100.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.core import audit
from lms.core.errors import DomainError
from lms.core.i18n import ZH, NamedData
from lms.core.signals import announce_rules_change
from lms.core.validation import CODE_MAX, clean_code, clean_text
from lms.paths.models import DEFAULT_PASS_RATE_TARGET, AssessmentSlot, CertificationPath

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
POSITION_MAX = 9999
VALIDITY_MONTHS = (1, 120)
TRAINING_DAYS_MAX = 365
HUNDRED = Decimal(100)


def ordered_paths(session, include_inactive: bool = False) -> list[CertificationPath]:
    """Paths in career order, with their slots loaded."""
    stmt = select(CertificationPath).order_by(CertificationPath.position, CertificationPath.code)
    if not include_inactive:
        stmt = stmt.where(CertificationPath.active.is_(True))
    return list(session.scalars(stmt.options(selectinload(CertificationPath.slots))))


@dataclass
class PathData(NamedData):
    """The editable fields of a path, as plain values (already parsed)."""

    prerequisite_id: int | None = None
    validity_months: int = 12
    training_days: int = 0
    requires_mentor: bool = False
    composite_pass_mark: Decimal | None = None
    active: bool = True
    # None keeps the path's target (DEFAULT_PASS_RATE_TARGET for a new path).
    pass_rate_target: Decimal | None = None


@dataclass
class SlotData:
    """The editable fields of an assessment slot, as plain values (already parsed)."""

    code: str
    label: str
    kind: str
    weight: Decimal | None = None
    pass_mark: Decimal | None = None
    position: int = 0
    reference: str = ""


# Changes to these decide who is certified: the audit log keeps why they were made.
PATH_RULE_FIELDS = frozenset({"composite_pass_mark", "validity_months", "prerequisite",
                              "active"})
SLOT_RULE_FIELDS = frozenset({"kind", "weight", "pass_mark", "reference"})
# Changes to these decide nothing about certification: saving only them re-evaluates no one.
PATH_NON_RULE_FIELDS = frozenset({"description", f"description_{ZH}", "position",
                                  "training_days", "requires_mentor", "pass_rate_target"})


def rule_change_reason(reason: str, required: bool) -> str:
    """The stripped reason for a change of certification rules (paths, slots, certification
    settings); refuses none where one is required, and one over 500 characters (field
    "reason")."""
    reason = (reason or "").strip()
    if required and not reason:
        raise DomainError(_("Say why the rules change (it goes in the audit log); nothing "
                            "was saved."), "reason")
    if len(reason) > 500:
        raise DomainError(_("Keep the reason under 500 characters."), "reason")
    return reason


def _touches_rules(changes: dict, rule_fields) -> bool:
    """Whether `changes` (field -> [before, after]) moves a field that decides who is
    certified (a slot weight changed from the path's form counts)."""
    return any(f in rule_fields or f.startswith("weight_") for f in changes)


def _whole_number(value: int | None, field: str, low: int, high: int) -> int:
    if value is None or not low <= value <= high:
        raise DomainError(
            _("Enter a whole number from %(low)d to %(high)d.", low=low, high=high), field
        )
    return value


def check_mark(value: Decimal | None, field: str) -> Decimal | None:
    """A mark or weight on the 0–100 scale with at most two decimals, or None; refuses the
    rest (including NaN and infinities) naming `field`."""
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= HUNDRED:
        raise DomainError(_("Enter a number from 0 to 100."), field)
    if value.as_tuple().exponent < -2:
        raise DomainError(_("Use at most two decimal places."), field)
    return value


def check_composite(mark: Decimal | None, weights: list[Decimal | None], field: str) -> None:
    """With a composite pass mark, the weighted slots must exist and weigh 100 in total."""
    if mark is None:
        return
    weighted = [w for w in weights if w is not None]
    if not weighted:
        raise DomainError(_("A composite pass mark needs slots with weights. Give the slots "
                            "weights, or leave the composite pass mark empty."), field)
    total = sum(weighted, Decimal(0))
    if total != HUNDRED:
        raise DomainError(_("The weights add up to %(total)s; with a composite pass mark they "
                            "must add up to 100.", total=format_decimal(total)), field)


def _json(value):
    return str(value) if isinstance(value, Decimal) else value


def _apply(obj, values: dict, translations: dict[str, str] | None = None) -> dict[str, list]:
    """Set columns (and Chinese translations); returns {field: [before, after]} that changed."""
    changes: dict[str, list] = {}
    for field, value in values.items():
        before = getattr(obj, field, None)
        if before != value:
            changes[field] = [_json(before), _json(value)]
            setattr(obj, field, value)
    current = (obj.translations or {}).get(ZH, {}) if translations else {}
    for field, text in (translations or {}).items():
        before = current.get(field, "")
        if before != text:
            changes[f"{field}_{ZH}"] = [before, text]
            obj.set_translation(ZH, field, text)
    return changes


def _check_prerequisite(session, path: CertificationPath | None,
                        prerequisite_id: int | None, active: bool) -> CertificationPath | None:
    """The chosen prerequisite; refuses unknown paths, a path requiring itself, loops of any
    length, and an active path requiring a deactivated one."""
    if prerequisite_id is None:
        return None
    prerequisite = session.get(CertificationPath, prerequisite_id)
    if prerequisite is None:
        raise DomainError(_("Unknown path."), "prerequisite_id")
    if path is not None and prerequisite.id == path.id:
        raise DomainError(_("A path cannot be its own prerequisite."), "prerequisite_id")
    if active and not prerequisite.active:
        raise DomainError(_("%(path)s is deactivated; an active path needs an active "
                            "prerequisite.", path=prerequisite.tr("name")), "prerequisite_id")
    seen: set[int] = set()
    node = prerequisite
    while node is not None and node.id not in seen:
        if path is not None and node.prerequisite_id == path.id:
            raise DomainError(_("That would make a loop: %(path)s already requires this path, "
                                "directly or through its prerequisites.",
                                path=prerequisite.tr("name")), "prerequisite_id")
        seen.add(node.id)
        node = node.prerequisite
    return prerequisite


def save_path(session, actor, path: CertificationPath | None, data: PathData,
              weights: dict[int, Decimal | None] | None = None,
              reason: str = "") -> CertificationPath:
    """Create (path=None) or change a path, and optionally re-weight its slots in the same
    step (`weights` by slot id). Refuses duplicate codes, prerequisite loops, validity
    outside 1–120 months, marks and the pass-rate target outside 0–100, weights that do not
    add up to 100 under a composite pass mark, deactivating a path that active paths still
    require, and a change of an existing path's rules (mark, validity, prerequisite, weights,
    active) without a reason."""
    code = clean_code(data.code, "SENIOR")
    values = {
        "code": code,
        "name": clean_text(data.name, "name", 120, required=True),
        "description": clean_text(data.description, "description", 4000),
        "position": _whole_number(data.position, "position", 0, POSITION_MAX),
        "validity_months": _whole_number(data.validity_months, "validity_months",
                                         *VALIDITY_MONTHS),
        "training_days": _whole_number(data.training_days, "training_days", 0,
                                       TRAINING_DAYS_MAX),
        "requires_mentor": bool(data.requires_mentor),
        "composite_pass_mark": check_mark(data.composite_pass_mark, "composite_pass_mark"),
        "active": bool(data.active),
    }
    if data.pass_rate_target is not None or path is None:
        values["pass_rate_target"] = check_mark(
            DEFAULT_PASS_RATE_TARGET if data.pass_rate_target is None
            else data.pass_rate_target, "pass_rate_target")
    translations = {
        "name": clean_text(data.name_zh, "name_zh", 120),
        "description": clean_text(data.description_zh, "description_zh", 4000),
    }
    clash = session.scalar(select(CertificationPath.id)
                           .where(func.lower(CertificationPath.code) == code.lower()))
    if clash is not None and (path is None or clash != path.id):
        raise DomainError(_("A path with the code %(code)s already exists.", code=code), "code")
    prerequisite = _check_prerequisite(session, path, data.prerequisite_id, values["active"])
    if path is not None and path.active and not values["active"]:
        dependants = session.scalars(select(CertificationPath).where(
            CertificationPath.prerequisite_id == path.id, CertificationPath.active.is_(True)
        ).order_by(CertificationPath.position)).all()
        if dependants:
            raise DomainError(_("%(paths)s still require this path; give them another "
                                "prerequisite or deactivate them first.",
                                paths=", ".join(p.tr("name") for p in dependants)), "active")
    slots = list(path.slots) if path is not None else []
    weights = dict(weights or {})
    unknown = set(weights) - {s.id for s in slots}
    if unknown:
        raise DomainError(_("Unknown assessment slot."))
    for slot_id, weight in weights.items():
        check_mark(weight, f"weight_{slot_id}")
    check_composite(values["composite_pass_mark"],
                    [weights.get(s.id, s.weight) for s in slots], "composite_pass_mark")

    created = path is None
    if created:
        path = CertificationPath(translations={})
        session.add(path)
    changes = _apply(path, values, translations)
    if created or path.prerequisite is not prerequisite:
        changes["prerequisite"] = [path.prerequisite.code if path.prerequisite else None,
                                   prerequisite.code if prerequisite else None]
        path.prerequisite = prerequisite
    for slot in slots:
        if slot.id in weights:
            slot_changes = _apply(slot, {"weight": weights[slot.id]})
            if slot_changes:
                changes[f"weight_{slot.code}"] = slot_changes["weight"]
    if not created:
        reason = rule_change_reason(reason, _touches_rules(changes, PATH_RULE_FIELDS))
    session.flush()
    entry = audit.record(actor, "path.create" if created else "path.update", path, reason,
                         changes=changes)
    if not created and set(changes) - PATH_NON_RULE_FIELDS:
        announce_rules_change(session, actor, entry, path_ids=[path.id])
    return path


def save_slot(session, actor, path: CertificationPath, slot: AssessmentSlot | None,
              data: SlotData, reason: str = "") -> AssessmentSlot:
    """Add (slot=None) or change one of `path`'s assessment slots. Refuses duplicate codes in
    the path, malformed kind keys, marks or weights outside 0–100, and a weight that breaks the
    path's composite (its weights must add up to 100 when it has a composite pass mark), and a
    change of an existing slot's kind, reference, weight or mark without a reason."""
    if slot is not None and slot.path_id != path.id:
        raise DomainError(_("Unknown assessment slot."))
    code = clean_code(data.code, "SENIOR")
    kind = (data.kind or "").strip()
    if not kind:
        raise DomainError(_("Kind is required."), "kind")
    if len(kind) > CODE_MAX or not KIND_PATTERN.match(kind):
        raise DomainError(_("Kind keys use lowercase letters, digits and underscores, starting "
                            "with a letter (for example roleplay)."), "kind")
    values = {
        "code": code,
        "label": clean_text(data.label, "label", 120, required=True),
        "kind": kind,
        "weight": check_mark(data.weight, "weight"),
        "pass_mark": check_mark(data.pass_mark, "pass_mark"),
        "position": _whole_number(data.position, "position", 0, POSITION_MAX),
        "reference": clean_text(data.reference, "reference", 200) or None,
    }
    others = [s for s in path.slots if slot is None or s.id != slot.id]
    if any(s.code.lower() == code.lower() for s in others):
        raise DomainError(
            _("This path already has a slot with the code %(code)s.", code=code), "code"
        )
    check_composite(path.composite_pass_mark, [s.weight for s in others] + [values["weight"]],
                    "weight")
    created = slot is None
    if created:
        slot = AssessmentSlot()
        path.slots.append(slot)
    changes = _apply(slot, values)
    if not created:
        reason = rule_change_reason(reason, _touches_rules(changes, SLOT_RULE_FIELDS))
    session.flush()
    entry = audit.record(actor, "path.slot_create" if created else "path.slot_update", slot,
                         reason, path=path.code, changes=changes)
    if changes:
        announce_rules_change(session, actor, entry, path_ids=[path.id])
    return slot


def remove_slot(session, actor, slot: AssessmentSlot, reason: str = "") -> None:
    """Remove a slot from its path; refuses without a reason, and when the remaining weights
    would no longer add up to the path's composite (move its weight to the other slots
    first)."""
    reason = rule_change_reason(reason, required=True)
    path = slot.path
    if path.composite_pass_mark is not None:
        remaining = [s.weight for s in path.slots if s.id != slot.id and s.weight is not None]
        if not remaining:
            raise DomainError(_("Removing %(label)s would leave the composite pass mark without "
                                "weighted slots. Clear the composite pass mark on the path's "
                                "form first.", label=slot.tr("label")))
        total = sum(remaining, Decimal(0))
        if total != HUNDRED:
            raise DomainError(_("Removing %(label)s would leave the weights adding up to "
                                "%(total)s, not 100. Move its weight to the other slots on the "
                                "path's form first.", label=slot.tr("label"),
                                total=format_decimal(total)))
    entry = audit.record(actor, "path.slot_remove", slot, reason, path=path.code,
                         code=slot.code, kind=slot.kind, weight=_json(slot.weight),
                         pass_mark=_json(slot.pass_mark))
    path.slots.remove(slot)
    session.flush()
    announce_rules_change(session, actor, entry, path_ids=[path.id])
