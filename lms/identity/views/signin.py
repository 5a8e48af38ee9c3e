"""Signing in through a provider: away to it, and back. Thin: the checks are in
lms.identity.services.oidc; a refusal rolls back, is audited, and shows a page saying why."""

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select

from lms.core import audit
from lms.core.errors import DomainError
from lms.core.extensions import csrf, db, limiter
from lms.core.urls import public_url
from lms.identity.models import IdentityProvider
from lms.identity.services import oidc, saml
from lms.people.sessions import END_SESSION_KEY, begin_session

PENDING_KEY = "sso_pending"


def _provider(key: str) -> IdentityProvider:
    provider = db.session.scalar(select(IdentityProvider).where(IdentityProvider.key == key))
    if provider is None:
        abort(404)
    return provider


def _callback_url(key: str) -> str:
    return public_url(url_for("identity.callback", key=key))


def _saml_urls(key: str) -> tuple[str, str]:
    """(this site's SAML entity ID, its assertion consumer service) for provider `key`."""
    return (public_url(url_for("identity.saml_metadata", key=key)),
            public_url(url_for("identity.saml_acs", key=key)))


@limiter.limit("30 per minute")
def start(key: str):
    provider = _provider(key)
    if not provider.enabled:
        abort(404)
    if provider.protocol == "saml":
        return redirect(saml.begin_sign_in(provider, *_saml_urls(key),
                                           current_app.config["SECRET_KEY"]))
    url, pending = oidc.begin_sign_in(provider, _callback_url(key))
    session[PENDING_KEY] = pending
    return redirect(url)


@limiter.limit("30 per minute")
def callback(key: str):
    provider = _provider(key)
    pending = session.pop(PENDING_KEY, None)
    try:
        person, _claims, id_token = oidc.finish_sign_in(
            db.session, provider, pending, request.args.to_dict(), _callback_url(key),
            current_app.config["SECRET_KEY"])
    except DomainError as refusal:
        return _refused(provider, refusal)
    db.session.commit()
    begin_session(person)
    end_session = oidc.end_session_url(provider, id_token, public_url(url_for("people.login")))
    if end_session:
        session[END_SESSION_KEY] = end_session
    return _landing(person)


def _landing(person):
    # People with a tier land on their path (what a new agent came for); others on the home page.
    return redirect(url_for("courses.my_path") if person.tier_id else url_for("home.index"))


def _refused(provider: IdentityProvider, refusal: DomainError):
    """Nothing the attempt wrote is kept; the refusal is audited and explained."""
    db.session.rollback()
    audit.record(None, "identity.sign_in_refused", provider, refusal.message,
                 code=getattr(refusal, "reason", "refused"), protocol=provider.protocol,
                 address=request.remote_addr or "unknown")
    db.session.commit()
    return render_template("identity/refused.html", provider=provider,
                           message=refusal.message), 403


def saml_metadata(key: str):
    """This site's SAML SP metadata for the provider (entity ID and where to post answers)."""
    provider = _provider(key)
    if provider.protocol != "saml":
        abort(404)
    return Response(saml.sp_metadata(provider, *_saml_urls(key)),
                    mimetype="application/samlmetadata+xml")


@csrf.exempt
@limiter.limit("30 per minute")
def saml_acs(key: str):
    """Where the SAML IdP posts its answer (from its own site: no CSRF token, no cookie)."""
    provider = _provider(key)
    if provider.protocol != "saml":
        abort(404)
    try:
        person = saml.finish_sign_in(db.session, provider, request.form.to_dict(),
                                     *_saml_urls(key), current_app.config["SECRET_KEY"])
    except DomainError as refusal:
        return _refused(provider, refusal)
    db.session.commit()
    begin_session(person)
    return _landing(person)
