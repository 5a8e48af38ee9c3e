"""A person's certification: their standing and certificates, a re-check of the rules, and
their downloads (transcript, certificate PDF, signed badge)."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certificates.services import awards, badges, documents, transcripts
from certificates.services import settings as services
from certificates.services.training_status import training_status
from certificates.views import badge_algorithm, certificate_or_404, detail_page, pdf_response
from lms.core.extensions import db
from lms.core.forms import Form
from lms.core.policy import authorize
from lms.core.requests import unit_of_work
from lms.people.models import Person


@login_required
def mine():
    return _person_page(current_user)


@login_required
def person_page(person_id: int):
    person = db.get_or_404(Person, person_id)
    authorize("certificates.standing", person)
    return _person_page(person)


def _person_page(person: Person):
    overview = services.person_certification(db.session, person)
    slot_labels = {(path.id, slot.code): slot.tr("label") for path, _standing in overview.paths
                   for slot in path.slots}
    statuses = {path.id: training_status(db.session, person, path, standing)
                for path, standing in overview.paths}
    return render_template("certificates/person.html", overview=overview, person=person,
                           form=Form(), slot_labels=slot_labels, statuses=statuses)


def _certificate_count(person: Person) -> int:
    return len(services.person_certification(db.session, person).certificates)


@login_required
def evaluate(person_id: int):
    person = db.get_or_404(Person, person_id)
    authorize("certificates.evaluate", person)
    if not Form().validate_on_submit():
        abort(400)
    before = _certificate_count(person)
    if unit_of_work(awards.evaluate_person, db.session, person, current_user):
        if _certificate_count(person) > before:
            flash(_("A certificate has been issued."), "success")
        else:
            flash(_("The rules have been checked again."), "info")
    if person.id == current_user.id:
        return redirect(url_for("certificates.mine"))
    return redirect(url_for("certificates.person_page", person_id=person.id))


@login_required
def transcript(person_id: int):
    person = db.get_or_404(Person, person_id)
    authorize("certificates.standing", person)
    return pdf_response(transcripts.transcript_pdf(db.session, person),
                        f"transcript-{person.employee_id}.pdf")


@login_required
def detail(certificate_id: int):
    return detail_page(certificate_or_404(certificate_id))


@login_required
def pdf(certificate_id: int):
    certificate = certificate_or_404(certificate_id)
    return pdf_response(documents.certificate_pdf(db.session, certificate),
                        f"{certificate.serial}.pdf")


@login_required
def badge(certificate_id: int):
    certificate = certificate_or_404(certificate_id)
    alg = badge_algorithm()
    # Committed: the keys, when this is the first badge since an upgrade.
    signed = unit_of_work(badges.signed_credential, db.session, certificate, alg)
    if not signed:
        return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    suffix = "" if alg == badges.ALGORITHMS[0] else f".{alg.lower()}"
    return Response(signed.value, mimetype="application/vc+jwt", headers={
        "Content-Disposition": f'attachment; filename="{certificate.serial}{suffix}.jwt"'})
