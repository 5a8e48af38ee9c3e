"""Review packs: one person's PDF; a team's packs as a zip, prepared by a background job.

A person outside the reader's view is a 404 (not 403: an id reveals nothing); the team zip
holds only the team's people within the reader's `report_scope`, and a team with none of
them is a 404 too. A pack job's page and file are for whoever asked (`reports.pack_job`);
anyone else gets 404.
"""

from io import BytesIO

from flask import abort, jsonify, make_response, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from lms.core.extensions import db
from lms.core.i18n import current_language
from lms.core.policy import may, require
from lms.core.requests import unit_of_work
from lms.people.models import Person, Team
from reports.models import ReviewPackJob
from reports.services import pack_jobs, review_pack


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
    """Ask for the team's review packs (a background job) and follow it on its page."""
    team = db.get_or_404(Team, team_id)
    try:
        done = unit_of_work(pack_jobs.request_packs, db.session, current_user, team,
                            current_language())
    except pack_jobs.NoOneToPack:
        abort(404)  # a team outside the reader's scope looks like no team at all
    job_id, new = done.value
    if new:
        pack_jobs.start(job_id)
    return redirect(url_for("reports.pack_job", job_id=job_id))


def _own_job(job_id: int) -> ReviewPackJob:
    """The job, when the reader asked for it (and may still see the team); else 404."""
    job = db.session.get(ReviewPackJob, job_id)
    if job is None or not may(current_user, "reports.pack_job", job):
        abort(404)
    return job


@login_required
def pack_job(job_id: int):
    """The job's status page: a progress bar, then the download."""
    job = _own_job(job_id)
    return _private(make_response(render_template(
        "reports/packs/job.html", job=job, progress=pack_jobs.progress_json(job))))


@login_required
def pack_job_progress(job_id: int):
    return _private(jsonify(pack_jobs.progress_json(_own_job(job_id))))


@login_required
def pack_job_download(job_id: int):
    job = _own_job(job_id)
    target = pack_jobs.zip_path(job)
    if job.status != "done" or not job.file_name or not target.exists():
        abort(404)
    return _private(send_file(target, mimetype="application/zip", as_attachment=True,
                              download_name=job.file_name))
