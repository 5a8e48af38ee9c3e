"""KPI report pages: a team's KPI trend, the training impact per path, and HR's group figures
(with their CSV). Thin: a GET form, one service call, a template.

A team outside the reader's scope is not among the form's choices, so asking for it fails
validation and answers 404 (the id reveals nothing).
"""

from flask import Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from lms.core import clock
from lms.core.extensions import db
from lms.core.numbers import display_score
from lms.core.policy import require
from lms.people.models import Person, Team
from lms.people.policy import report_scope
from reports.forms import KpiTrendForm, TrainingImpactForm
from reports.services import group_figures, kpi_charts, kpi_trends, training_impact


def _teams(scope) -> list[tuple[int, str]]:
    return db.session.execute(
        select(Team.id, Team.name).where(Team.id.in_(
            select(Person.team_id).where(scope, Person.active.is_(True),
                                         Person.team_id.is_not(None))))
        .order_by(Team.name)).all()


@require("reports.kpis")
def kpi_trend():
    """Each KPI's average per period over the last twelve, against target, for a team."""
    scope = report_scope(current_user)
    form = KpiTrendForm(formdata=request.args)
    form.team.set_choices(_teams(scope))
    if not form.validate():
        abort(404)  # a team outside the reader's scope (or none at all)
    team = db.session.get(Team, form.team.data) if form.team.data else None
    trends = kpi_trends.team_trend(db.session, scope, form.team.data, clock.today())
    charts = {t.kpi.id: kpi_charts.trend_chart(t, f"kpi-trend-{t.kpi.code.lower()}")
              for t in trends if any(n for n in t.people)}
    return render_template("reports/kpis/trend.html", form=form, team=team, trends=trends,
                           charts=charts, shown=display_score)


@require("reports.kpis")
def training_impact_page():
    """Per path, the KPI averages of its certified people before and after certification."""
    form = TrainingImpactForm(formdata=request.args)
    if not form.validate():
        return render_template("reports/kpis/impact.html", form=form, impacts=[],
                               charts={}, small=training_impact.SMALL_GROUP,
                               shown=display_score), 400
    count = form.periods.data or training_impact.DEFAULT_PERIODS
    impacts = training_impact.impact(db.session, report_scope(current_user), count)
    charts = {i.path.id: kpi_charts.impact_chart(i, f"impact-{i.path.id}")
              for i in impacts if any(line.people for line in i.kpis)}
    return render_template("reports/kpis/impact.html", form=form, impacts=impacts,
                           charts=charts, count=count, small=training_impact.SMALL_GROUP,
                           shown=display_score)


@require("reports.group_figures")
def group_figures_page():
    """Pass rate per tier, training coverage and training hours against their targets."""
    figures = group_figures.group_figures(db.session, report_scope(current_user),
                                          clock.today())
    return render_template("reports/kpis/figures.html", figures=figures, shown=display_score)


@require("reports.group_figures")
def group_figures_csv():
    """The group figures as CSV."""
    today = clock.today()
    figures = group_figures.group_figures(db.session, report_scope(current_user), today)
    return Response(group_figures.csv_lines(figures), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="group-figures-{today.isoformat()}.csv"'})
