"""The improvement-plan panels on the courses pages (My path, a person's path, the team
page): the plans live in lms.kpis, below courses, so courses shows them through its own
panel registry."""

from flask import render_template
from markupsafe import Markup

from courses.panels import path_panel, team_panel
from lms.core import clock
from lms.kpis.models import ImprovementPlan
from lms.kpis.services.plans import visible_plans

# The team page lists open plans only, at most this many (the plan list has them all).
TEAM_LIMIT = 50


@path_panel
def person_plans(session, person) -> Markup | None:
    """The person's open plans (and their latest closed ones), if they have any."""
    found = visible_plans(session, person, ImprovementPlan.person_id == person.id, limit=5)
    if not found:
        return None
    return Markup(render_template("kpis/_plans_card.html", plans=found, today=clock.today(),
                                  key=f"person-{person.id}"))


@team_panel
def team_plans(session, people) -> Markup | None:
    """The open plans of the page's people."""
    if not people:
        return None
    found = [plan for plan in visible_plans(
        session, None, ImprovementPlan.person_id.in_([p.id for p in people]),
        limit=TEAM_LIMIT) if plan.status == "open"]
    if not found:
        return None
    return Markup(render_template("kpis/_plans_card.html", plans=found, today=clock.today(),
                                  key="team"))
