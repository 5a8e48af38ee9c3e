"""HR's changes to a certificate: revoke or reinstate it (one handler, two URLs), and
re-issue it under a corrected name. Each records its reason in the audit log."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from certificates.forms import NameCorrectionForm, ReasonForm
from certificates.services import awards
from certificates.views import certificate_or_404, detail_page
from lms.core.extensions import db
from lms.core.policy import require
from lms.core.requests import form_status, unit_of_work

# change: (the service, what the flash says once it is done)
STATUS_CHANGES = {
    "revoke": (awards.revoke, lambda serial: _("Certificate %(serial)s has been revoked.",
                                               serial=serial)),
    "reinstate": (awards.reinstate, lambda serial: _(
        "Certificate %(serial)s has been reinstated.", serial=serial)),
}


@require("certificates.manage")
def change_status(certificate_id: int, change: str):
    """Revoke or reinstate (`change`, fixed by the URL rule) with the reason posted."""
    certificate = certificate_or_404(certificate_id)
    service, done_message = STATUS_CHANGES[change]
    form = ReasonForm(prefix=change)
    if form.validate_on_submit() and unit_of_work(
            service, db.session, current_user, certificate, form.reason.data, form=form):
        flash(done_message(certificate.serial), "success")
        return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    return detail_page(certificate, form_status(form), **{f"{change}_form": form})


@require("certificates.manage")
def correct_name(certificate_id: int):
    certificate = certificate_or_404(certificate_id)
    form = NameCorrectionForm()
    if form.validate_on_submit() and unit_of_work(
            awards.correct_name, db.session, current_user, certificate, form.name.data,
            form.reason.data, form=form):
        flash(_("The certificate has been re-issued in the name %(name)s.",
                name=certificate.holder_name), "success")
        return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    return detail_page(certificate, form_status(form), name_form=form)
