"""A subject's results: the page with its charts, the PDF and the JSON export, all from
`results.subject_report` (so all keep the anonymity rules). Closed cycles only."""

from flask import abort, jsonify, make_response, render_template
from flask_babel import gettext as _
from flask_login import login_required

from assessments.review360.models import Subject
from assessments.review360.services import report as report_module
from assessments.review360.services import results
from lms.core.extensions import db
from lms.core.i18n import current_language
from lms.core.numbers import display_score
from lms.core.policy import authorize


def _report(subject_id: int):
    subject = db.session.get(Subject, subject_id)
    if subject is None:
        abort(404)
    authorize("review360.results", subject)
    return subject, results.subject_report(db.session, subject)


def _charts(report):
    return report_module.build_charts(
        report, _("Competency profile of %(name)s", name=report.person_name),
        _("Scores per competency and rater group"),
        {"weighted": _("Weighted"), "self": _("Self"), "others": _("Others (weighted)")})


@login_required
def subject_results(subject_id: int):
    subject, report = _report(subject_id)
    return render_template("assessments/review360/results.html", subject=subject,
                           report=report, charts=_charts(report), display=display_score)


@login_required
def subject_report_pdf(subject_id: int):
    subject, report = _report(subject_id)
    pdf = report_module.report_pdf(report, _charts(report), current_language())
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="360-report-{subject.id}.pdf"')
    return response


@login_required
def subject_results_json(subject_id: int):
    _, report = _report(subject_id)
    return jsonify(report.as_dict())
