"""The mentoring log and front-line rotation pages. Thin: parse, call a service, commit."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from classroom.forms import ConfirmForm, LogMeetingForm, PlanMeetingForm, ShiftForm
from classroom.models import MentoringMeeting, RotationShift
from classroom.services import mentoring, rotation
from classroom.services.mentoring import MeetingLog
from lms.competencies.models import Competency
from lms.core import clock
from lms.core.extensions import db
from lms.core.policy import require
from lms.core.requests import form_status, unit_of_work
from lms.people.models import Person, Team


def _partners() -> list[Person]:
    mentees = db.session.scalars(select(Person).where(Person.mentor_id == current_user.id,
                                                      Person.active.is_(True))
                                 .order_by(Person.sort_name)).all()
    mentor = [current_user.mentor] if current_user.mentor is not None else []
    return list(mentor) + list(mentees)


def _mentoring_forms(plan=None, log=None):
    partners = [(p.id, p.name) for p in _partners()]
    plan = plan or PlanMeetingForm(formdata=None, prefix="plan")
    log = log or LogMeetingForm(formdata=None)
    plan.partner_id.choices = partners
    log.partner_id.choices = partners
    log.competency_ids.choices = [(c.id, c.tr("name")) for c in db.session.scalars(
        select(Competency).where(Competency.active.is_(True))
        .order_by(Competency.area_id, Competency.position))]
    return plan, log


def _mentoring_page(plan=None, log=None, status=200):
    plan, log = _mentoring_forms(plan, log)
    names = {c.id: c.tr("name") for c in db.session.scalars(select(Competency))}
    return render_template(
        "classroom/mentoring.html", meetings=mentoring.meetings_of(db.session, current_user),
        plan_form=plan, log_form=log, form=ConfirmForm(formdata=None), names=names,
        hours=mentoring.confirmed_minutes(db.session, current_user.id) / 60), status


@login_required
def mentoring_page():
    return _mentoring_page()


def _partner(form) -> Person:
    return db.session.get(Person, form.partner_id.data)


@login_required
def mentoring_plan():
    plan, _log = _mentoring_forms(PlanMeetingForm(prefix="plan"))
    if plan.validate_on_submit():
        if unit_of_work(lambda: mentoring.plan_meeting(db.session, current_user, _partner(plan),
                                                       plan.planned_on.data), form=plan):
            flash(_("Meeting planned."), "success")
            return redirect(url_for("classroom.mentoring_page"))
    return _mentoring_page(plan=plan, status=form_status(plan))


@login_required
def mentoring_log():
    _plan, log = _mentoring_forms(log=LogMeetingForm())
    if log.validate_on_submit():
        data = MeetingLog(held_on=log.held_on.data, minutes=log.minutes.data,
                          topics=log.topics.data or "", actions=log.actions.data or "",
                          competency_ids=list(log.competency_ids.data or []))
        if unit_of_work(lambda: mentoring.log_meeting(db.session, current_user, _partner(log),
                                                      data), form=log):
            flash(_("Meeting logged; it counts once your partner confirms it."), "success")
            return redirect(url_for("classroom.mentoring_page"))
    return _mentoring_page(log=log, status=form_status(log))


@login_required
def mentoring_confirm(meeting_id: int):
    meeting = db.get_or_404(MentoringMeeting, meeting_id)
    if ConfirmForm().validate_on_submit():
        if unit_of_work(mentoring.confirm_meeting, db.session, current_user, meeting):
            flash(_("Meeting confirmed."), "success")
    return redirect(url_for("classroom.mentoring_page"))


def _shift_form(form=None) -> ShiftForm:
    form = form or ShiftForm(formdata=None)
    form.team_id.choices = [(t.id, t.name) for t in db.session.scalars(
        select(Team).where(Team.active.is_(True)).order_by(Team.name))]
    return form


def _rotation_page(form=None, status=200):
    start, end = rotation.quarter_of(clock.today())
    shifts = db.session.scalars(select(RotationShift).where(
        RotationShift.person_id == current_user.id).order_by(RotationShift.worked_on.desc())
    ).all()
    return render_template(
        "classroom/rotation.html", shifts=shifts, shift_form=_shift_form(form),
        waiting=rotation.waiting_for(db.session, current_user), form=ConfirmForm(formdata=None),
        quarter_hours=rotation.confirmed_minutes(db.session, current_user.id, start, end) / 60,
        quarter=(start, end)), status


@login_required
def rotation_page():
    return _rotation_page()


@require("classroom.rotation")
def rotation_log():
    form = _shift_form(ShiftForm())
    if form.validate_on_submit():
        team = db.session.get(Team, form.team_id.data)
        minutes = int(form.hours.data * 60)
        if unit_of_work(rotation.log_shift, db.session, current_user, team,
                        form.worked_on.data, minutes, form.learned.data or "", form=form):
            flash(_("Shift logged; a supervisor of the team confirms it."), "success")
            return redirect(url_for("classroom.rotation_page"))
    return _rotation_page(form, status=form_status(form))


@login_required
def rotation_confirm(shift_id: int):
    shift = db.get_or_404(RotationShift, shift_id)
    if ConfirmForm().validate_on_submit():
        if unit_of_work(rotation.confirm_shift, db.session, current_user, shift):
            flash(_("Shift confirmed."), "success")
    return redirect(url_for("classroom.rotation_page"))
