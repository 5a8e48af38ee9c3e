"""Certification settings per path (approval, recertification route) and what the pages read.
Callers own the commit."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from certificates.models import (
    AwardApproval,
    Certificate,
    CertificationSettings,
    RecertificationSlot,
    RulesVersion,
)
from certificates.services import rules
from certificates.services.awards import paths_to_evaluate
from certificates.services.standing import PathStanding, standings
from lms.core import audit, clock, policy
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.i18n import ZH
from lms.core.signals import announce_rules_change
from lms.core.validation import CODE_MAX, clean_code, clean_text
from lms.paths.models import CertificationPath
from lms.paths.services import KIND_PATTERN, check_mark, rule_change_reason
from lms.people.models import Person

WINDOW_MAX = 730


def approver_path_ids(actor) -> set[int]:
    """The paths `actor` is the named approver of (one query)."""
    return set(db.session.scalars(select(CertificationSettings.path_id).where(
        CertificationSettings.approver_id == actor.id)))


@dataclass
class SettingsData:
    require_approval: bool = False
    approver_id: int | None = None
    recert_window_days: int = 90
    recert_grace_days: int = 90
    recert_requires_matrix: bool = True


def save_settings(session, actor, path: CertificationPath, data: SettingsData,
                  reason: str = "") -> CertificationSettings:
    """Save a path's certification settings; refuses windows outside 0–730 days, an
    approver who is not an active HR, manager or admin, and a change without a reason or
    with one over 500 characters (the settings decide who is certified, so the audit log
    keeps why they moved)."""
    for value, field in ((data.recert_window_days, "recert_window_days"),
                         (data.recert_grace_days, "recert_grace_days")):
        if value is None or not 0 <= value <= WINDOW_MAX:
            raise DomainError(_("Enter a whole number from %(low)d to %(high)d.", low=0,
                                high=WINDOW_MAX), field)
    if data.approver_id is not None:
        approver = session.get(Person, data.approver_id)
        if approver is None or not approver.active or not approver.has_role(
                "hr", "manager", "admin"):
            raise DomainError(_("Choose an active HR person, manager or administrator."),
                              "approver_id")
    row = session.get(CertificationSettings, path.id)
    if row is None:
        row = CertificationSettings(path_id=path.id)
        session.add(row)
    changes = {}
    for field in ("require_approval", "approver_id", "recert_window_days",
                  "recert_grace_days", "recert_requires_matrix"):
        value = getattr(data, field)
        if getattr(row, field) != value:
            changes[field] = [getattr(row, field), value]
            setattr(row, field, value)
    reason = rule_change_reason(reason, required=bool(changes))
    session.flush()
    entry = audit.record(actor, "certification.settings", path, reason, changes=changes)
    if changes:
        announce_rules_change(session, actor, entry, path_ids=[path.id])
    return row


def add_recert_slot(session, actor, path: CertificationPath, code: str, label: str,
                    kind: str, reference: str, pass_mark: Decimal | None,
                    label_zh: str = "") -> RecertificationSlot:
    """Add an assessment to the path's recertification route (its label also in Chinese);
    refuses duplicate codes, malformed kind keys and marks outside 0–100."""
    code = clean_code(code, "REEXAM")
    label = clean_text(label, "label", 120, required=True)
    kind = (kind or "").strip()
    if not kind or len(kind) > CODE_MAX or not KIND_PATTERN.match(kind):
        raise DomainError(_("Kind keys use lowercase letters, digits and underscores, starting "
                            "with a letter (for example roleplay)."), "kind")
    if pass_mark is None:
        raise DomainError(_("This field is required."), "pass_mark")
    check_mark(pass_mark, "pass_mark")
    if session.scalar(select(RecertificationSlot.id).where(
            RecertificationSlot.path_id == path.id,
            func.lower(RecertificationSlot.code) == code.lower())) is not None:
        raise DomainError(_("This path already has a slot with the code %(code)s.",
                            code=code), "code")
    position = (session.scalar(select(func.max(RecertificationSlot.position)).where(
        RecertificationSlot.path_id == path.id)) or 0) + 1
    slot = RecertificationSlot(path_id=path.id, code=code, label=label, kind=kind,
                               reference=clean_text(reference, "reference", 200) or None,
                               pass_mark=pass_mark, position=position, translations={})
    slot.set_translation(ZH, "label", clean_text(label_zh, "label_zh", 120))
    session.add(slot)
    session.flush()
    entry = audit.record(actor, "certification.recert_slot_add", slot, path=path.code,
                         code=code, kind=kind, pass_mark=str(pass_mark))
    announce_rules_change(session, actor, entry, path_ids=[path.id])
    return slot


def remove_recert_slot(session, actor, slot: RecertificationSlot) -> None:
    """Take an assessment off the path's recertification route (its people are
    re-evaluated)."""
    path_id = slot.path_id
    entry = audit.record(actor, "certification.recert_slot_remove", slot, code=slot.code)
    session.delete(slot)
    session.flush()
    announce_rules_change(session, actor, entry, path_ids=[path_id])


@dataclass
class ValidityNote:
    """What changing a path's validity means: issued certificates keep their dates."""

    validity_months: int
    issued: int
    other_validity: int


def validity_note(session, path: CertificationPath) -> ValidityNote:
    today = clock.today()
    live = select(func.count()).select_from(Certificate).where(
        Certificate.path_id == path.id, Certificate.status == "valid",
        Certificate.expires_on >= today)
    return ValidityNote(
        validity_months=path.validity_months, issued=session.scalar(live) or 0,
        other_validity=session.scalar(live.where(
            Certificate.validity_months != path.validity_months)) or 0)


@dataclass
class PersonCertification:
    """One person's certification page: standing per path and every certificate."""

    person: Person
    paths: list[tuple[CertificationPath, PathStanding | None]]
    certificates: list[Certificate]


def person_certification(session, person: Person) -> PersonCertification:
    """The person's tier and its prerequisites (and paths they hold certificates of), each
    with its stored standing; certificates newest first."""

    held = standings(session, [person.id]).get(person.id, {})
    paths = paths_to_evaluate(session, person)
    known = {p.id for p in paths}
    for path_id in held:
        if path_id not in known:
            path = session.get(CertificationPath, path_id)
            if path is not None:
                paths.append(path)
    certificates = session.scalars(select(Certificate).where(
        Certificate.person_id == person.id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())).all()
    return PersonCertification(person, [(p, held.get(p.id)) for p in paths],
                               list(certificates))


def pending_approvals(session, actor) -> list[AwardApproval]:
    """Pending requests `actor` may decide, oldest first."""
    stmt = select(AwardApproval).where(AwardApproval.status == "pending") \
        .order_by(AwardApproval.requested_at, AwardApproval.id)
    if not policy.may(actor, "certificates.manage"):  # HR and admins decide every request
        stmt = stmt.where(AwardApproval.path_id.in_(approver_path_ids(actor) or {-1}))
    return list(session.scalars(stmt))


def settings_summary(session, path: CertificationPath) -> dict:
    """The path's rules as the settings page shows them (snapshot and its version)."""

    document = rules.snapshot(session, path)
    version = session.scalar(select(RulesVersion.number).where(
        RulesVersion.path_id == path.id, RulesVersion.digest == rules.digest_of(document)))
    latest = session.scalar(select(func.max(RulesVersion.number)).where(
        RulesVersion.path_id == path.id))
    return {"document": document, "version": version, "latest": latest}
