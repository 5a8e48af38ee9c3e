"""Improvement plan pages: the list of the plans a reader may see, a plan (check-ins,
closing), the HR report per team (page and CSV) and the loop's settings."""

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.competencies.models import Competency
from lms.core import clock
from lms.core.extensions import db
from lms.core.forms import Form
from lms.core.policy import authorize, may, require
from lms.core.requests import render_form, unit_of_work
from lms.core.spreadsheet import safe_row
from lms.kpis.forms import CheckinForm, PlanSettingsForm
from lms.kpis.models import ImprovementPlan
from lms.kpis.services import plan_counts, plans
from lms.people.policy import report_scope, visible_people_filter


@require("plans.list")
def plan_list():
    """The plans of the people the reader may see (their own, mentees', line's, or all)."""
    return render_template("kpis/plans.html", plans=plans.visible_plans(
        db.session, current_user, visible_people_filter(current_user)), today=clock.today(),
        may_report=may(current_user, "plans.report"))


def _plan_or_404(plan_id: int) -> ImprovementPlan:
    plan = db.get_or_404(ImprovementPlan, plan_id)
    authorize("plans.view", plan)
    return plan


@require("plans.list")
def plan_page(plan_id: int):
    plan = _plan_or_404(plan_id)
    form = CheckinForm()
    if request.method == "POST":
        authorize("plans.update", plan)
        if form.validate_on_submit() and unit_of_work(
                plans.add_checkin, db.session, current_user, plan, form.note.data, form=form):
            flash(_("Check-in saved."), "success")
            return redirect(url_for("kpis.plan_page", plan_id=plan.id))
    competencies = db.session.scalars(select(Competency).where(
        Competency.id.in_(plan.competency_ids or []))).all()
    settings = plans.plan_settings(db.session)
    return render_form("kpis/plan.html", form, plan=plan, competencies=competencies,
                       may_update=may(current_user, "plans.update", plan),
                       next_checkin=plans.next_checkin(plan, settings.checkin_days),
                       close_form=Form(), today=clock.today())


@require("plans.list")
def plan_close(plan_id: int):
    plan = _plan_or_404(plan_id)
    authorize("plans.update", plan)
    if not Form().validate_on_submit():
        abort(400)
    if unit_of_work(plans.close_plan, db.session, current_user, plan, "followed_up"):
        flash(_("The plan is closed."), "success")
    return redirect(url_for("kpis.plan_page", plan_id=plan.id))


@require("plans.report")
def plan_report():
    teams, total = plan_counts.team_counts(db.session, report_scope(current_user),
                                           clock.today())
    return render_template("kpis/plan_report.html", teams=teams, total=total)


@require("plans.report")
def plan_report_csv():
    teams, total = plan_counts.team_counts(db.session, report_scope(current_user),
                                           clock.today())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Team"), _("Open"), _("Overdue"), _("Closed in time"),
                     _("Closed late")])
    for row in [*teams, total]:
        name = _("All teams") if row is total else (row.team or _("No team"))
        writer.writerow(safe_row([name, row.open, row.overdue, row.closed_in_time,
                                  row.closed_late]))
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="improvement-plans.csv"'})


@require("plans.settings")
def plan_settings():
    settings = plans.plan_settings(db.session)
    form = PlanSettingsForm(obj=settings)
    if form.validate_on_submit():
        if unit_of_work(plans.save_settings, db.session, current_user, form.weak_level.data,
                        form.plan_days.data, form.checkin_days.data, form=form):
            flash(_("The improvement plan settings have been saved."), "success")
            return redirect(url_for("kpis.plan_settings"))
    return render_form("kpis/plan_settings.html", form)
