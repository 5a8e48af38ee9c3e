"""Team names in the reader's language, for pages that read a team's id and stored name from
a report row (the heat map, lists) rather than the Team itself."""

from flask import g
from sqlalchemy import select

from lms.core.extensions import db
from lms.people.models import Team


def team_name(team_id: int | None, default: str = "") -> str:
    """A team's name in the reader's language (`default`, usually its stored name, when the
    id is unknown); one query per request for all teams."""
    if team_id is None:
        return default
    names = g.get("team_names")
    if names is None:
        names = g.team_names = {t.id: t.tr("name") for t in db.session.scalars(select(Team))}
    return names.get(team_id, default)
