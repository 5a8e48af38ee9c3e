"""Certificate batches (HR): issue or re-render the certificates of a team or a tier in the
background, watch the progress, download the ZIP."""

from flask import abort, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from certificates.forms import BatchForm
from certificates.models import CertificateBatch
from certificates.services import batches
from lms.core.extensions import db
from lms.core.policy import require
from lms.core.requests import render_form, unit_of_work
from lms.paths.services import ordered_paths
from lms.people.models import Team

RECENT_BATCHES = 20


def _create_batch(actor, action: str, team_id, path_id) -> int:
    """The new batch's id, read before the commit: reading it after would open a transaction
    that holds SQLite's lock while the batch's thread starts writing."""
    return batches.create_batch(db.session, actor, action, team_id, path_id).id


@require("certificates.manage")
def batch_list():
    form = BatchForm()
    form.team_id.set_choices([(t.id, t.name) for t in db.session.scalars(
        select(Team).where(Team.active.is_(True)).order_by(Team.name))])
    form.path_id.set_choices([(p.id, p.tr("name")) for p in ordered_paths(db.session)])
    if form.validate_on_submit():
        created = unit_of_work(_create_batch, current_user, form.action.data,
                               form.team_id.data, form.path_id.data, form=form)
        if created:
            batches.start(created.value)
            return redirect(url_for("certificates.batch_page", batch_id=created.value))
    items = db.session.scalars(select(CertificateBatch).order_by(
        CertificateBatch.id.desc()).limit(RECENT_BATCHES)).all()
    return render_form("certificates/batches.html", form, items=items)


@require("certificates.manage")
def batch_page(batch_id: int):
    batch = db.get_or_404(CertificateBatch, batch_id)
    return render_template("certificates/batch.html", batch=batch,
                           progress=batches.progress_json(batch))


@require("certificates.manage")
def batch_progress(batch_id: int):
    return jsonify(batches.progress_json(db.get_or_404(CertificateBatch, batch_id)))


@require("certificates.manage")
def batch_download(batch_id: int):
    batch = db.get_or_404(CertificateBatch, batch_id)
    target = batches.zip_path(batch)
    if batch.status != "done" or not target.exists():
        abort(404)
    return send_file(target, mimetype="application/zip", as_attachment=True,
                     download_name=batch.file_name or f"certificates-{batch.id}.zip")
