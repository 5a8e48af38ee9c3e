"""Training hours: my year against the target, and the report (people in the reader's
report scope, per person and per team coverage this quarter) with its CSV export."""

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from classroom.forms import TargetForm
from classroom.services import hours
from classroom.services.rotation import quarter_of
from lms.core import clock
from lms.core.extensions import db
from lms.core.policy import may, require
from lms.core.requests import form_status, unit_of_work
from lms.core.spreadsheet import safe_row
from lms.people.models import Person, Team
from lms.people.policy import report_scope


def _year() -> int:
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= 2100 else clock.today().year


@login_required
def my_hours():
    year = _year()
    mine = hours.hours_for(db.session, [current_user], year)[current_user.id]
    return render_template("classroom/hours.html", hours=mine, year=year,
                           sources=hours.SOURCES)


def _people(team_id: int | None) -> list[Person]:
    query = (select(Person).where(Person.active.is_(True), report_scope(current_user))
             .options(selectinload(Person.team)).order_by(Person.sort_name, Person.id))
    if team_id is not None:
        query = query.where(Person.team_id == team_id)
    return list(db.session.scalars(query))


def _report(form=None, status=200):
    year, team_id = _year(), request.args.get("team", type=int)
    people = _people(team_id)
    start, end = quarter_of(clock.today())
    form = form or TargetForm(formdata=None, target_hours=hours.target_hours(db.session))
    return render_template(
        "classroom/hours_report.html", people=people, year=year, team_id=team_id,
        rows=hours.hours_for(db.session, people, year), sources=hours.SOURCES,
        coverage=hours.coverage(db.session, people, start, end), quarter=(start, end),
        teams=db.session.scalars(select(Team).order_by(Team.name)).all(), form=form,
        may_configure=may(current_user, "classroom.configure")), status


@require("classroom.hours_report")
def hours_report():
    return _report()


@require("classroom.configure")
def hours_target():
    form = TargetForm()
    if form.validate_on_submit():
        if unit_of_work(hours.set_target, db.session, current_user, form.target_hours.data,
                        form=form):
            flash(_("Target saved."), "success")
            return redirect(url_for("classroom.hours_report"))
    return _report(form, status=form_status(form))


@require("classroom.hours_report")
def hours_export():
    year, team_id = _year(), request.args.get("team", type=int)
    people = _people(team_id)
    rows = hours.hours_for(db.session, people, year)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Employee ID"), _("Name"), _("Team"), _("Online learning (h)"),
                     _("Sessions (h)"), _("Mentoring (h)"), _("Rotation (h)"), _("Total (h)"),
                     _("Target (h)"), _("Share of target (%)")])
    for person in people:
        row = rows[person.id]
        writer.writerow(safe_row([person.employee_id, person.name,
                                  person.team.name if person.team else "",
                                  *[str(row.hours(s)) for s in hours.SOURCES],
                                  str(row.hours()), row.target, row.percent]))
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="training-hours-{year}.csv"'})
