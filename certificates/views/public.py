"""Public pages, no sign-in: verifying a certificate by its code or a badge by its token, and
the Open Badges documents (issuer, keys, revocations, achievements, a certificate's badge)."""

import json
import re

from flask import Response, abort, redirect, render_template, url_for
from sqlalchemy import select

from certificates.forms import BadgeCheckForm, VerifyForm
from certificates.models import Certificate
from certificates.services import badges
from certificates.views import badge_algorithm
from lms.core import clock
from lms.core.extensions import db, limiter
from lms.core.requests import form_status
from lms.core.urls import public_url
from lms.paths.models import CertificationPath

VERIFY_LIMIT = "30 per minute"
# secrets.token_urlsafe's alphabet; codes are 24 characters (18 random bytes).
CODE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@limiter.limit(VERIFY_LIMIT)
def verify_form():
    form = VerifyForm()
    if form.validate_on_submit():
        code = form.code.data.strip().rsplit("/", 1)[-1]
        return redirect(url_for("certificates.verify", code=code or "-"))
    return _verify_forms(form, BadgeCheckForm(formdata=None))


def _verify_forms(form: VerifyForm, badge_form: BadgeCheckForm):
    return render_template("certificates/verify_form.html", form=form,
                           badge_form=badge_form), \
        max(form_status(form), form_status(badge_form))


def _by_code(code: str) -> Certificate | None:
    """The certificate with this verification code; malformed codes (other characters, NUL
    bytes, wrong length) are simply not found, without a query."""
    if not CODE.fullmatch(code or ""):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.verify_code == code))


@limiter.limit(VERIFY_LIMIT)
def verify(code: str):
    certificate = _by_code(code)
    if certificate is None:
        return render_template("certificates/verify_result.html", certificate=None), 404
    return render_template("certificates/verify_result.html", certificate=certificate,
                           state=_state(certificate), newer=_newer(certificate))


def _state(certificate: Certificate) -> str:
    if certificate.status == "revoked":
        return "revoked"
    return "expired" if certificate.expires_on < clock.today() else "valid"


def _newer(certificate: Certificate) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(
        Certificate.previous_id == certificate.id))


@limiter.limit(VERIFY_LIMIT)
def verify_badge():
    form = BadgeCheckForm()
    if not form.validate_on_submit():
        return _verify_forms(VerifyForm(formdata=None), form)
    token = form.token.data or ""
    if form.upload.data:
        token = form.upload.data.read(badges.MAX_TOKEN + 1).decode("utf-8", "replace")
    check = badges.verify_badge(db.session, token)
    return render_template("certificates/badge_result.html", check=check), \
        200 if check.state != "invalid" else 422


def _json(data: dict, mimetype: str = "application/json") -> Response:
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype=mimetype,
                    headers={"Access-Control-Allow-Origin": "*"})


def issuer():
    return _json(badges.issuer_profile(db.session), "application/ld+json")


def jwks():
    return _json(badges.jwks(db.session), "application/jwk-set+json")


def revocations():
    return _json(badges.revocation_list(db.session))


def achievement(code: str):
    path = db.session.scalar(select(CertificationPath).where(CertificationPath.code == code))
    if path is None:
        abort(404)
    return _json({"@context": badges.CONTEXTS, "id": public_url(
        f"/badges/achievements/{path.code}"), "type": ["Achievement"],
        "achievementType": "Certificate", "name": path.name,
        "description": path.description or path.name,
        "criteria": {"narrative": path.description or path.name}}, "application/ld+json")


@limiter.limit(VERIFY_LIMIT)
def public_badge(code: str):
    certificate = _by_code(code)
    if certificate is None:
        abort(404)
    alg = badge_algorithm()
    try:
        token = badges.signed_credential(db.session, certificate, alg)
    except badges.BadgeRefused as error:
        # Gone: a revoked or expired certificate gets no fresh signature to present.
        return Response(error.message, status=410, mimetype="text/plain",
                        headers={"Access-Control-Allow-Origin": "*"})
    except badges.BadgeKeyUnreadable as error:
        return Response(error.message, status=503, mimetype="text/plain")
    db.session.commit()  # the keys, when this is the first badge since an upgrade
    return Response(token, mimetype="application/vc+jwt",
                    headers={"Access-Control-Allow-Origin": "*"})

