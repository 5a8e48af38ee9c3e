"""The certification panel on the path pages (My path, a person's path), registered through
courses.panels so courses never imports this package: the tier's standing in the same words
as the certification page."""

from flask import render_template
from markupsafe import Markup

from certificates.services.standing import standings
from certificates.services.training_status import training_status
from courses.panels import path_panel


@path_panel
def standing_card(session, person) -> Markup | None:
    """The person's standing on their tier's path, with what it rests on; the share of the
    required courses done is left to the path summary above it (courses' page computes it)."""
    path = person.tier
    if path is None:
        return None
    standing = standings(session, [person.id]).get(person.id, {}).get(path.id)
    return Markup(render_template(
        "certificates/_standing_card.html", person=person, path=path, standing=standing,
        ts=training_status(session, person, path, standing, with_courses=False)))
