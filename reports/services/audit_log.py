"""The audit log screen and export: filtering, paging, labels and the CSV rows.

Plain functions taking a session and plain values (`AuditFilters`); the views parse the
filter form and call these, tests call them directly.
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, Text, cast, func, or_, select
from sqlalchemy.orm import joinedload

from lms.core.audit import AuditEntry
from lms.core.extensions import db
from lms.core.spreadsheet import safe_cell
from lms.people.models import Person

PAGE_SIZE = 50
# Rows fetched per round trip by the export: memory stays bounded whatever the log's size.
EXPORT_CHUNK = 1000
CSV_COLUMNS = ("at", "actor_employee_id", "actor_name", "action", "object_type", "object_id",
               "reason", "details")
# No service writes secrets into details today (reset links and 360 links are recorded without
# their token); a key that names one is still hidden, should a future caller slip.
SECRET_KEY_PARTS = ("password", "token", "secret")
_SECRET_WORD = re.compile("|".join(SECRET_KEY_PARTS), re.IGNORECASE)
HIDDEN = "[hidden]"

# The areas an action name starts with ("certificate.revoked" is in "certificate.").
ACTION_AREAS = {
    "api_token.": _l("API tokens"),
    "certificate.": _l("Certificates"),
    "certification.": _l("Certification rules"),
    "classroom.": _l("Classroom training"),
    "course.": _l("Courses"),
    "enrolment.": _l("Enrolments"),
    "framework.": _l("Competency framework"),
    "improvement_plan.": _l("Improvement plans"),
    "identity.": _l("Sign-in and identity providers"),
    "kpi.": _l("Service KPIs"),
    "matrix.": _l("Competency matrix"),
    "mystery.": _l("Mystery shoppers"),
    "organisation.": _l("Organisation"),
    "path.": _l("Certification paths"),
    "people.": _l("People imports"),
    "person.": _l("Accounts"),
    "question.": _l("Question bank"),
    "question_category.": _l("Question categories"),
    "scorm.": _l("SCORM packages"),
    "quiz.": _l("Quizzes and exams"),
    "reports.": _l("Reports"),
    "review360.": _l("360 evaluations"),
    "roleplay.": _l("Role-plays"),
    "scim.": _l("SCIM provisioning"),
    "team.": _l("Teams"),
}

# Every action a service records (tests/reports/test_audit_log.py checks the list against the
# audit.record calls in the code, so a new action without a label fails there).
ACTION_LABELS = {
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
    "certificate.approval_requested": _l("Certificate approval requested"),
    "certificate.approve": _l("Certificate request approved"),
    "certificate.batch": _l("Certificate batch started"),
    "certificate.decline": _l("Certificate request declined"),
    "certificate.design": _l("Certificate design changed"),
    "certificate.issue": _l("Certificate issued"),
    "certificate.name_corrected": _l("Name on a certificate corrected"),
    "certificate.reinstated": _l("Certificate reinstated"),
    "certificate.revoked": _l("Certificate revoked"),
    "certification.reevaluate": _l("People re-evaluated after a change of rules"),
    "certification.recert_slot_add": _l("Recertification assessment added"),
    "certification.recert_slot_remove": _l("Recertification assessment removed"),
    "certification.settings": _l("Certification rules changed"),
    "classroom.attendance": _l("Attendance recorded"),
    "classroom.attendance_change": _l("Confirmed attendance changed"),
    "classroom.cancel_place": _l("Training place cancelled"),
    "classroom.checkin": _l("Checked in to a session"),
    "classroom.enrol": _l("Enrolled in a training event"),
    "classroom.event_cancel": _l("Training event cancelled"),
    "classroom.event_create": _l("Training event created"),
    "classroom.event_update": _l("Training event changed"),
    "classroom.feed_new": _l("Calendar feed created"),
    "classroom.feed_revoke": _l("Calendar feed revoked"),
    "classroom.mentoring_confirm": _l("Mentoring meeting confirmed"),
    "classroom.mentoring_log": _l("Mentoring meeting logged"),
    "classroom.mentoring_plan": _l("Mentoring meeting planned"),
    "classroom.promote": _l("Moved from the waitlist to a seat"),
    "classroom.register_confirm": _l("Session register confirmed"),
    "classroom.rotation_confirm": _l("Front-line shift confirmed"),
    "classroom.rotation_log": _l("Front-line shift logged"),
    "classroom.session_add": _l("Training session added"),
    "classroom.target_hours": _l("Training-hours target changed"),
    "course.archive": _l("Course archived"),
    "course.attachment_add": _l("Course file added"),
    "course.attachment_remove": _l("Course file removed"),
    "course.complete": _l("Course completed"),
    "course.create": _l("Course created"),
    "course.discard_draft": _l("Course draft discarded"),
    "course.draft": _l("Course draft started"),
    "course.import": _l("Course imported"),
    "course.lesson_delete": _l("Lesson deleted"),
    "course.module_delete": _l("Module deleted"),
    "course.paths": _l("Course's certification paths changed"),
    "course.publish": _l("Course published"),
    "course.unarchive": _l("Course taken out of the archive"),
    "course.update": _l("Course settings changed"),
    "enrolment.create": _l("Enrolled in a course"),
    "enrolment.due_date": _l("Enrolment due date changed"),
    "enrolment.path": _l("Enrolled in a path's courses"),
    "enrolment.reactivate": _l("Enrolment reactivated"),
    "enrolment.withdraw": _l("Withdrawn from a course"),
    "framework.area_create": _l("Competency area created"),
    "framework.area_update": _l("Competency area changed"),
    "framework.competency_activate": _l("Competency reactivated"),
    "framework.competency_create": _l("Competency created"),
    "framework.competency_deactivate": _l("Competency deactivated"),
    "framework.competency_update": _l("Competency changed"),
    "framework.evidence_weight": _l("Evidence kind weight changed"),
    "framework.level_add": _l("Proficiency level added"),
    "framework.level_remove": _l("Proficiency level removed"),
    "framework.level_update": _l("Proficiency level changed"),
    "identity.link": _l("Company account linked"),
    "identity.local_passwords": _l("Password sign-in turned on or off"),
    "identity.provider_create": _l("Identity provider added"),
    "identity.provider_update": _l("Identity provider changed"),
    "identity.provision": _l("Account created on first company sign-in"),
    "identity.scim_token_create": _l("SCIM token created"),
    "identity.scim_token_revoke": _l("SCIM token revoked"),
    "identity.sign_in": _l("Signed in with a company account"),
    "identity.sign_in_refused": _l("Company sign-in refused"),
    "improvement_plan.close": _l("Improvement plan closed"),
    "improvement_plan.merge": _l("Improvement plan extended by a new trigger"),
    "improvement_plan.open": _l("Improvement plan opened"),
    "improvement_plan.settings": _l("Improvement plan settings changed"),
    "kpi.create": _l("KPI created"),
    "kpi.import": _l("KPI values imported"),
    "kpi.update": _l("KPI changed"),
    "matrix.set": _l("Required level changed"),
    "mystery.item_add": _l("Mystery-shopper checklist item added"),
    "mystery.item_edit": _l("Mystery-shopper checklist item edited"),
    "mystery.item_retire": _l("Mystery-shopper checklist item taken off"),
    "mystery.link_resend": _l("Mystery-shopper link sent again"),
    "mystery.programme_create": _l("Mystery-shopper programme created"),
    "mystery.programme_update": _l("Mystery-shopper programme changed"),
    "mystery.schedule": _l("Mystery-shopper visits scheduled"),
    "mystery.shopper_add": _l("Mystery shopper added"),
    "mystery.visit_answer": _l("Mystery-shopper visit reported"),
    "path.create": _l("Path created"),
    "path.slot_create": _l("Path assessment added"),
    "path.slot_remove": _l("Path assessment removed"),
    "path.slot_update": _l("Path assessment changed"),
    "path.update": _l("Path changed"),
    "people.import": _l("People imported from CSV"),
    "person.activate": _l("Account reactivated"),
    "person.author_right": _l("Author right changed"),
    "person.change_password": _l("Password changed"),
    "person.create": _l("Account created"),
    "person.deactivate": _l("Account deactivated"),
    "person.issue_reset_link": _l("Password reset link issued"),
    "person.request_reset": _l("Password reset link requested"),
    "person.reset_request_throttled": _l("Password reset request held back (too many)"),
    "person.send_first_sign_in": _l("First sign-in e-mail sent"),
    "person.update": _l("Account changed"),
    "question.archive": _l("Question archived"),
    "question.create": _l("Question created"),
    "question.edit": _l("Question edited"),
    "question.restore": _l("Question restored"),
    "question.translate": _l("Question translated"),
    "question_category.create": _l("Question category created"),
    "scorm.import": _l("SCORM package uploaded"),
    "question_category.delete": _l("Question category deleted"),
    "question_category.update": _l("Question category changed"),
    "quiz.add_draw": _l("Random questions added to a quiz"),
    "quiz.add_question": _l("Question added to a quiz"),
    "quiz.answer_refused": _l("Quiz answer refused"),
    "quiz.attempt_abandon": _l("Quiz attempt abandoned"),
    "quiz.bank_tag_category": _l("Questions of a category tagged with competencies"),
    "quiz.attempt_finish": _l("Quiz attempt submitted"),
    "quiz.attempt_start": _l("Quiz attempt started"),
    "quiz.create": _l("Quiz created"),
    "quiz.grade_essay": _l("Essay graded"),
    "quiz.move_item": _l("Quiz question moved"),
    "quiz.override": _l("Quiz accommodation set"),
    "quiz.override_delete": _l("Quiz accommodation removed"),
    "quiz.publish": _l("Quiz published"),
    "quiz.regrade": _l("Quiz attempt regraded"),
    "quiz.remove_item": _l("Question removed from a quiz"),
    "quiz.unpublish": _l("Quiz unpublished"),
    "quiz.update": _l("Quiz settings changed"),
    "reports.review_packs": _l("Review packs requested for a team"),
    "review360.cycle_close": _l("360 cycle closed"),
    "review360.cycle_create": _l("360 cycle created"),
    "review360.cycle_extend": _l("360 cycle extended"),
    "review360.cycle_update": _l("360 cycle changed"),
    "review360.item_add": _l("360 question added"),
    "review360.item_remove": _l("360 question removed"),
    "review360.link_resend": _l("360 rater link sent again"),
    "review360.nominations_approve": _l("360 nominations approved"),
    "review360.nominations_submit": _l("360 nominations submitted"),
    "review360.questionnaire_create": _l("360 questionnaire created"),
    "review360.rater_confirm": _l("360 customer confirmed by HR"),
    "review360.rater_propose": _l("360 rater nominated"),
    "review360.rater_withdraw": _l("360 rater withdrawn"),
    "review360.response_submit": _l("360 answers submitted"),
    "review360.subject_add": _l("Person added to a 360 cycle"),
    "roleplay.attachment_add": _l("Scenario file added"),
    "roleplay.attachment_remove": _l("Scenario file removed"),
    "roleplay.calibration_create": _l("Calibration session created"),
    "roleplay.criterion_delete": _l("Rubric criterion deleted"),
    "roleplay.criterion_move": _l("Rubric criterion moved"),
    "roleplay.criterion_save": _l("Rubric criterion saved"),
    "roleplay.grade_change": _l("Released role-play grade changed"),
    "roleplay.grade_draft": _l("Role-play grade saved as draft"),
    "roleplay.grade_release": _l("Role-play grade released"),
    "roleplay.live": _l("Live role-play recorded"),
    "roleplay.moderate": _l("Role-play grade moderated"),
    "roleplay.reassign": _l("Role-play reassigned to another mentor"),
    "roleplay.rubric_create": _l("Rubric created"),
    "roleplay.rubric_edit": _l("Rubric changed"),
    "roleplay.rubric_import": _l("Rubric imported"),
    "roleplay.rubric_new_version": _l("Rubric version started"),
    "roleplay.scenario_publish": _l("Scenario published"),
    "roleplay.scenario_save": _l("Scenario saved"),
    "roleplay.scenario_withdraw": _l("Scenario withdrawn"),
    "roleplay.script_save": _l("Scenario script saved"),
    "roleplay.second_grade": _l("Second grader assigned"),
    "roleplay.start": _l("Role-play chat started"),
    "roleplay.submit": _l("Role-play submitted"),
    "scim.group_create": _l("Team created by provisioning"),
    "scim.group_delete": _l("Team deactivated by provisioning"),
    "scim.team_member_add": _l("Moved into a team by provisioning"),
    "scim.team_member_remove": _l("Removed from a team by provisioning"),
    "scim.user_create": _l("Account created by provisioning"),
    "scim.user_update": _l("Account changed by provisioning"),
    "team.activate": _l("Team reactivated"),
    "team.create": _l("Team created"),
    "team.deactivate": _l("Team deactivated"),
    "team.update": _l("Team changed"),
    "organisation.rename": _l("Organisation name changed"),
}


@dataclass(frozen=True)
class AuditFilters:
    """What the reader narrowed the log to; empty values filter nothing. `action` is one
    action or an area prefix ending in "."; dates are days in `tz`, both ends included."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None
    reason: str = ""
    tz: tzinfo = field(default=UTC, compare=False)

    def as_pairs(self) -> list[tuple[str, str]]:
        """The filters in use as (name, value) text pairs, in a stable order."""
        values = asdict(self)
        values.pop("tz")
        return [(name, value.isoformat() if isinstance(value, date) else value)
                for name, value in values.items() if value not in ("", None)]

    def describe(self) -> str:
        """The filters in use as one line of text ("none" without any)."""
        pairs = self.as_pairs()
        return "; ".join(f"{name}={value}" for name, value in pairs) if pairs else "none"

    def query_string(self) -> str:
        """The filters in use, URL-encoded (ASCII, safe in a response header)."""
        return urlencode(self.as_pairs())


@dataclass
class AuditPage:
    """One page of entries, newest first, with what the pager needs."""

    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


def action_label(action: str) -> str:
    """The human label of a known action, in the active language; unknown actions raw."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def action_choices() -> list[tuple[str, str]]:
    """(value, label) pairs for the action filter: every area, then every action the code
    records, by raw name. From the code, not the log: a DISTINCT over a large log would cost
    every page load a scan."""
    areas = [(prefix, str(_l("%(area)s: all", area=label)))
             for prefix, label in ACTION_AREAS.items()]
    return areas + [(name, action_label(name)) for name in sorted(ACTION_LABELS)]


def _day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def filtered(filters: AuditFilters) -> Select:
    """A SELECT of AuditEntry narrowed by `filters` (text matches ignore case and treat % and
    _ literally), without order or limit."""
    stmt = select(AuditEntry)
    if filters.actor:
        text = filters.actor.lower()
        stmt = stmt.join(Person, AuditEntry.actor_id == Person.id).where(or_(
            func.lower(Person.name).contains(text, autoescape=True),
            func.lower(Person.employee_id).contains(text, autoescape=True),
            func.lower(Person.email).contains(text, autoescape=True),
        ))
    if filters.action.endswith("."):
        stmt = stmt.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    elif filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.object_type:
        stmt = stmt.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        stmt = stmt.where(AuditEntry.object_id == filters.object_id)
    if filters.date_from is not None:
        stmt = stmt.where(AuditEntry.at >= _day_start(filters.date_from, filters.tz))
    if filters.date_to is not None:
        stmt = stmt.where(AuditEntry.at < _day_start(filters.date_to + timedelta(days=1),
                                                     filters.tz))
    if filters.reason:
        stmt = stmt.where(func.lower(AuditEntry.reason).contains(filters.reason.lower(),
                                                                 autoescape=True))
    return stmt


def _newest_first(stmt: Select) -> Select:
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def entries_page(filters: AuditFilters, page: int = 1, per_page: int = PAGE_SIZE) -> AuditPage:
    """One page of matching entries, newest first, actors loaded with them (two queries
    whatever the page size, through `db.paginate`); a page before the first gives the first,
    a page past the end the last."""
    stmt = _newest_first(filtered(filters)).options(joinedload(AuditEntry.actor))
    found = db.paginate(stmt, page=max(page, 1), per_page=per_page, max_per_page=None,
                        error_out=False)
    if found.page > max(found.pages, 1):
        found = db.paginate(stmt, page=found.pages, per_page=per_page, max_per_page=None,
                            error_out=False)
    return AuditPage(found.items, found.page, max(found.pages, 1), found.total)


def _hidden(key: str) -> bool:
    return _SECRET_WORD.search(key) is not None


def safe_details(details: dict | None) -> dict:
    """The entry's details with any value under a secret-sounding key (password, token,
    secret), at any depth, replaced by a marker."""
    def clean(value):
        if isinstance(value, dict):
            return {k: HIDDEN if _hidden(str(k)) else clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(details or {})


def _utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _details_json(raw: str | None) -> str:
    """The stored details text as the export's JSON: as stored when nothing in it could be a
    secret and it needs no unescaping (the common case, no decoding), else decoded, cleaned
    (`safe_details`) and written with readable non-ASCII text."""
    if not raw:
        return "{}"
    if _SECRET_WORD.search(raw) is None and "\\u" not in raw:
        return raw
    return json.dumps(safe_details(json.loads(raw)), ensure_ascii=False, default=str)


def csv_lines(session, filters: AuditFilters, as_of: datetime) -> Iterator[str]:
    """The CSV export, line by line: `as_of,<ISO UTC>` and `filters,<text>`, a blank line,
    the header (CSV_COLUMNS), then one row per matching entry, newest first. Rows are read
    EXPORT_CHUNK at a time and every cell is neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells) -> str:
        writer.writerow([safe_cell(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(["as_of", _utc_iso(as_of)])
    yield line(["filters", filters.describe()])
    yield "\r\n"
    yield line(CSV_COLUMNS)
    entries = filtered(filters).subquery()
    # The details as text: most need no decoding and re-encoding (see _details_json).
    stmt = (
        select(entries.c.at, Person.employee_id, Person.name, entries.c.action,
               entries.c.object_type, entries.c.object_id, entries.c.reason,
               cast(entries.c.details, Text))
        .outerjoin(Person, entries.c.actor_id == Person.id)
        .order_by(entries.c.at.desc(), entries.c.id.desc())
        .execution_options(yield_per=EXPORT_CHUNK)
    )
    for at, employee_id, name, action, object_type, object_id, reason, details in \
            session.execute(stmt):
        yield line([_utc_iso(at), employee_id or "", name or "", action, object_type,
                    object_id, reason or "", _details_json(details)])
