"""Signing in through a SAML 2.0 identity provider (pysaml2, signatures checked by Debian's
xmlsec1): the SP metadata this site publishes, the AuthnRequest, and the checks of what comes
back — a signed assertion, for this site (audience), in response to a request this site made,
within its validity window (±120 s of clock skew), never seen before. The person is found and
provisioned by the same rules as OpenID Connect (`provisioning.person_for_claims`).

The IdP posts its answer from its own site, so the browser's session cookie (SameSite=Lax) is
not sent with it: the outstanding request id travels in a signed, expiring RelayState instead.
"""

import shutil
from datetime import UTC, datetime

from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from lms.core import audit
from lms.core.errors import DomainError
from lms.identity.models import IdentityProvider
from lms.identity.services import provisioning, replay
from lms.identity.services.errors import SignInRefused
from lms.identity.services.timing import MAX_CLOCK_SKEW_SECONDS, MAX_ROUND_TRIP_SECONDS

XMLSEC_BINARY = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"
_RELAY_SALT = "saml-relay-state"
EMAIL_ATTRIBUTES = ("mail", "emailAddress",
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress")
NAME_ATTRIBUTES = ("displayName", "cn", "http://schemas.microsoft.com/identity/claims/displayname",
                   "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")
# pysaml2's client, config and metadata are imported where they are used, not here: with the
# XML schema library they pull in they cost ~30 MB and 500 modules in every process that loads
# the app (web workers, the RQ worker, the CLI's exports), most of which never see a SAML
# sign-in. The package itself (the binding names) is small.


def _config(provider: IdentityProvider, sp_entity_id: str, acs_url: str):
    from saml2.config import SPConfig

    config = SPConfig()
    config.load({
        "entityid": sp_entity_id,
        "xmlsec_binary": XMLSEC_BINARY,
        "accepted_time_diff": MAX_CLOCK_SKEW_SECONDS,
        "allow_unknown_attributes": True,
        "metadata": {"inline": [provider.metadata_doc.get("idp_metadata_xml", "")]},
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(acs_url, BINDING_HTTP_POST)]},
            "want_assertions_signed": True,
            "want_response_signed": False,
            "want_assertions_or_response_signed": True,
            "allow_unsolicited": False,
            "authn_requests_signed": False,
        }},
    })
    return config


def read_idp_metadata(xml: str) -> dict:
    """{entity_id, sso_url, idp_metadata_xml} from an IdP's metadata; refuses metadata without
    exactly one IdP, an HTTP-Redirect sign-in address, or a signing certificate."""
    from saml2.config import SPConfig
    from saml2.s_utils import UnsupportedBinding

    config = SPConfig()
    try:
        config.load({"entityid": "urn:lms:metadata-check", "xmlsec_binary": XMLSEC_BINARY,
                     "metadata": {"inline": [xml]}})
    except Exception:  # noqa: BLE001  (pysaml2 raises many kinds on bad XML)
        raise DomainError(_("This is not SAML metadata pysaml2 can read."),
                          "idp_metadata_xml") from None
    idps = [eid for eid in config.metadata.identity_providers()]
    if len(idps) != 1:
        raise DomainError(_("The metadata must describe exactly one identity provider."),
                          "idp_metadata_xml")
    entity_id = idps[0]
    try:
        sso = config.metadata.single_sign_on_service(entity_id, BINDING_HTTP_REDIRECT)
    except UnsupportedBinding:
        sso = []
    if not sso:
        raise DomainError(_("The identity provider offers no HTTP-Redirect sign-in address."),
                          "idp_metadata_xml")
    if not config.metadata.certs(entity_id, "idpsso", "signing"):
        raise DomainError(_("The metadata has no signing certificate: signed assertions could "
                            "not be checked."), "idp_metadata_xml")
    return {"entity_id": entity_id, "sso_url": sso[0]["location"], "idp_metadata_xml": xml}


def sp_metadata(provider: IdentityProvider, sp_entity_id: str, acs_url: str) -> str:
    """This site's SP metadata for `provider` (what its administrators load at the IdP)."""
    from saml2.metadata import entity_descriptor

    return str(entity_descriptor(_config(provider, sp_entity_id, acs_url)))


def begin_sign_in(provider: IdentityProvider, sp_entity_id: str, acs_url: str,
                  secret_key: str) -> str:
    """The IdP's address carrying a fresh AuthnRequest and a signed RelayState naming it."""
    from saml2.client import Saml2Client

    client = Saml2Client(config=_config(provider, sp_entity_id, acs_url))
    sso_url = provider.metadata_doc["sso_url"]
    request_id, request = client.create_authn_request(sso_url)
    relay = URLSafeTimedSerializer(secret_key, salt=_RELAY_SALT).dumps(
        {"provider": provider.key, "request": request_id})
    info = client.apply_binding(BINDING_HTTP_REDIRECT, str(request), sso_url, relay_state=relay)
    return dict(info["headers"])["Location"]


def _refuse(reason: str, message: str) -> SignInRefused:
    return SignInRefused(reason, message)


def finish_sign_in(session, provider: IdentityProvider, form: dict, sp_entity_id: str,
                   acs_url: str, secret_key: str):
    """The person a posted SAML response vouches for. Refuses a disabled provider, a missing or
    forged relay state, an unsigned or badly signed assertion, another audience, an expired
    or unsolicited response, a replayed assertion, and what provisioning refuses."""
    if not provider.enabled:
        raise _refuse("provider_disabled", _("Sign-in with %(name)s is turned off.",
                                             name=provider.name))
    try:
        relay = URLSafeTimedSerializer(secret_key, salt=_RELAY_SALT).loads(
            form.get("RelayState", ""), max_age=MAX_ROUND_TRIP_SECONDS)
    except BadSignature:
        raise _refuse("no_pending_sign_in", _("This sign-in was not started here, or took "
                                              "too long. Go back to the sign-in page and "
                                              "start again.")) from None
    if relay.get("provider") != provider.key or not form.get("SAMLResponse"):
        raise _refuse("no_pending_sign_in", _("This sign-in was not started here. Go back to "
                                              "the sign-in page and start again."))
    from saml2.client import Saml2Client

    client = Saml2Client(config=_config(provider, sp_entity_id, acs_url))
    try:
        response = client.parse_authn_request_response(
            form["SAMLResponse"], BINDING_HTTP_POST, outstanding={relay["request"]: "/"})
    except Exception as error:  # noqa: BLE001  (pysaml2 signals each failed check its own way)
        raise _refuse(_reason(error), _("The identity provider's answer failed its checks "
                                        "(%(check)s), so it cannot be trusted.",
                                        check=type(error).__name__)) from None
    if response is None or response.assertion is None:
        raise _refuse("no_assertion", _("The identity provider's answer holds no assertion."))
    if not _assertion_signed(response):
        raise _refuse("unsigned_assertion", _("The identity provider's assertion is not "
                                              "signed, so it cannot be trusted."))
    expires = datetime.fromtimestamp(response.not_on_or_after or 0, UTC) \
        if response.not_on_or_after else datetime.now(UTC)
    if not replay.use_once(session, f"saml-assertion:{provider.id}:{response.assertion.id}",
                           max(expires, datetime.now(UTC))):
        raise _refuse("assertion_replayed", _("This sign-in answer was already used. Go back "
                                              "to the sign-in page and start again."))
    claims = {"sub": response.name_id.text if response.name_id is not None else ""}
    for name, values in (response.get_identity() or {}).items():
        claims[name] = values if len(values) != 1 else values[0]
    if not claims["sub"]:
        raise _refuse("no_subject", _("The assertion names nobody."))
    # SAML attribute names differ by IdP; provisioning reads the OpenID Connect names.
    for claim, names in (("email", EMAIL_ATTRIBUTES), ("name", NAME_ATTRIBUTES)):
        found = next((claims[n] for n in names if claims.get(n)), None)
        if found and not claims.get(claim):
            claims[claim] = found
    person = provisioning.person_for_claims(session, provider, claims)
    audit.record(person, "identity.sign_in", provider, person_id=person.id,
                 subject=claims["sub"], protocol="saml")
    return person


def _assertion_signed(response) -> bool:
    assertion = response.assertion
    return getattr(assertion, "signature", None) is not None or bool(
        getattr(response.response, "signature", None))


def _reason(error: Exception) -> str:
    name = type(error).__name__
    text = str(error)
    if "Signature missing" in text:
        return "unsigned_assertion"
    if "AudienceRestriction" in text:
        return "wrong_audience"
    if name == "VerificationError" and "Condition not OK" in text:
        return "conditions_failed"  # outside NotBefore/NotOnOrAfter (expired), or unmet
    return {"SignatureError": "bad_signature", "ResponseLifetimeExceed": "expired",
            "ToEarly": "issued_in_future", "UnsolicitedResponse": "unsolicited",
            "IncorrectlySigned": "bad_signature", "UnknownPrincipal": "unknown_principal",
            }.get(name, "saml_check_failed:" + name)

