"""Agent pages: my role-plays, a scenario's brief, the typed chat, uploads, the feedback, and
the media files (served by policy, with range requests). Thin: parse, call a service, commit."""

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from assessments.roleplay.forms import MessageForm, PostForm, StartForm, UploadForm
from assessments.roleplay.models import Scenario, ScenarioAttachment, Submission
from assessments.roleplay.services import grading, submissions
from lms.competencies.models import Competency
from lms.core import uploads
from lms.core.eligibility import describe as describe_eligibility
from lms.core.errors import DomainError, NotFound
from lms.core.extensions import db
from lms.core.i18n import current_language
from lms.core.policy import may
from lms.core.requests import form_status, render_form, unit_of_work


def rp_hours(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def scenario_title(scenario) -> str:
    return scenario.display_title(current_language())


def competency_names(scenario) -> list[str]:
    ids = [link.competency_id for link in scenario.competency_links]
    if not ids:
        return []
    return [c.tr("name") for c in db.session.scalars(
        select(Competency).where(Competency.id.in_(ids)).order_by(Competency.code))]


def _visible_submission(submission_id: int) -> Submission:
    """A submission the current user may see, or 404 (others' are not shown at all)."""
    submission = db.get_or_404(Submission, submission_id)
    if not may(current_user, "roleplay.view", submission):
        abort(404)
    return submission


@login_required
def my_roleplays():
    scenarios = db.session.scalars(select(Scenario).where(Scenario.published.is_(True))
                                   .order_by(Scenario.title)).all()
    mine: dict[int, list[Submission]] = {}
    for sub in db.session.scalars(select(Submission).where(
            Submission.person_id == current_user.id, Submission.is_reference.is_(False))
            .order_by(Submission.number)):
        mine.setdefault(sub.scenario_id, []).append(sub)
    tier = current_user.tier_id
    ordered = sorted(scenarios, key=lambda s: (s.path_id != tier, s.path_id or 0, s.title))
    return render_template("assessments/roleplay/list.html", scenarios=ordered, mine=mine,
                           final_grade=submissions.final_grade)


@login_required
def scenario_page(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    if not may(current_user, "roleplay.take", scenario) and not may(current_user,
                                                                     "roleplay.author"):
        abort(404)
    past = submissions.submissions_of(db.session, scenario, current_user.id)
    return render_template(
        "assessments/roleplay/scenario.html", scenario=scenario, past=past,
        availability=submissions.availability(db.session, scenario, current_user),
        start_form=StartForm(), final_grade=submissions.final_grade,
        who=describe_eligibility(submissions.scenario_eligibility(scenario)))


@login_required
def start_chat(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    if not may(current_user, "roleplay.take", scenario):
        abort(404)
    form = StartForm()
    if not form.validate_on_submit():
        flash(_("Choose who plays the customer."), "error")
        return redirect(url_for("roleplay.scenario_page", scenario_id=scenario.id))
    started = unit_of_work(submissions.start_chat, db.session, current_user, scenario,
                           form.customer_side.data)
    if not started:
        return redirect(url_for("roleplay.scenario_page", scenario_id=scenario.id))
    return redirect(url_for("roleplay.submission_page", submission_id=started.value.id))


@login_required
def submission_page(submission_id: int):
    submission = _visible_submission(submission_id)
    if submission.person_id != current_user.id:
        return redirect(url_for("roleplay.grade_page", submission_id=submission.id))
    return _submission_page(submission, MessageForm(formdata=None))


def _submission_page(submission: Submission, form, status: int = 200):
    final = submissions.final_grade(submission)
    weak = grading.weak_competencies(db.session, final, submission.scenario.pass_mark) \
        if final is not None else []
    return render_template(
        "assessments/roleplay/submission.html", submission=submission,
        scenario=submission.scenario, form=form, post_form=PostForm(), final=final,
        weak=weak, due=submissions.due_at(submission),
        as_customer=may(current_user, "roleplay.customer", submission)), status


@login_required
def transcript(submission_id: int):
    """The chat's lines as JSON for the optional polling script (count and HTML)."""
    submission = _visible_submission(submission_id)
    html = render_template("assessments/roleplay/_transcript.html", submission=submission)
    return jsonify(count=len(submission.messages), state=submission.state, html=html)


@login_required
def post_message(submission_id: int):
    submission = _visible_submission(submission_id)
    form = MessageForm()
    back = url_for("roleplay.submission_page" if submission.person_id == current_user.id
                   else "roleplay.grade_page", submission_id=submission.id)
    if form.validate_on_submit():
        posted = unit_of_work(submissions.post_message, db.session, current_user, submission,
                              form.text.data, expected_count=form.seen.data, form=form)
        if isinstance(posted.error, NotFound):
            abort(404)
        if posted:
            return redirect(back + "#latest")
    if submission.person_id != current_user.id:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        for error in form.form_errors:
            flash(error, "error")
        return redirect(back)
    submission = db.session.get(Submission, submission_id)
    return _submission_page(submission, form, form_status(form))


@login_required
def submit(submission_id: int):
    submission = _visible_submission(submission_id)
    form = PostForm()
    if not form.validate_on_submit():
        abort(400)
    submitted = unit_of_work(submissions.submit, db.session, current_user, submission,
                             form=form)
    if isinstance(submitted.error, NotFound):
        abort(404)
    if not submitted:
        flash(submitted.error.message, "error")
    else:
        flash(_("Submitted. Your mentor will give feedback within %(hours)d hours.",
                hours=submission.scenario.sla_hours), "success")
    return redirect(url_for("roleplay.submission_page", submission_id=submission_id))


def _submit_recording(scenario: Scenario, form: UploadForm) -> Submission:
    file = form.recording.data
    if file is None or not getattr(file, "filename", ""):
        raise DomainError(_("Choose a recording to upload."), "recording")
    return submissions.submit_recording(
        db.session, current_user, scenario, file.filename, file.stream, form.notes.data or "",
        current_app.config["STORAGE_DIR"], current_app.config["MAX_CONTENT_LENGTH"])


@login_required
def upload(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    if not may(current_user, "roleplay.take", scenario) or not scenario.allow_upload:
        abort(404)
    form = UploadForm()
    if form.validate_on_submit():
        submitted = unit_of_work(_submit_recording, scenario, form, form=form)
        if submitted:
            flash(_("Recording submitted. Your mentor will give feedback within %(hours)d "
                    "hours.", hours=scenario.sla_hours), "success")
            return redirect(url_for("roleplay.submission_page",
                                    submission_id=submitted.value.id))
    limit = submissions.upload_limit(scenario, current_app.config["MAX_CONTENT_LENGTH"])
    return render_form("assessments/roleplay/upload.html", form, scenario=scenario,
                       limit_mb=f"{limit / 1024 / 1024:.0f}",
                       availability=submissions.availability(db.session, scenario,
                                                             current_user))


@login_required
def recording(submission_id: int):
    """The recording, to the agent, their assigned mentors and leads only (range requests
    work, so players can seek)."""
    submission = _visible_submission(submission_id)
    if not submission.recording_sha256:
        abort(404)
    return uploads.send_stored(current_app.config["STORAGE_DIR"], submission.recording_sha256,
                               submission.recording_type, submission.recording_filename,
                               inline=True)


@login_required
def attachment(scenario_id: int, attachment_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    found = db.get_or_404(ScenarioAttachment, attachment_id)
    if found.scenario_id != scenario.id:
        abort(404)
    if not may(current_user, "roleplay.take", scenario) and not may(current_user,
                                                                     "roleplay.author"):
        abort(404)
    return uploads.send_stored(current_app.config["STORAGE_DIR"], found.sha256,
                               found.content_type, found.filename,
                               inline=found.content_type.startswith("image/"))
