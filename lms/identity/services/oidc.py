"""Signing in through an OpenID Connect provider: the authorization code flow with PKCE,
`state` and `nonce`, and every check of the ID token (signature against the provider's keys,
issuer, audience, expiry and issue time within a bounded clock skew, nonce).

`begin_sign_in` makes what the browser's session keeps while it is away at the provider;
`finish_sign_in` checks what comes back and returns the person. Any refusal is a
`SignInRefused` with a reason code for the audit trail and a message for the person; the
caller rolls back (nothing changed) and records the refusal.
"""

import secrets as random
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask_babel import gettext as _

from lms.core import audit
from lms.core.errors import DomainError
from lms.identity.models import IdentityProvider
from lms.identity.services import provisioning, replay, secrets
from lms.identity.services.errors import SignInRefused
from lms.identity.services.providers import Fetch, fetch_json, normalise_issuer
from lms.identity.services.timing import MAX_CLOCK_SKEW_SECONDS, MAX_ROUND_TRIP_SECONDS

# Authlib's requests client, requests and joserfc are imported where they are used: ~19 MB and
# 380 modules every process that loads the app would otherwise carry for the few that sign in.
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


def begin_sign_in(provider: IdentityProvider, redirect_uri: str) -> tuple[str, dict]:
    """(the provider's authorization URL, what the browser session keeps until it returns):
    a fresh state, nonce and PKCE verifier."""
    pending = {"provider": provider.key, "state": random.token_urlsafe(32),
               "nonce": random.token_urlsafe(32), "verifier": random.token_urlsafe(64),
               "started": int(time.time())}
    from authlib.integrations.requests_client import OAuth2Session

    client = OAuth2Session(provider.client_id, scope=provider.scopes, redirect_uri=redirect_uri,
                           code_challenge_method="S256")
    url, _state = client.create_authorization_url(
        provider.metadata_doc["authorization_endpoint"], state=pending["state"],
        nonce=pending["nonce"], code_verifier=pending["verifier"])
    return url, pending


def _refuse(reason: str, message: str) -> SignInRefused:
    return SignInRefused(reason, message)


def _start_again() -> str:
    return _("Go back to the sign-in page and start again.")


def finish_sign_in(session, provider: IdentityProvider, pending: dict | None, params: dict,
                   redirect_uri: str, secret_key: str, fetch: Fetch = fetch_json):
    """The person the provider vouches for, with the verified claims and the raw ID token.
    Refuses (SignInRefused) a disabled provider, a provider error, a missing, foreign or
    replayed state, a failed code exchange, any failed ID-token check, a replayed nonce,
    and whatever `provisioning.person_for_claims` refuses."""
    if not provider.enabled:
        raise _refuse("provider_disabled", _("Sign-in with %(name)s is turned off.",
                                             name=provider.name))
    if params.get("error"):
        raise _refuse("provider_error", _("%(name)s did not sign you in (%(error)s). ",
                                          name=provider.name, error=params["error"])
                      + _start_again())
    if not pending or pending.get("provider") != provider.key:
        raise _refuse("no_pending_sign_in", _("This sign-in was not started in this browser, "
                                              "or it has already been used. ") + _start_again())
    if not params.get("state") or params.get("state") != pending.get("state"):
        raise _refuse("state_mismatch", _("The answer from the provider does not belong to "
                                          "this sign-in. ") + _start_again())
    now = int(time.time())
    if now - int(pending.get("started", 0)) > MAX_ROUND_TRIP_SECONDS:
        raise _refuse("too_slow", _("The sign-in took too long. ") + _start_again())
    expires = datetime.fromtimestamp(now + MAX_ROUND_TRIP_SECONDS * 2, UTC)
    if not replay.use_once(session, f"oidc-state:{pending['state']}", expires):
        raise _refuse("state_replayed", _("This sign-in answer was already used. ")
                      + _start_again())
    if not params.get("code"):
        raise _refuse("no_code", _("The provider sent no authorization code. ") + _start_again())
    id_token = _exchange_code(provider, pending, params["code"], redirect_uri, secret_key)
    claims = verify_id_token(provider, id_token, pending["nonce"], fetch, now)
    exp = datetime.fromtimestamp(int(claims["exp"]) + MAX_CLOCK_SKEW_SECONDS, UTC)
    if not replay.use_once(session, f"oidc-nonce:{provider.id}:{claims['nonce']}", exp):
        raise _refuse("nonce_replayed", _("This sign-in was already used. ") + _start_again())
    person = provisioning.person_for_claims(session, provider, claims)
    audit.record(person, "identity.sign_in", provider, person_id=person.id,
                 subject=str(claims["sub"]))
    return person, claims, id_token


def _exchange_code(provider: IdentityProvider, pending: dict, code: str, redirect_uri: str,
                   secret_key: str) -> str:
    import requests
    from authlib.common.errors import AuthlibBaseError
    from authlib.integrations.requests_client import OAuth2Session

    client = OAuth2Session(provider.client_id, secrets.decrypt(
        secret_key, provider.client_secret_encrypted) or None, redirect_uri=redirect_uri,
        code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic"
        if provider.client_secret_encrypted else "none")
    try:
        token = client.fetch_token(provider.metadata_doc["token_endpoint"], code=code,
                                   code_verifier=pending["verifier"], timeout=10)
    except (AuthlibBaseError, requests.RequestException, ValueError) as error:
        raise _refuse("code_exchange", _("The provider refused to complete the sign-in "
                                         "(%(error)s). ", error=type(error).__name__)
                      + _start_again()) from None
    if not token.get("id_token"):
        raise _refuse("no_id_token", _("The provider sent no ID token. Check that the scopes "
                                       "include openid."))
    return token["id_token"]


def verify_id_token(provider: IdentityProvider, id_token: str, nonce: str,
                    fetch: Fetch = fetch_json, now: int | None = None) -> dict:
    """The ID token's claims, once its signature (the provider's published keys), issuer,
    audience (and authorized party), expiry, issue time and nonce have been checked."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    now = int(time.time()) if now is None else now
    try:
        keys = KeySet.import_key_set(fetch(provider.metadata_doc["jwks_uri"]))
    except (DomainError, JoseError, ValueError, KeyError, TypeError):
        raise _refuse("keys_unavailable", _("The provider's signing keys could not be read. "
                                            "Try again later.")) from None
    try:
        claims = dict(jwt.decode(id_token, keys, algorithms=SIGNING_ALGORITHMS).claims)
    except (JoseError, ValueError, KeyError, TypeError):
        raise _refuse("bad_signature", _("The provider's answer is not signed with its "
                                         "published keys, so it cannot be trusted.")) from None
    if normalise_issuer(str(claims.get("iss", ""))) != provider.issuer:
        raise _refuse("wrong_issuer", _("The ID token comes from another issuer."))
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if provider.client_id not in audiences or (
            len(audiences) > 1 and claims.get("azp") != provider.client_id):
        raise _refuse("wrong_audience", _("The ID token was issued for another application."))
    try:
        expires, issued = int(claims["exp"]), int(claims.get("iat", now))
    except (KeyError, TypeError, ValueError):
        raise _refuse("no_expiry", _("The ID token has no valid expiry.")) from None
    if now > expires + MAX_CLOCK_SKEW_SECONDS:
        raise _refuse("expired", _("The provider's answer has expired. ") + _start_again())
    if issued > now + MAX_CLOCK_SKEW_SECONDS:
        raise _refuse("issued_in_future", _("The ID token is dated in the future: check the "
                                            "clocks of this server and the provider."))
    if not nonce or claims.get("nonce") != nonce:
        raise _refuse("nonce_mismatch", _("The ID token does not belong to this sign-in. ")
                      + _start_again())
    if not claims.get("sub"):
        raise _refuse("no_subject", _("The ID token names nobody."))
    return claims


def end_session_url(provider: IdentityProvider, id_token: str, return_to: str) -> str | None:
    """Where to send the browser to end the provider's session too (None when the provider
    offers no end-session endpoint)."""
    endpoint = provider.metadata_doc.get("end_session_endpoint")
    if not endpoint:
        return None
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": return_to,
                       "client_id": provider.client_id})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
