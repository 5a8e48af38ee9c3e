"""Heat map pages: teams × competencies, one team's people with its trend, a person's evidence.

Thin: the filter form (choices limited to the reader's scope), then `reports.services.heatmap`.
A team or person outside the reader's scope is a 404, so ids reveal nothing.
"""

from babel.dates import format_skeleton
from flask import abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.core import charts
from lms.core.extensions import db
from lms.core.policy import may, require
from lms.people.models import Person, Team
from lms.people.policy import report_scope
from reports.services import heatmap
from reports.services import rows as report_rows
from reports.services.filters import filter_form, filters_from, form_errors

# Filters that mean nothing to a heat map (it is not sorted by status columns, nor paged).
_FIELDS = ("team", "manager", "tier", "path", "status", "hired_from", "hired_to",
           "expiring_within", "include_inactive")


def _month_label(day) -> str:
    """A month as people read it in the current language ("Jan 26", "26年1月")."""
    return format_skeleton("yyMMM", day, locale=get_locale())


def _trend_chart(trend: heatmap.Trend, team_name: str):
    """The team's trend as an SVG line chart (levels on the proficiency scale)."""
    from lms.competencies.services.matrix import scale

    levels = [lvl.level for lvl in scale(db.session)] or [1, 5]
    # The month, with its year below it on the first point and on each January.
    labels = [format_skeleton("MMM", end, locale=get_locale())
              + (f"\n{end.year}" if index == 0 or end.month == 1 else "")
              for index, end in enumerate(trend.months)]
    return charts.line_chart(
        _("Average evidenced level of %(team)s per competency area", team=team_name),
        _("Monthly points over the last twelve months: each area's average level, from "
          "the evidence recorded up to each month's end."),
        labels, [charts.Line(a.tr("name"), tuple(trend.values[a.id])) for a in trend.areas],
        y_min=0, y_max=max(levels), y_label=_("Level"), label_id="team-trend")


@require("reports.view")
def heatmap_page():
    """Teams × competencies; with ?team=ID that team's people and its trend."""
    scope = report_scope(current_user)
    form = filter_form(db.session, scope, request.args)
    team_arg = request.args.get("team", "").strip()
    competencies = report_rows.competencies(db.session)
    # Each name translated once, not once per team row (hundreds of rows × 20 columns).
    context = {"form": form, "fields": [form[name] for name in _FIELDS],
               "competencies": competencies,
               "competency_names": {c.id: c.tr("name") for c in competencies}}
    if not form.validate():
        if team_arg and form.team.errors:
            abort(404)  # a team outside the reader's scope (or none at all)
        return render_template("reports/heatmap/teams.html", errors=form_errors(form),
                               teams=[], **context), 400
    filters = filters_from(form)
    if filters.team_id is None:
        return render_template("reports/heatmap/teams.html", errors=[],
                               teams=heatmap.team_heat(db.session, scope, filters),
                               query=filters.query_args(), **context)
    team = db.session.get(Team, filters.team_id)
    people = heatmap.people_heat(db.session, scope, filters, team.id)
    trend = heatmap.team_trend(db.session, [p.row.id for p in people])
    query = filters.query_args()
    query.pop("team", None)
    return render_template("reports/heatmap/team.html", team=team, people=people,
                           month_label=_month_label,
                           trend=trend, chart=_trend_chart(trend, team.name) if trend.areas
                           else None, query=query, errors=[], **context)


@login_required
def person_evidence(person_id: int):
    """A person's profile against required levels, with the evidence behind each level."""
    person = db.session.get(Person, person_id)
    if person is None or not may(current_user, "reports.person", person):
        abort(404)  # not 403: the id must not reveal that the person exists
    return render_template("reports/heatmap/evidence.html", person=person,
                           lines=heatmap.person_evidence(db.session, person),
                           kind_label=heatmap.kind_label)
