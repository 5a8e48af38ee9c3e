"""The engine: evaluate people's paths, store the answer, award certificates (or queue an
approval), and change issued certificates (revoke, reinstate, correct the holder's name).

Services take the acting person explicitly (None: the system) and never commit. An award is
idempotent: while a person holds a valid certificate of a path (outside its recertification
window) nothing is issued, and each certificate carries the key "person:path:n" that the
database keeps unique, so two racing awards of the same achievement give one certificate.
After a revocation the engine does not re-certify on its own: the next award waits for HR's
approval.
"""

import calendar
import secrets
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from certificates.models import (
    AwardApproval,
    Certificate,
    CertificateEvent,
    CertificationEvaluation,
)
from certificates.services import badges, rules
from certificates.signals import certificate_issued
from lms.competencies.services.evidence import profiles
from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.core.validation import clean_text
from lms.notifications.services import notify
from lms.paths.models import CertificationPath
from lms.people.models import Person, PersonRole


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def json_scores(components: dict[str, Decimal | None]) -> dict[str, str | None]:
    return {code: (None if score is None else str(score)) for code, score in components.items()}


def paths_to_evaluate(session, person: Person) -> list[CertificationPath]:
    """The person's tier and its prerequisites, plus every path they hold a certificate of,
    in career order (so a prerequisite is awarded before the path that needs it)."""
    wanted: dict[int, CertificationPath] = {}
    node, seen = person.tier, set()
    while node is not None and node.id not in seen:
        seen.add(node.id)
        if node.active:
            wanted[node.id] = node
        node = node.prerequisite
    held = session.scalars(select(CertificationPath).join(
        Certificate, Certificate.path_id == CertificationPath.id)
        .where(Certificate.person_id == person.id, CertificationPath.active.is_(True))).all()
    for path in held:
        wanted[path.id] = path
    return sorted(wanted.values(), key=lambda p: (p.position, p.code))


def store_evaluation(session, person_id: int, path: CertificationPath,
                     answer: rules.Answer, version) -> CertificationEvaluation:
    """Write the answer as the person's current evaluation of the path (one row each)."""
    row = session.scalar(select(CertificationEvaluation).where(
        CertificationEvaluation.person_id == person_id,
        CertificationEvaluation.path_id == path.id))
    if row is None:
        row = CertificationEvaluation(person_id=person_id, path_id=path.id)
        session.add(row)
    for column, value in evaluation_columns(answer, version.id, clock.now()).items():
        setattr(row, column, value)
    return row


def evaluation_columns(answer: rules.Answer, version_id: int, now) -> dict:
    """The stored evaluation of an answer, column by column: what `store_evaluation` sets on
    one row and the set-based engine upserts for thousands (one mapping for both)."""
    return {"route": answer.route, "eligible": answer.eligible, "percent": answer.percent,
            "rules_met": answer.met, "rules_total": answer.total, "missing": answer.missing,
            "composite": answer.composite, "components": json_scores(answer.components),
            "started": answer.started, "valid_until": answer.valid_until,
            "rules_version_id": version_id, "evaluated_at": now}


def evaluate_person(session, person: Person, actor=None,
                    today: date | None = None) -> list[CertificationEvaluation]:
    """Evaluate every path of `person` (see paths_to_evaluate), store each answer, and award
    the paths they became eligible for (or ask for approval where the path wants it).
    Returns the stored evaluations."""
    today = today or clock.today()
    stored = []
    if not person.active:
        return stored
    for path in paths_to_evaluate(session, person):
        document = rules.snapshot(session, path)
        version = rules.rules_version(session, path, document)
        answer = rules.evaluate(session, person.id, path, document, today)
        evaluation = store_evaluation(session, person.id, path, answer, version)
        session.flush()
        stored.append(evaluation)
        if answer.eligible and _awardable(session, person, path, answer, today):
            if document["approval"] or _last_was_revoked(session, person.id, path.id):
                request_approval(session, person, path)
            else:
                issue(session, actor, person, path, evaluation, today)
    return stored


def _awardable(session, person, path, answer, today) -> bool:
    """Eligible people get a certificate unless they hold a valid one; inside the
    recertification window (route "recert") a new one replaces it."""
    if answer.route == "recert":
        held = rules.latest_certificate(session, person.id, path.id)
        return held is None or held.issued_on < today
    return rules.valid_certificate(session, person.id, path.id, today) is None


def _last_was_revoked(session, person_id: int, path_id: int) -> bool:
    """After a revocation the same evidence must not silently re-certify: HR decides."""
    last = session.scalar(select(Certificate.status).where(
        Certificate.person_id == person_id, Certificate.path_id == path_id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc()).limit(1))
    return last == "revoked"


def request_approval(session, person: Person, path: CertificationPath) -> AwardApproval:
    """The person's pending approval request for the path (made once, and the approver or
    HR told)."""
    key = f"{person.id}:{path.id}"
    found = session.scalar(select(AwardApproval).where(AwardApproval.pending_key == key))
    if found is not None:
        return found
    approval = AwardApproval(person_id=person.id, path_id=path.id, status="pending",
                             pending_key=key, requested_at=clock.now())
    try:
        with session.begin_nested():
            session.add(approval)
    except IntegrityError:  # a concurrent evaluation queued it first
        return session.scalar(select(AwardApproval).where(AwardApproval.pending_key == key))
    audit.record(None, "certificate.approval_requested", approval, person=person.employee_id,
                 path=path.code)
    settings = rules.settings_for(session, path)
    approvers = [settings.approver] if settings.approver is not None else _hr(session)
    def message() -> tuple[str, str]:
        return (_("Certificate to approve: %(person)s, %(path)s", person=person.name,
                  path=path.tr("name")),
                _("%(person)s has met every rule of %(path)s. Approve or decline the "
                  "certificate.", person=person.name, path=path.tr("name")))

    for approver in approvers:
        notify(session, approver, "certificate", message, link="/certificates/approvals",
               dedupe_key=f"approval:{approval.id}")
    return approval


def _hr(session) -> list[Person]:

    return list(session.scalars(select(Person).join(PersonRole).where(
        PersonRole.role == "hr", Person.active.is_(True)).order_by(Person.id)))


def _next_serial(session, path: CertificationPath, year: int) -> str:
    prefix = f"{path.code}-{year}-"
    count = session.scalar(select(func.count()).select_from(Certificate)
                           .where(Certificate.serial.like(f"{prefix}%"))) or 0
    return f"{prefix}{count + 1:05d}"


def _matrix_at_issue(document: dict, evaluation: CertificationEvaluation, session,
                     person_id: int) -> list[dict]:

    held = profiles(session, [person_id]).get(person_id, {})
    return [{"code": item["code"], "name": item["name"], "name_zh": item["name_zh"],
             "level": held[item["id"]].level if item["id"] in held else 0,
             "required": item["level"]} for item in document["matrix"]]


def issue(session, actor, person: Person, path: CertificationPath,
          evaluation: CertificationEvaluation, today: date | None = None,
          approval: AwardApproval | None = None) -> Certificate:
    """Issue a certificate from an eligible evaluation; refuses an ineligible one. Returns
    the existing certificate when a concurrent award made it first."""
    if not evaluation.eligible:
        raise DomainError(_("%(person)s has not met every rule of %(path)s.",
                            person=person.name, path=path.tr("name")))
    today = today or clock.today()
    version = evaluation.rules_version
    previous = rules.latest_certificate(session, person.id, path.id)
    number = (session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.person_id == person.id, Certificate.path_id == path.id)) or 0) + 1
    achievement = f"{person.id}:{path.id}:{number}"
    for _attempt in range(5):
        certificate = Certificate(
            serial=_next_serial(session, path, today.year),
            verify_code=secrets.token_urlsafe(18), achievement_key=achievement,
            person_id=person.id, path_id=path.id, rules_version_id=version.id,
            route=evaluation.route, status="valid", holder_name=person.name,
            path_name=path.name, path_name_zh=rules._zh(path, "name"), issued_on=today,
            expires_on=add_months(today, path.validity_months),
            validity_months=path.validity_months,
            competencies=_matrix_at_issue(version.snapshot, evaluation, session, person.id),
            composite=evaluation.composite, components=dict(evaluation.components or {}),
            approver_id=approval.decided_by_id if approval else None,
            approved_at=approval.decided_at if approval else None,
            previous_id=previous.id if previous is not None and evaluation.route == "recert"
            else None,
        )
        try:
            with session.begin_nested():
                session.add(certificate)
        except IntegrityError:
            existing = session.scalar(select(Certificate).where(
                Certificate.achievement_key == achievement))
            if existing is not None:
                return existing
            continue  # a serial taken by another path's award at the same moment: next one
        break
    else:
        raise DomainError(_("The certificate could not be numbered; try again."))
    badges.issuer_key(session)  # made with the first certificate, so GETs never write
    session.add(CertificateEvent(certificate=certificate, actor_id=actor.id if actor else None,
                                 action="issued", at=clock.now(),
                                 details={"rules_version": version.number,
                                          "route": evaluation.route}))
    audit.record(actor, "certificate.issue", certificate, serial=certificate.serial,
                 person=person.employee_id, path=path.code, rules_version=version.number,
                 route=evaluation.route)
    session.flush()
    certificate_issued.send(session, certificate=certificate)
    notify(session, person, "certificate", lambda: (
        _("Your certificate is ready: %(path)s", path=path.tr("name")),
        _("Congratulations! Certificate %(serial)s (%(path)s) is valid until %(date)s.",
          serial=certificate.serial, path=path.tr("name"),
          date=certificate.expires_on.isoformat())),
        link=f"/certificates/{certificate.id}")
    return certificate


def decide_approval(session, actor, approval: AwardApproval, approve: bool,
                    reason: str = "") -> Certificate | None:
    """Approve (re-checking the rules first) or decline a pending request. Refuses a request
    already decided and, on approval, a person who no longer meets every rule."""
    if approval.status != "pending":
        raise DomainError(_("This request has already been decided."))
    reason = clean_text(reason, "reason", 2000)
    person, path = approval.person, approval.path
    certificate = None
    if approve:
        today = clock.today()
        document = rules.snapshot(session, path)
        version = rules.rules_version(session, path, document)
        answer = rules.evaluate(session, person.id, path, document, today)
        evaluation = store_evaluation(session, person.id, path, answer, version)
        session.flush()
        if not answer.eligible:
            raise DomainError(_("%(person)s no longer meets every rule of %(path)s; the "
                                "request stays open.", person=person.name,
                                path=path.tr("name")))
        approval.decided_by_id, approval.decided_at = actor.id, clock.now()
        certificate = issue(session, actor, person, path, evaluation, today, approval)
    else:
        if not reason:
            raise DomainError(_("Say why the certificate is declined."), "reason")
    approval.status = "approved" if approve else "rejected"
    approval.pending_key = None
    approval.decided_by_id, approval.decided_at = actor.id, clock.now()
    approval.reason = reason
    approval.certificate_id = certificate.id if certificate else None
    audit.record(actor, "certificate.approve" if approve else "certificate.decline", approval,
                 reason=reason, person=person.employee_id, path=path.code)
    session.flush()
    return certificate


def _event(session, actor, certificate: Certificate, action: str, reason: str = "",
           **details) -> None:
    session.add(CertificateEvent(certificate=certificate, actor_id=actor.id if actor else None,
                                 action=action, reason=reason, at=clock.now(), details=details))
    audit.record(actor, f"certificate.{action}", certificate, reason=reason,
                 serial=certificate.serial, **details)


def revoke(session, actor, certificate: Certificate, reason: str) -> None:
    """Revoke a valid certificate with a reason (never a delete); refuses an empty reason and
    a certificate already revoked."""
    reason = clean_text(reason, "reason", 2000, required=True)
    if certificate.status == "revoked":
        raise DomainError(_("This certificate is already revoked."))
    certificate.status = "revoked"
    certificate.revoked_at = clock.now()
    certificate.revoked_reason = reason
    _event(session, actor, certificate, "revoked", reason)
    session.flush()


def reinstate(session, actor, certificate: Certificate, reason: str) -> None:
    """Undo a revocation made in error (with a reason, kept in the history)."""
    reason = clean_text(reason, "reason", 2000, required=True)
    if certificate.status != "revoked":
        raise DomainError(_("Only a revoked certificate can be reinstated."))
    certificate.status = "valid"
    certificate.revoked_at = None
    certificate.revoked_reason = ""
    _event(session, actor, certificate, "reinstated", reason)
    session.flush()


def correct_name(session, actor, certificate: Certificate, name: str, reason: str) -> None:
    """Re-issue the certificate under a corrected holder name: same serial, next revision,
    the old name kept in the history. Refuses an empty or unchanged name and no reason."""
    name = clean_text(name, "name", 200, required=True)
    reason = clean_text(reason, "reason", 2000, required=True)
    if name == certificate.holder_name:
        raise DomainError(_("That is the name the certificate already carries."), "name")
    before = certificate.holder_name
    certificate.holder_name = name
    certificate.revision += 1
    _event(session, actor, certificate, "name_corrected", reason, before=before, after=name,
           revision=certificate.revision)
    session.flush()
