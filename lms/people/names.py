"""Team names in the reader's language, for pages and files that read a team's id or stored
name from a report row (the heat map, lists, the exports) rather than the Team itself."""

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


def team_names_by_stored_name(session) -> dict[str, str]:
    """Each team's stored (default-language) name -> its name in the reader's language (the
    stored one where it has none), in one query: for rows that carry the stored name only,
    as the streamed exports do; team names are unique, so the key is too."""
    return {t.name: t.tr("name") for t in session.scalars(select(Team))}
