"""The audit log for admins: who changed what, when and why; filtered on screen and as CSV."""

from zoneinfo import ZoneInfo

from flask import Response, render_template, request, stream_with_context, url_for
from flask_babel import get_timezone
from werkzeug.routing import BuildError

from lms.core import clock
from lms.core.extensions import db
from lms.core.policy import require
from reports.forms import AuditFilterForm
from reports.services import audit_log
from reports.services.audit_words import AuditWords, type_choices, type_label

# Objects with a page of their own: type -> (endpoint, the id argument's name).
OBJECT_PAGES = {
    "Person": ("people.person_detail", "person_id"),
    "Team": ("people.team_form", "team_id"),
    "Certificate": ("certificates.detail", "certificate_id"),
    "CertificateBatch": ("certificates.batch_page", "batch_id"),
    "CertificationPath": ("competencies.path_requirements", "path_id"),
    "Course": ("courses.author_course", "course_id"),
    "Quiz": ("quiz.author_quiz", "quiz_id"),
    "Scenario": ("roleplay.author_scenario", "scenario_id"),
    "Rubric": ("roleplay.author_rubric", "rubric_id"),
    "Submission": ("roleplay.submission_page", "submission_id"),
    "Cycle": ("review360.cycle_detail", "cycle_id"),
    "Subject": ("review360.subject_detail", "subject_id"),
}


def _object_url(entry) -> str | None:
    """The page of the entry's object, where it has one."""
    target = OBJECT_PAGES.get(entry.object_type)
    if target is None or not entry.object_id.isdigit():
        return None
    endpoint, argument = target
    try:
        return url_for(endpoint, **{argument: int(entry.object_id)})
    except BuildError:  # the package that owns the page is not installed
        return None


def _parse_filters() -> tuple[AuditFilterForm, audit_log.AuditFilters | None]:
    """The filter form bound to the query string, and the filters (None when invalid)."""
    form = AuditFilterForm(formdata=request.args)
    form.set_choices(audit_log.action_choices(), type_choices())
    if not form.validate():
        return form, None
    return form, audit_log.AuditFilters(
        actor=(form.actor.data or "").strip(), action=form.action.data or "",
        object_type=form.object_type.data or "", object_id=(form.object_id.data or "").strip(),
        date_from=form.date_from.data, date_to=form.date_to.data,
        reason=(form.reason.data or "").strip(),
        # Flask-Babel hands out pytz zones; datetime arithmetic needs a zoneinfo one.
        tz=ZoneInfo(str(get_timezone())),
    )


def _invalid_page(form: AuditFilterForm):
    return render_template("reports/audit.html", form=form, result=None, invalid=True,
                           timezone=str(get_timezone())), 400


@require("audit.view")
def audit_log_page():
    form, filters = _parse_filters()
    if filters is None:
        return _invalid_page(form)
    page = request.args.get("page", 1, type=int)
    result = audit_log.entries_page(filters, page)
    words = AuditWords(db.session, result.entries)
    return render_template(
        "reports/audit.html", form=form, result=result, invalid=False,
        timezone=str(get_timezone()), action_label=audit_log.action_label,
        details=lambda entry: words.details(entry.details, audit_log.safe_details),
        object_name=words.object_name, type_label=type_label, object_url=_object_url,
        csv_url=url_for("reports.audit_log_csv", **request.args.to_dict()),
    )


@require("audit.view")
def audit_log_csv():
    form, filters = _parse_filters()
    if filters is None:
        return _invalid_page(form)
    as_of = clock.now().replace(microsecond=0)
    stamp = as_of.strftime("%Y%m%dT%H%M%SZ")
    lines = audit_log.csv_lines(db.session, filters, as_of)
    return Response(stream_with_context(lines), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"',
        "X-Report-As-Of": as_of.isoformat().replace("+00:00", "Z"),
        "X-Report-Filters": filters.query_string() or "none",
    })
