"""Review pack downloads: one person's PDF, a team's packs as a zip.

A person outside the reader's view is a 404 (not 403: an id reveals nothing); the team zip
holds only the team's people within the reader's `report_scope`, and a team with none of
them is a 404 too.
"""

from io import BytesIO

from flask import abort, send_file
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.core.extensions import db
from lms.core.policy import may, require
from lms.people.models import Person, Team
from lms.people.policy import report_scope
from reports.services import review_pack


def _private(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


@login_required
def review_pack_pdf(person_id: int):
    """The person's review pack, for whoever may view the person."""
    person = db.session.get(Person, person_id)
    if person is None or not may(current_user, "reports.person", person):
        abort(404)
    pdf = review_pack.pack_pdf(db.session, person)
    return _private(send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                              download_name=review_pack.pack_filename(person.employee_id,
                                                                      person.name)))


@require("reports.view")
def team_packs(team_id: int):
    """One review pack per active person of the team whom the reader may see, zipped."""
    team = db.session.get(Team, team_id)
    if team is None:
        abort(404)
    people = list(db.session.scalars(
        select(Person).where(Person.team_id == team.id, Person.active.is_(True),
                             report_scope(current_user))
        .order_by(Person.employee_id)))
    if not people:
        abort(404)  # a team outside the reader's scope looks like no team at all
    spool = review_pack.team_zip(db.session, people)
    name = review_pack.pack_filename(f"team-{team.id}", team.name)[:-4] + ".zip"
    return _private(send_file(spool, mimetype="application/zip", as_attachment=True,
                              download_name=name))
