"""Certificate screens, one module per audience: `holder` (a person's certification and their
downloads), `hr` (revoke, reinstate, correct a name), `approvals`, `settings` and `design`
(admins), `batches` (HR) and `public` (verification pages and Open Badges documents).

What several of them share lives here: the PDF download, the certificate a viewer may see,
the certificate page (also re-rendered with HR's refused forms) and the template helpers."""

from flask import Response, abort, render_template, request

from certificates.forms import NameCorrectionForm, ReasonForm
from certificates.models import Certificate
from certificates.services import badges, documents
from lms.core import clock
from lms.core.extensions import db
from lms.core.policy import authorize


def template_helpers() -> dict:
    """What every certificate template may use: today's date (scores use the `percent`
    filter)."""
    return {"today": clock.today()}


def pdf_response(data: bytes, name: str) -> Response:
    """A PDF download named `name`."""
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


def certificate_or_404(certificate_id: int) -> Certificate:
    """The certificate, when the viewer may see it (404 when it does not exist, 403 else)."""
    certificate = db.get_or_404(Certificate, certificate_id)
    authorize("certificates.view", certificate)
    return certificate


def badge_algorithm() -> str:
    """`?alg=RS256` asks for the RSA signature; EdDSA otherwise; anything else is not found."""
    alg = request.args.get("alg", badges.ALGORITHMS[0])
    if alg not in badges.ALGORITHMS:
        abort(404)
    return alg


def detail_page(certificate: Certificate, status: int = 200, **forms):
    """The certificate page; `forms` (revoke_form, reinstate_form, name_form) replace the
    blank ones, so a refused change shows its message and what was typed."""
    blank = {"revoke_form": ReasonForm(formdata=None, prefix="revoke"),
             "reinstate_form": ReasonForm(formdata=None, prefix="reinstate"),
             "name_form": NameCorrectionForm(formdata=None, name=certificate.holder_name)}
    return render_template(
        "certificates/detail.html", certificate=certificate,
        verify_url=documents.verify_url(certificate),
        labels=documents._slot_labels(certificate), **{**blank, **forms}), status
