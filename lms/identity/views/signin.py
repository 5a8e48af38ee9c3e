"""Signing in through a provider: away to it, and back. Thin: the checks are in
lms.identity.services.oidc; a refusal rolls back, is audited, and shows a page saying why."""

from flask import abort, current_app, redirect, render_template, request, session, url_for
from sqlalchemy import select

from lms.core import audit
from lms.core.errors import DomainError
from lms.core.extensions import db, limiter
from lms.core.urls import public_url
from lms.identity.models import IdentityProvider
from lms.identity.services import oidc
from lms.people.sessions import END_SESSION_KEY, begin_session

PENDING_KEY = "sso_pending"


def _provider(key: str) -> IdentityProvider:
    provider = db.session.scalar(select(IdentityProvider).where(IdentityProvider.key == key))
    if provider is None:
        abort(404)
    return provider


def _callback_url(key: str) -> str:
    return public_url(url_for("identity.callback", key=key))


@limiter.limit("30 per minute")
def start(key: str):
    provider = _provider(key)
    if not provider.enabled:
        abort(404)
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
        db.session.rollback()
        audit.record(None, "identity.sign_in_refused", provider, refusal.message,
                     code=getattr(refusal, "reason", "refused"),
                     address=request.remote_addr or "unknown")
        db.session.commit()
        return render_template("identity/refused.html", provider=provider,
                               message=refusal.message), 403
    db.session.commit()
    begin_session(person)
    end_session = oidc.end_session_url(provider, id_token, public_url(url_for("people.login")))
    if end_session:
        session[END_SESSION_KEY] = end_session
    # People with a tier land on their path (what a new agent came for); others on the home page.
    return redirect(url_for("courses.my_path") if person.tier_id else url_for("home.index"))
