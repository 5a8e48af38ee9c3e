"""360 pages for people and HR: my 360 (tasks, own evaluations, approvals), cycles (HR) and
a subject's nominations. Thin: parse, call a service, commit, render."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assessments.review360.forms import (
    AddSubjectsForm,
    ColleagueForm,
    ConfirmForm,
    CustomerForm,
    CycleForm,
    ExtendForm,
)
from assessments.review360.models import Cycle, Rater, Subject
from assessments.review360.services import cycles, eligibility, nominations, results
from assessments.review360.services import groups as rater_groups
from lms.core import policy
from lms.core.extensions import db
from lms.core.forms import choices
from lms.core.policy import authorize, require
from lms.core.requests import form_status, render_form, unit_of_work
from lms.paths.models import CertificationPath
from lms.people.models import Person
from lms.people.policy import is_in_reporting_line


@login_required
def mine():
    me = current_user
    tasks = db.session.scalars(
        select(Rater).join(Subject).join(Cycle)
        .where(Rater.person_id == me.id, Rater.state == "invited", Cycle.closed_at.is_(None))
        .options(selectinload(Rater.subject).selectinload(Subject.person))
        .order_by(Cycle.closes_on, Rater.id)).all()
    tasks = [t for t in tasks if not t.submitted and cycles.accepting_responses(t.subject.cycle)]
    own = db.session.scalars(select(Subject).join(Cycle).where(Subject.person_id == me.id)
                             .order_by(Cycle.opens_on.desc(), Subject.id.desc())).all()
    approvals = []
    if me.has_role("manager"):
        waiting = db.session.scalars(
            select(Subject).join(Cycle).where(Subject.nomination_state == "submitted",
                                              Cycle.closed_at.is_(None))
            .options(selectinload(Subject.person))).all()
        approvals = [s for s in waiting if is_in_reporting_line(s.person, me)]
    return render_template("assessments/review360/mine.html", tasks=tasks, own=own,
                           approvals=approvals)


# Cycles (HR)


@require("review360.manage")
def cycle_list():
    rows = db.session.scalars(cycles.cycles_query().options(
        selectinload(Cycle.subjects))).all()
    return render_template("assessments/review360/cycles.html", cycles=rows)


@require("review360.manage")
def cycle_settings(cycle_id: int | None):
    cycle = db.get_or_404(Cycle, cycle_id) if cycle_id is not None else None
    form = CycleForm()
    form.set_path_choices((p.id, p.tr("name")) for p in db.session.scalars(
        select(CertificationPath).order_by(CertificationPath.position)))
    if cycle is not None and not form.is_submitted():
        form.load(cycle)
    if form.validate_on_submit():
        saved = (unit_of_work(cycles.create_cycle, db.session, current_user,
                              form.data_for_service(), form=form) if cycle is None else
                 unit_of_work(cycles.update_cycle, db.session, current_user, cycle,
                              form.data_for_service(), form=form))
        if saved:
            flash(_("Cycle saved."), "success")
            return redirect(url_for("review360.cycle_detail", cycle_id=saved.value.id))
    return render_form("assessments/review360/cycle_settings.html", form, cycle=cycle,
                       groups=rater_groups.GROUPS)


def _people_choices(cycle: Cycle) -> list[tuple[int, str]]:
    present = {s.person_id for s in cycle.subjects}
    people = db.session.scalars(select(Person).where(Person.active.is_(True))
                                .order_by(Person.name)).all()
    return [(p.id, f"{p.name} ({p.employee_id})") for p in people if p.id not in present]


@require("review360.manage")
def cycle_detail(cycle_id: int, add_form=None, extend_form=None, status: int = 200):
    cycle = db.session.scalar(select(Cycle).where(Cycle.id == cycle_id).options(
        selectinload(Cycle.subjects).selectinload(Subject.person)))
    if cycle is None:
        abort(404)
    add_form = add_form or AddSubjectsForm(formdata=None)
    add_form.people.choices = choices(_people_choices(cycle))
    return render_template(
        "assessments/review360/cycle.html", cycle=cycle, add_form=add_form,
        extend_form=extend_form or ExtendForm(formdata=None), confirm=ConfirmForm(),
        progress=results.progress(db.session, cycle),
        accepting=cycles.accepting_responses(cycle),
        who=eligibility.describe_cycle(db.session, cycle)), status


@require("review360.manage")
def cycle_add_subjects(cycle_id: int):
    cycle = db.get_or_404(Cycle, cycle_id)
    form = AddSubjectsForm()
    form.people.choices = choices(_people_choices(cycle))
    if form.validate_on_submit():
        added = unit_of_work(cycles.add_subjects, db.session, current_user, cycle,
                             form.people.data, form=form)
        if added:
            flash(_("%(n)d people added to the cycle.", n=len(added.value)), "success")
            return redirect(url_for("review360.cycle_detail", cycle_id=cycle.id))
    return cycle_detail(cycle_id, add_form=form, status=form_status(form))


@require("review360.manage")
def cycle_extend(cycle_id: int):
    cycle = db.get_or_404(Cycle, cycle_id)
    form = ExtendForm()
    if form.validate_on_submit() and unit_of_work(
            cycles.extend_cycle, db.session, current_user, cycle, form.closes_on.data,
            form=form):
        flash(_("The cycle now closes on %(date)s.", date=cycle.closes_on.isoformat()),
              "success")
        return redirect(url_for("review360.cycle_detail", cycle_id=cycle.id))
    return cycle_detail(cycle_id, extend_form=form, status=form_status(form))


def _confirmed(operation, *args, done: str, back: str):
    """A one-button action: refuse a post without its CSRF token, run `operation` with the
    session and the actor, say `done` when it went through, and go `back`."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if unit_of_work(operation, db.session, current_user, *args):
        flash(done, "success")
    return redirect(back)


@require("review360.manage")
def cycle_close(cycle_id: int):
    cycle = db.get_or_404(Cycle, cycle_id)
    return _confirmed(cycles.close_cycle, cycle,
                      done=_("The cycle is closed and its results are out."),
                      back=url_for("review360.cycle_detail", cycle_id=cycle.id))


# A subject's nominations


def _may(action: str, obj=None) -> bool:
    return policy.may(current_user, action, obj)


def _subject_or_404(subject_id: int) -> Subject:
    subject = db.session.get(Subject, subject_id)
    if subject is None:
        abort(404)
    return subject


def _may_see_nominations(subject: Subject) -> bool:
    return (subject.person_id == current_user.id or _may("review360.manage")
            or _may("review360.approve", subject) or _may("review360.results", subject))


def _colleague_form(subject: Subject, form=None) -> ColleagueForm:
    form = form or ColleagueForm(formdata=None)
    allowed = [g for g in rater_groups.groups_for(subject.rated_as_manager)
               if g in rater_groups.NOMINATED_GROUPS and g not in rater_groups.EXTERNAL_GROUPS]
    form.group.choices = choices((g, rater_groups.label(g)) for g in allowed)
    taken = {r.person_id for r in subject.raters} | {subject.person_id}
    people = db.session.scalars(select(Person).where(Person.active.is_(True))
                                .order_by(Person.name)).all()
    form.person_id.set_choices((p.id, p.name) for p in people if p.id not in taken)
    return form


@login_required
def subject_detail(subject_id: int, colleague_form=None, customer_form=None,
                   status: int = 200):
    subject = _subject_or_404(subject_id)
    if not _may_see_nominations(subject):
        abort(403)
    by_group = {g: [r for r in subject.raters if r.group == g]
                for g in rater_groups.groups_for(subject.rated_as_manager)}
    # Per-group counts for HR only; the subject and their line see a total (see `progress`).
    counts = (results.progress(db.session, subject.cycle).get(subject.id, {})
              if _may("review360.manage") else {})
    return render_template(
        "assessments/review360/subject.html", subject=subject, by_group=by_group,
        counts=counts, total=results.total_progress(db.session, subject),
        may_confirm=lambda rater: nominations.may_confirm(current_user, subject, rater),
        colleague_form=_colleague_form(subject, colleague_form),
        customer_form=customer_form or CustomerForm(formdata=None), confirm=ConfirmForm(),
        can_nominate=_may("review360.nominate", subject),
        peers_who=eligibility.describe_cycle(db.session, subject.cycle)["rater"],
        can_approve=_may("review360.approve", subject), missing=nominations.missing_raters(
            subject), is_subject=subject.person_id == current_user.id,
        groups=rater_groups), status


def _colleague_proposal(form: ColleagueForm) -> dict:
    return {"group": form.group.data, "person_id": form.person_id.data}


def _customer_proposal(form: CustomerForm) -> dict:
    return {"group": "customer", "name": form.name.data, "email": form.email.data}


# nominee: (the posted form, the proposal it makes, what the flash says once added)
NOMINEES = {
    "colleague": (lambda subject: _colleague_form(subject, ColleagueForm()),
                  _colleague_proposal, _l("Rater added.")),
    "customer": (lambda subject: CustomerForm(), _customer_proposal, _l("Customer added.")),
}


@login_required
def subject_nominate(subject_id: int, nominee: str):
    """Nominate a colleague or a customer (`nominee`, fixed by the URL rule)."""
    subject = _subject_or_404(subject_id)
    authorize("review360.nominate", subject)
    posted_form, proposal, done = NOMINEES[nominee]
    form = posted_form(subject)
    if form.validate_on_submit() and unit_of_work(
            nominations.propose, db.session, current_user, subject, form=form,
            **proposal(form)):
        flash(str(done), "success")
        return redirect(url_for("review360.subject_detail", subject_id=subject.id))
    return subject_detail(subject_id, status=form_status(form), **{f"{nominee}_form": form})


def _subject_rater_or_404(subject: Subject, rater_id: int) -> Rater:
    rater = db.session.get(Rater, rater_id)
    if rater is None or rater.subject_id != subject.id:
        abort(404)
    return rater


def _back_to(subject: Subject) -> str:
    return url_for("review360.subject_detail", subject_id=subject.id)


@login_required
def subject_withdraw(subject_id: int, rater_id: int):
    subject = _subject_or_404(subject_id)
    rater = _subject_rater_or_404(subject, rater_id)
    authorize("review360.nominate", subject)
    return _confirmed(nominations.withdraw, rater, done=_("Rater removed."),
                      back=_back_to(subject))


@login_required
def subject_submit(subject_id: int):
    subject = _subject_or_404(subject_id)
    if subject.person_id != current_user.id:
        abort(403)
    return _confirmed(nominations.submit, subject,
                      done=_("Your nominations are with your manager for approval."),
                      back=_back_to(subject))


@login_required
def subject_approve(subject_id: int):
    subject = _subject_or_404(subject_id)
    authorize("review360.approve", subject)
    # The customers' links go by e-mail only: whoever saw one could answer in a customer's
    # place, so no page shows them, not even HR's.
    return _confirmed(nominations.approve, subject,
                      done=_("Nominations approved; the raters are invited."),
                      back=_back_to(subject))


@require("review360.manage")
def subject_confirm_rater(subject_id: int, rater_id: int):
    subject = _subject_or_404(subject_id)
    rater = _subject_rater_or_404(subject, rater_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not nominations.may_confirm(current_user, subject, rater):
        abort(403)
    return _confirmed(nominations.confirm, rater,
                      done=_("%(name)s is confirmed as a customer.", name=rater.external_name),
                      back=_back_to(subject))


@require("review360.manage")
def subject_resend(subject_id: int, rater_id: int):
    subject = _subject_or_404(subject_id)
    rater = _subject_rater_or_404(subject, rater_id)
    return _confirmed(nominations.resend_link, rater,
                      done=_("A new link was e-mailed to %(name)s; the old one no longer works.",
                             name=rater.external_name),
                      back=_back_to(subject))


NOMINATION_LABELS = {"open": _l("Raters being chosen"), "submitted": _l("Waiting for approval"),
                     "approved": _l("Approved, raters invited")}
RATER_STATE_LABELS = {"proposed": _l("proposed"), "invited": _l("invited"),
                      "declined": _l("declined")}


def _review360_helpers():
    return {"groups_label": rater_groups.label,
            "nomination_label": lambda state: str(NOMINATION_LABELS.get(state, state)),
            "rater_state_label": lambda state: str(RATER_STATE_LABELS.get(state, state))}
