"""What certification puts on to-do lists: a holder's certificate running out, HR's
certificates expiring in the next 7, 30 and 60 days, and awards waiting for approval."""

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from certificates.models import AwardApproval, CertificationStanding
from certificates.services.settings import approver_path_ids
from lms.core.todo import TodoItem, todo_source
from lms.paths.models import AssessmentSlot, CertificationPath
from lms.people.models import Person

# A holder is reminded this many days ahead; HR sees the same horizon split in three.
HORIZONS = (7, 30, 60)


@todo_source
def expiring_certificate(session, person, now: datetime) -> list[TodoItem]:
    """The person's valid certificates ending within the longest horizon."""
    today = now.date()
    rows = session.execute(select(CertificationStanding.valid_expires_on, CertificationPath)
                           .join(CertificationPath,
                                 CertificationPath.id == CertificationStanding.path_id)
                           .where(CertificationStanding.person_id == person.id,
                                  CertificationStanding.valid_expires_on >= today,
                                  CertificationStanding.valid_expires_on
                                  <= today + timedelta(days=HORIZONS[-1]))).all()
    return [TodoItem(_("Your %(path)s certificate expires on %(day)s: recertify",
                       path=path.tr("name"), day=format_date(expires, "medium")),
                     url_for("certificates.mine"), lane="learn", due=expires)
            for expires, path in rows]


@todo_source
def expiring_for_hr(session, person, now: datetime) -> list[TodoItem]:
    """For HR: how many active people's certificates end within 7, 30 and 60 days."""
    if not person.has_role("hr"):
        return []
    today = now.date()
    items = []
    for days in HORIZONS:
        count = session.scalar(select(func.count()).select_from(CertificationStanding)
                               .join(Person, Person.id == CertificationStanding.person_id)
                               .where(Person.active.is_(True),
                                      CertificationStanding.valid_expires_on >= today,
                                      CertificationStanding.valid_expires_on
                                      <= today + timedelta(days=days)))
        if count:
            items.append(TodoItem(
                ngettext("%(num)d certificate expires within %(days)d days",
                         "%(num)d certificates expire within %(days)d days", count, days=days),
                url_for("reports.dashboard", expiring_within=days), lane="organise",
                due=today + timedelta(days=days)))
    return items


@todo_source
def awards_to_approve(session, person, now: datetime) -> list[TodoItem]:
    """For whoever approves awards (HR, admins, named managers): those waiting, oldest first."""
    stmt = select(AwardApproval.requested_at).where(AwardApproval.status == "pending")
    if not person.has_role("hr", "admin"):
        paths = approver_path_ids(person) if person.has_role("manager") else set()
        if not paths:
            return []
        stmt = stmt.where(AwardApproval.path_id.in_(paths))
    pending = session.scalars(stmt.order_by(AwardApproval.requested_at)).all()
    if not pending:
        return []
    return [TodoItem(ngettext("%(num)d certificate award to approve",
                              "%(num)d certificate awards to approve", len(pending)),
                     url_for("certificates.approvals"), lane="organise",
                     detail=_("Waiting since %(day)s", day=format_date(pending[0], "medium")))]


@todo_source
def paths_without_rules(session, person, now: datetime) -> list[TodoItem]:
    """For admins: active paths that name no assessment, so nobody can be certified on them."""
    if not person.has_role("admin"):
        return []
    bare = session.scalars(select(CertificationPath).where(
        CertificationPath.active.is_(True),
        ~select(AssessmentSlot.id).where(AssessmentSlot.path_id == CertificationPath.id)
        .exists()).order_by(CertificationPath.position)).all()
    return [TodoItem(_("%(path)s has no assessment rules yet", path=path.tr("name")),
                     url_for("certificates.settings", path_id=path.id), lane="setup")
            for path in bare]
