"""Classroom pages: my training, scheduling (HR), an event with its sessions, enrolment and
sign-up. Thin: parse, call a service, commit, render."""

import re

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from classroom.forms import ConfirmForm, EnrolForm, EventForm, ReasonForm, SessionForm
from classroom.models import EventEnrolment, TrainingEvent, TrainingSession
from classroom.services import enrolment, events
from courses.models import Course
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.policy import authorize, may, require
from lms.core.requests import form_status, render_form, unit_of_work
from lms.paths.models import CertificationPath
from lms.people.models import Person, PersonRole, Team


@login_required
def mine():
    places = db.session.scalars(
        select(EventEnrolment).where(EventEnrolment.person_id == current_user.id,
                                     EventEnrolment.status != "cancelled")
        .options(selectinload(EventEnrolment.event).selectinload(TrainingEvent.sessions))
        .order_by(EventEnrolment.requested_at.desc())).all()
    mine_ids = {p.event_id for p in places}
    open_events = [e for e in events.upcoming_events(db.session)
                   if e.self_signup and e.id not in mine_ids]
    taught = db.session.scalars(
        select(TrainingSession).where(TrainingSession.trainers.any(Person.id == current_user.id))
        .options(selectinload(TrainingSession.event))
        .order_by(TrainingSession.starts_at.desc()).limit(50)).all()
    return render_template("classroom/mine.html", places=places, open_events=open_events,
                           taught=taught, positions={
                               p.id: enrolment.waitlist_position(db.session, p)
                               for p in places}, form=ConfirmForm())


@require("classroom.enrol")
def event_list():
    rows = db.session.scalars(select(TrainingEvent).options(
        selectinload(TrainingEvent.sessions), selectinload(TrainingEvent.enrolments))
        .order_by(TrainingEvent.created_at.desc(), TrainingEvent.id.desc())).all()
    return render_template("classroom/events.html", events=rows)


def _event_choices(form: EventForm) -> None:
    form.path_id.set_choices((p.id, p.tr("name")) for p in db.session.scalars(
        select(CertificationPath).order_by(CertificationPath.position)))
    form.course_id.set_choices((c.id, c.tr("title")) for c in db.session.scalars(
        select(Course).order_by(Course.code)))


@require("classroom.manage")
def event_settings(event_id: int | None):
    event = db.get_or_404(TrainingEvent, event_id) if event_id is not None else None
    form = EventForm()
    _event_choices(form)
    if event is not None and not form.is_submitted():
        form.load(event)
    if form.validate_on_submit():
        saved = (unit_of_work(events.create_event, db.session, current_user,
                              form.data_for_service(), form=form) if event is None else
                 unit_of_work(events.update_event, db.session, current_user, event,
                              form.data_for_service(), form=form))
        if saved:
            flash(_("Event saved."), "success")
            return redirect(url_for("classroom.event_detail", event_id=saved.value.id))
    return render_form("classroom/event_settings.html", form, event=event)


def _trainer_choices(form: SessionForm) -> None:
    people = db.session.scalars(
        select(Person).join(PersonRole).where(Person.active.is_(True),
                                              PersonRole.role.in_(("mentor", "hr", "manager")))
        .distinct().order_by(Person.sort_name)).all()
    form.trainer_ids.choices = [(p.id, p.name) for p in people]


def _detail(event: TrainingEvent, session_form=None, enrol_form=None, cancel_form=None,
            status: int = 200):
    session_form = session_form or SessionForm(formdata=None)
    _trainer_choices(session_form)
    enrol_form = enrol_form or EnrolForm(formdata=None)
    enrol_form.team_id.set_choices((t.id, t.name) for t in db.session.scalars(
        select(Team).where(Team.active.is_(True)).order_by(Team.name)))
    place = enrolment.enrolment_of(db.session, event.id, current_user.id)
    places = [p for p in event.enrolments if p.status != "cancelled"]
    if not may(current_user, "classroom.manage"):
        places = [p for p in places if may(current_user, "classroom.cancel_place", p)]
    places.sort(key=lambda p: (p.status != "enrolled", p.requested_at, p.id))
    return render_template(
        "classroom/event.html", event=event, place=place,
        position=enrolment.waitlist_position(db.session, place) if place else None,
        places=places, taken=enrolment.seats_taken(db.session, event.id),
        session_form=session_form, enrol_form=enrol_form,
        cancel_form=cancel_form or ReasonForm(formdata=None), form=ConfirmForm()), status


@login_required
def event_detail(event_id: int):
    return _detail(db.get_or_404(TrainingEvent, event_id))


@require("classroom.manage")
def session_add(event_id: int):
    event = db.get_or_404(TrainingEvent, event_id)
    form = SessionForm()
    _trainer_choices(form)
    if form.validate_on_submit():
        if unit_of_work(events.add_session, db.session, current_user, event,
                        form.data_for_service(), form=form):
            flash(_("Session added."), "success")
            return redirect(url_for("classroom.event_detail", event_id=event.id))
    return _detail(event, session_form=form, status=form_status(form))


def _people_to_enrol(form: EnrolForm) -> list[Person]:
    people: dict[int, Person] = {}
    if form.team_id.data is not None:
        for person in db.session.scalars(select(Person).where(
                Person.team_id == form.team_id.data, Person.active.is_(True))):
            people[person.id] = person
    wanted = [w for w in re.split(r"[\s,;]+", form.employee_ids.data or "") if w]
    if wanted:
        found = {p.employee_id: p for p in db.session.scalars(
            select(Person).where(Person.employee_id.in_(wanted)))}
        unknown = [w for w in wanted if w not in found]
        if unknown:
            raise DomainError(_("No one has the employee ID %(ids)s.",
                                ids=", ".join(unknown)), field="employee_ids")
        people.update({p.id: p for p in found.values()})
    if not people:
        raise DomainError(_("Choose a team or type employee IDs."), field="team_id")
    refused = [p.name for p in people.values()
               if not may(current_user, "classroom.enrol_person", p)]
    if refused:
        raise DomainError(_("You may not enrol %(names)s.", names=", ".join(sorted(refused))),
                          field="employee_ids")
    return sorted(people.values(), key=lambda p: (p.sort_name, p.id))


def _enrol(event_id: int, form: EnrolForm):
    return enrolment.enrol(db.session, current_user, event_id, _people_to_enrol(form))


@require("classroom.enrol")
def event_enrol(event_id: int):
    event = db.get_or_404(TrainingEvent, event_id)
    form = EnrolForm()
    form.team_id.set_choices((t.id, t.name) for t in db.session.scalars(select(Team)))
    if form.validate_on_submit():
        done = unit_of_work(_enrol, event.id, form, form=form)
        if done:
            seated = sum(1 for p in done.value if p.status == "enrolled")
            flash(_("%(seated)d enrolled, %(waiting)d on the waitlist.", seated=seated,
                    waiting=len(done.value) - seated), "success")
            return redirect(url_for("classroom.event_detail", event_id=event.id))
    return _detail(event, enrol_form=form, status=form_status(form))


@login_required
def event_signup(event_id: int):
    event = db.get_or_404(TrainingEvent, event_id)
    authorize("classroom.signup", event)
    if ConfirmForm().validate_on_submit():
        done = unit_of_work(enrolment.sign_up, db.session, current_user, event.id)
        if done:
            flash(_("You have a seat.") if done.value.status == "enrolled"
                  else _("The event is full: you are on the waitlist."), "success")
    return redirect(url_for("classroom.event_detail", event_id=event.id))


@login_required
def place_cancel(enrolment_id: int):
    place = db.get_or_404(EventEnrolment, enrolment_id)
    authorize("classroom.cancel_place", place)
    form = ReasonForm()
    if form.validate_on_submit():
        if unit_of_work(enrolment.cancel_place, db.session, current_user, place.id,
                        form.reason.data, form=form):
            flash(_("The place is cancelled."), "success")
    else:
        flash(_("Say why the place is cancelled."), "error")
    return redirect(url_for("classroom.event_detail", event_id=place.event_id))


@require("classroom.manage")
def event_cancel(event_id: int):
    event = db.get_or_404(TrainingEvent, event_id)
    form = ReasonForm()
    if form.validate_on_submit():
        if unit_of_work(events.cancel_event, db.session, current_user, event,
                        form.reason.data, form=form):
            flash(_("The event is cancelled; everyone on it was told."), "success")
            return redirect(url_for("classroom.event_detail", event_id=event.id))
    return _detail(event, cancel_form=form, status=form_status(form))
