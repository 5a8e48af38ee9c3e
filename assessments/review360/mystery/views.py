"""Mystery-shopper pages: programmes (HR), the visits per team and month, a visit's result
(the agent and their line), the agent's own visits, and the shopper's checklist behind the
one-time link (no account)."""

from contextlib import nullcontext

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from assessments.review360.mystery.forms import (
    ChecklistItemEditForm,
    ChecklistItemForm,
    ConfirmForm,
    ProgrammeForm,
    ShopperForm,
)
from assessments.review360.mystery.labels import SECTION_LABELS
from assessments.review360.mystery.models import (
    SECTIONS,
    MysteryChecklist,
    MysteryItem,
    MysteryProgramme,
    MysteryVisit,
)
from assessments.review360.mystery.services import (
    answers,
    checklists,
    links,
    programmes,
    schedule,
)
from lms.core import clock
from lms.core.errors import DomainError
from lms.core.extensions import db, limiter
from lms.core.forms import choices
from lms.core.i18n import ZH, in_language
from lms.core.policy import authorize, require
from lms.core.requests import form_status, render_form, unit_of_work
from lms.people.models import Person, Team
from lms.people.policy import visible_people_filter


@require("mystery.manage")
def programme_list():
    found = db.session.scalars(select(MysteryProgramme).join(Team).order_by(Team.name))
    return render_template("assessments/mystery/programmes.html", programmes=list(found))


@require("mystery.manage")
def programme_settings(programme_id: int | None):
    programme = db.get_or_404(MysteryProgramme, programme_id) if programme_id else None
    form = ProgrammeForm(obj=programme)
    teams = db.session.scalars(select(Team).where(Team.active).order_by(Team.name))
    form.team_id.choices = choices((t.id, t.name) for t in teams)
    if form.validate_on_submit():
        data = programmes.ProgrammeData(
            team_id=form.team_id.data, visits_per_month=form.visits_per_month.data,
            link_days=form.link_days.data, feeds_360=form.feeds_360.data,
            active=form.active.data)
        done = unit_of_work(programmes.save_programme, db.session, current_user, programme,
                            data, form=form)
        if done:
            flash(_("The programme has been saved."), "success")
            return redirect(url_for("mystery.programme_detail", programme_id=done.value.id))
    return render_form("assessments/mystery/programme_settings.html", form,
                       programme=programme)


def _month_arg():
    try:
        return schedule.parse_month(request.args.get("month"), clock.today())
    except DomainError as error:
        flash(error.message, "error")
        return schedule.this_month()


@require("mystery.manage")
def programme_detail(programme_id: int):
    programme = db.get_or_404(MysteryProgramme, programme_id)
    return _programme_page(programme, ShopperForm())


def _programme_page(programme, shopper_form, status: int = 200):
    month = schedule.this_month()
    visits = db.session.scalars(select(MysteryVisit).where(
        MysteryVisit.programme_id == programme.id, MysteryVisit.month == month))
    return render_template(
        "assessments/mystery/programme.html", programme=programme, form=shopper_form,
        button=ConfirmForm(), month=month, visits=list(visits), sections=SECTIONS,
        now=clock.now()), status


@require("mystery.manage")
def programme_add_shopper(programme_id: int):
    programme = db.get_or_404(MysteryProgramme, programme_id)
    form = ShopperForm()
    if form.validate_on_submit():
        done = unit_of_work(programmes.add_shopper, db.session, current_user, programme,
                            form.name.data, form.email.data, form.language.data, form=form)
        if done:
            flash(_("%(name)s has been added.", name=done.value.name), "success")
            return redirect(url_for("mystery.programme_detail", programme_id=programme.id))
    return _programme_page(programme, form, form_status(form))


@require("mystery.manage")
def programme_schedule(programme_id: int):
    programme = db.get_or_404(MysteryProgramme, programme_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    done = unit_of_work(schedule.schedule_month, db.session, current_user, programme,
                        schedule.this_month())
    if done:
        if done.value.problem:
            flash(done.value.problem, "error")
        else:
            flash(_("%(n)d visit(s) scheduled; the shoppers have been sent their links.",
                    n=len(done.value.sent)), "success")
    return redirect(url_for("mystery.programme_detail", programme_id=programme.id))


@require("mystery.list")
def visit_list():
    """Visits of one month, team by team, with their status; managers see their line."""
    month = _month_arg()
    stmt = (select(MysteryVisit).join(Person, Person.id == MysteryVisit.agent_id)
            .join(MysteryProgramme, MysteryProgramme.id == MysteryVisit.programme_id)
            .join(Team, Team.id == MysteryProgramme.team_id)
            .where(MysteryVisit.month == month, visible_people_filter(current_user))
            .order_by(Team.name, Person.sort_name))
    team_id = request.args.get("team", type=int)
    if team_id:
        stmt = stmt.where(MysteryProgramme.team_id == team_id)
    teams = db.session.scalars(select(Team).join(MysteryProgramme).order_by(Team.name))
    return render_template("assessments/mystery/visits.html", visits=list(db.session.scalars(
        stmt)), month=month, teams=list(teams), team_id=team_id, now=clock.now())


@require("mystery.mine")
def mine():
    visits = db.session.scalars(select(MysteryVisit).where(
        MysteryVisit.agent_id == current_user.id, MysteryVisit.status == "answered")
        .order_by(MysteryVisit.month.desc(), MysteryVisit.id.desc()))
    return render_template("assessments/mystery/mine.html", visits=list(visits))


def visit_detail(visit_id: int):
    visit = db.get_or_404(MysteryVisit, visit_id)
    authorize("mystery.visit", visit)
    return render_template("assessments/mystery/visit.html", visit=visit,
                           sections=answers.sections(visit), now=clock.now())


def _answer_page(visit, action, values, error=None, status=200):
    return render_template("assessments/mystery/respond.html", visit=visit, action=action,
                           values=values, error=error, form=ConfirmForm(),
                           sections=SECTIONS), status


@limiter.limit("30 per minute")
def respond(token: str):
    """The shopper's checklist behind their link (no account)."""
    try:
        visit = links.visit_for_token(db.session, token)
    except links.DeadLink as dead:
        status = {"used": 200, "expired": 410, "unknown": 404}[dead.reason]
        with _shopper_language(dead.visit):
            return render_template("assessments/mystery/link_dead.html", reason=dead.reason,
                                   message=links.DeadLink(dead.reason).message), status
    with _shopper_language(visit):
        return _respond(visit, token)


def _shopper_language(visit):
    """The page speaks the language the invitation was written in, unless the visitor has
    picked one with the switcher (or is signed in with their own)."""
    chosen = session.get("locale") or (current_user.is_authenticated and current_user.locale)
    if chosen or visit is None or visit.shopper is None:
        return nullcontext()
    return in_language(visit.shopper.language)


def _respond(visit, token: str):
    action = url_for("mystery.respond", token=token)
    if request.method == "GET":
        return _answer_page(visit, action, {})
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    posted = {key.removeprefix("item-"): value for key, value in request.form.items()
              if key.startswith("item-")}
    done = unit_of_work(answers.submit, db.session, visit, posted,
                        request.form.get("comment", ""), form=form)
    if not done:
        values = {int(k): v for k, v in posted.items() if k.isdigit()}
        return _answer_page(visit, action, values, done.error.message, form_status(form))
    return render_template("assessments/mystery/thanks.html")


def _item_form(form_class=ChecklistItemForm, **values) -> ChecklistItemForm:
    form = form_class(**values)
    form.section.choices = choices((key, SECTION_LABELS[key]) for key in SECTIONS)
    form.competency_id.set_choices((c.id, f"{c.code} · {c.tr('name')}")
                                   for c in checklists.competencies(db.session))
    return form


@require("mystery.manage")
def checklist_detail(checklist_id: int):
    """The checklist by section, with a form to add an item and buttons to retire one."""
    checklist = db.get_or_404(MysteryChecklist, checklist_id)
    form = _item_form()
    if form.validate_on_submit():
        data = checklists.ItemData(
            section=form.section.data, text=form.text.data, text_zh=form.text_zh.data or "",
            weight=form.weight.data, competency_id=form.competency_id.data)
        if unit_of_work(checklists.add_item, db.session, current_user, checklist, data,
                        form=form):
            flash(_("The item has been added."), "success")
            return redirect(url_for("mystery.checklist_detail", checklist_id=checklist.id))
    return render_form("assessments/mystery/checklist.html", form, checklist=checklist,
                       sections=SECTIONS, button=ConfirmForm())


@require("mystery.manage")
def checklist_edit_item(checklist_id: int, item_id: int):
    """One item's wording (both languages), section, competency, weight and place."""
    item = db.get_or_404(MysteryItem, item_id)
    if item.checklist_id != checklist_id or not item.active:
        abort(404)
    form = _item_form(ChecklistItemEditForm, obj=item,
                      text_zh=item.translation("text", ZH) or "",
                      place=item.checklist.active_items.index(item) + 1)
    if form.validate_on_submit():
        data = checklists.ItemData(
            section=form.section.data, text=form.text.data, text_zh=form.text_zh.data or "",
            weight=form.weight.data, competency_id=form.competency_id.data)
        done = unit_of_work(checklists.edit_item, db.session, current_user, item, data,
                            form.place.data, form=form)
        if done:
            flash(_("The item has been saved; answers already given keep the wording they "
                    "were given under.") if done.value is not item else
                  _("The item has been saved."), "success")
            return redirect(url_for("mystery.checklist_detail", checklist_id=checklist_id))
    return render_form("assessments/mystery/checklist_item.html", form, item=item,
                       checklist=item.checklist,
                       answered=checklists.answered(db.session, item))


@require("mystery.manage")
def checklist_retire_item(checklist_id: int, item_id: int):
    item = db.get_or_404(MysteryItem, item_id)
    if item.checklist_id != checklist_id or not ConfirmForm().validate_on_submit():
        abort(400)
    if unit_of_work(checklists.retire_item, db.session, current_user, item):
        flash(_("The item has been taken off the checklist."), "success")
    return redirect(url_for("mystery.checklist_detail", checklist_id=checklist_id))


@require("mystery.manage")
def visit_resend(visit_id: int):
    visit = db.get_or_404(MysteryVisit, visit_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if unit_of_work(links.resend, db.session, current_user, visit):
        flash(_("A new link has been sent to %(name)s.", name=visit.shopper.name), "success")
    return redirect(url_for("mystery.programme_detail", programme_id=visit.programme_id))
