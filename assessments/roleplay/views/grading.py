"""Mentor and lead pages: the grading queue, the grading screen (draft, release, a change
with a reason), reassignment, blind second grades, live sessions, moderation, agreement
figures and calibration sessions. Thin: parse, call a service, commit, render."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from assessments.roleplay.forms import (
    CalibrationForm,
    LiveForm,
    PostForm,
    ReassignForm,
    posted_ratings,
)
from assessments.roleplay.models import CalibrationSession, Grade, Scenario, Submission
from assessments.roleplay.services import agreement, grading, queue, submissions
from lms.core import policy
from lms.core.errors import DomainError, NotFound
from lms.core.extensions import db
from lms.core.forms import choices
from lms.core.policy import authorize, may, require
from lms.core.requests import form_status, render_form, unit_of_work
from lms.people.models import Person


@require("roleplay.queue")
def queue_page():
    rows = queue.queue_for(db.session, current_user)
    led = queue.led_queue(db.session, current_user, request.args.get("page", 1, type=int)) \
        if may(current_user, "roleplay.lead") else None
    return render_template("assessments/roleplay/queue.html", rows=rows, led=led)


def _gradable(submission_id: int) -> tuple[Submission, str | None]:
    """The submission and the role the user grades it in; 404 for people who may not see it
    and 403 for those who see it but may not grade it (e.g. the agent, or a lead)."""
    submission = db.get_or_404(Submission, submission_id)
    if not may(current_user, "roleplay.view", submission):
        abort(404)
    return submission, grading.grader_role(current_user, submission)


@login_required
def grade_page(submission_id: int):
    submission, role = _gradable(submission_id)
    if submission.person_id == current_user.id:
        return redirect(url_for("roleplay.submission_page", submission_id=submission.id))
    return _grade_page(submission, role)


def _grade_page(submission: Submission, role: str | None, errors: list[str] = (),
                posted=None, status: int = 200):
    own = grading.grade_of(db.session, submission, current_user.id, role) if role else None
    lead = may(current_user, "roleplay.lead", submission)
    # Blind: a grader sees only their own grade until a lead moderates; leads see all.
    others = [g for g in submission.grades if g is not own and g.state == "released"] \
        if lead and role is None else []
    moderation = grading.grade_of(db.session, submission, current_user.id, "moderation")
    reassign = ReassignForm(formdata=None)
    reassign.mentor_id.choices = choices((m.id, m.name) for m in queue.mentors(db.session))
    return render_template(
        "assessments/roleplay/grade.html", submission=submission, scenario=submission.scenario,
        role=role, grade=own, others=others, lead=lead, errors=errors, posted=posted,
        can_moderate=may(current_user, "roleplay.moderate", submission)
        and {"primary", "second"} <= {g.role for g in submission.grades
                                      if g.state == "released"},
        moderation=moderation, reassign=reassign, post_form=PostForm(),
        due=submissions.due_at(submission), overdue=submissions.is_overdue(submission),
        as_customer=may(current_user, "roleplay.customer", submission),
        final=submissions.final_grade(submission)), status


def _grade(submission: Submission, role: str, action: str, posted) -> None:
    """Save, release or change (`action`) the current user's grade from the posted form."""
    ratings = posted_ratings(posted, submission.rubric_version.criteria)
    comment = posted.get("comment", "")
    note = posted.get("improvement_note", "")
    if action != "change":
        grading.save_grade(db.session, current_user, submission, ratings, comment, note,
                           release=action == "release")
        return
    grade = grading.grade_of(db.session, submission, current_user.id, role)
    if grade is None:
        raise DomainError(_("There is no released grade to change."))
    grading.change_released_grade(db.session, current_user, grade, ratings, comment, note,
                                  posted.get("reason", ""))


def _refused(outcome, submission_id: int, role: str | None, form):
    """The grading page again with the refusal's message (404 when the submission went)."""
    if isinstance(outcome.error, NotFound):
        abort(404)
    submission = db.session.get(Submission, submission_id)
    return _grade_page(submission, role, [outcome.error.message], request.form,
                       form_status(form))


@login_required
def grade_post(submission_id: int):
    submission, role = _gradable(submission_id)
    if role is None:
        abort(403)
    form = PostForm()
    if not form.validate_on_submit():
        abort(400)
    action = request.form.get("action", "draft")
    if action not in ("draft", "release", "change"):
        abort(400)
    graded = unit_of_work(_grade, submission, role, action, request.form, form=form)
    if not graded:
        return _refused(graded, submission_id, role, form)
    flash({"draft": _("Draft saved. The agent sees nothing until you release it."),
           "release": _("Grade released. The agent has been told."),
           "change": _("Grade changed; the reason is in the audit log.")}[action], "success")
    if action == "draft":
        return redirect(url_for("roleplay.grade_page", submission_id=submission_id))
    return redirect(url_for("roleplay.queue_page"))


def _moderate(submission: Submission, posted) -> None:
    ratings = posted_ratings(posted, submission.rubric_version.criteria)
    grading.moderate(db.session, current_user, submission, ratings, posted.get("comment", ""),
                     posted.get("improvement_note", ""), posted.get("reason", ""))


@login_required
def moderate(submission_id: int):
    submission, _role = _gradable(submission_id)
    if not may(current_user, "roleplay.moderate", submission):
        abort(403)
    form = PostForm()
    if not form.validate_on_submit():
        abort(400)
    moderated = unit_of_work(_moderate, submission, request.form, form=form)
    if not moderated:
        return _refused(moderated, submission_id, None, form)
    flash(_("Moderated grade saved; it is now the final grade."), "success")
    return redirect(url_for("roleplay.agreement_page"))


@login_required
def assign(submission_id: int):
    submission = db.get_or_404(Submission, submission_id)
    if not may(current_user, "roleplay.lead", submission):
        abort(403)
    form = ReassignForm()
    form.mentor_id.choices = choices((m.id, m.name) for m in queue.mentors(db.session))
    if not form.validate_on_submit():
        flash(_("Choose a mentor."), "error")
        return redirect(request.referrer or url_for("roleplay.queue_page"))
    mentor = db.session.get(Person, form.mentor_id.data)
    if request.form.get("second") == "1":
        assigned = unit_of_work(submissions.ask_second_grade, db.session, current_user,
                                submission, mentor, form=form)
    else:
        assigned = unit_of_work(submissions.reassign, db.session, current_user, submission,
                                mentor, form.reason.data or "", form=form)
    if isinstance(assigned.error, NotFound):
        abort(403)
    if not assigned:
        flash(assigned.error.message, "error")
    else:
        flash(_("%(name)s will grade this role-play.", name=mentor.name), "success")
    return redirect(url_for("roleplay.queue_page"))


@login_required
def live():
    if not current_user.has_role("mentor", "admin"):
        abort(403)
    form = LiveForm()
    form.scenario_id.choices = choices((s.id, s.title) for s in db.session.scalars(
        select(Scenario).where(Scenario.published.is_(True), Scenario.allow_live.is_(True))
        .order_by(Scenario.title)))
    agents = [p for p in db.session.scalars(select(Person).where(Person.active.is_(True))
                                            .order_by(Person.name))
              if may(current_user, "roleplay.live", p) and p.has_role("agent")]
    form.agent_id.choices = choices((p.id, p.name) for p in agents)
    if form.validate_on_submit():
        scenario = db.session.get(Scenario, form.scenario_id.data)
        agent = db.session.get(Person, form.agent_id.data)
        recorded = unit_of_work(submissions.record_live_session, db.session, current_user,
                                scenario, agent, form.notes.data or "", form=form)
        if recorded:
            return redirect(url_for("roleplay.grade_page", submission_id=recorded.value.id))
    return render_form("assessments/roleplay/live.html", form)


# Leads


@require("roleplay.agreement")
def agreement_page():
    report = agreement.agreement_report(db.session, current_user)
    return render_template("assessments/roleplay/agreement.html", report=report)


def _create_calibration(form: CalibrationForm) -> CalibrationSession:
    file = form.recording.data
    if file is None or not getattr(file, "filename", ""):
        raise DomainError(_("Choose a recording to upload."), "recording")
    return agreement.create_calibration(
        db.session, current_user, db.session.get(Scenario, form.scenario_id.data),
        form.title.data, file.filename, file.stream, form.notes.data or "",
        current_app.config["STORAGE_DIR"])


@login_required
def calibration_list():
    if not (may(current_user, "roleplay.calibrate") or current_user.has_role("mentor")):
        abort(403)
    form = CalibrationForm()
    form.scenario_id.choices = choices((s.id, s.title) for s in db.session.scalars(
        select(Scenario).order_by(Scenario.title)))
    if request.method == "POST":
        authorize("roleplay.calibrate")
        if form.validate_on_submit():
            created = unit_of_work(_create_calibration, form, form=form)
            if created:
                flash(_("Calibration session created; every mentor can grade it now."),
                      "success")
                return redirect(url_for("roleplay.calibration_page",
                                        calibration_id=created.value.id))
    sessions = db.session.scalars(select(CalibrationSession)
                                  .order_by(CalibrationSession.created_at.desc())).all()
    graded = {g.submission_id for g in db.session.scalars(
        select(Grade).where(Grade.grader_id == current_user.id,
                           Grade.role == "calibration",
                           Grade.state == "released"))}
    return render_form("assessments/roleplay/calibration_list.html", form, sessions=sessions,
                       graded=graded, can_create=may(current_user, "roleplay.calibrate"))


@login_required
def calibration_page(calibration_id: int):
    calibration = db.get_or_404(CalibrationSession, calibration_id)
    if not may(current_user, "roleplay.view", calibration.submission):
        abort(403)
    rows, grades = agreement.calibration_spread(calibration)
    lead = policy.may(current_user, "roleplay.calibrate")
    mine = next((g for g in grades if g.grader_id == current_user.id), None)
    return render_template("assessments/roleplay/calibration.html", calibration=calibration,
                           rows=rows, grades=grades if lead or mine else [], lead=lead,
                           mine=mine, show_spread=lead or mine is not None)
