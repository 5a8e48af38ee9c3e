"""The training-hours panels on the courses pages (My path, a person's path, the team page),
registered through courses.panels so courses never imports this package."""

from flask import render_template
from markupsafe import Markup

from classroom.services import hours
from classroom.services.rotation import quarter_of
from courses.panels import path_panel, team_panel
from lms.core import clock


@path_panel
def hours_card(session, person) -> Markup:
    """The person's hours this year against the target."""
    year = clock.today().year
    found = hours.hours_for(session, [person], year)[person.id]
    return Markup(render_template("classroom/_hours_card.html", hours=found, year=year,
                                  person_id=person.id))


@team_panel
def team_hours(session, people) -> Markup | None:
    """Hours this year of the page's people, and their coverage this quarter."""
    if not people:
        return None
    year = clock.today().year
    start, end = quarter_of(clock.today())
    return Markup(render_template(
        "classroom/_hours_team.html", people=people, year=year,
        rows=hours.hours_for(session, people, year), sources=hours.SOURCES,
        coverage=hours.coverage(session, people, start, end)))
