"""Open Badges 3.0: each certificate as an OpenBadgeCredential (a W3C Verifiable Credential,
data model 2.0) secured as a VC-JWT (Open Badges 3.0 §8.2, "JSON Web Token Proof Format").

Why VC-JWT with EdDSA: Open Badges 3.0 accepts a compact JWS whose payload is the credential
or an embedded Data Integrity proof; the JWS needs no JSON-LD canonicalisation (so nothing is
fetched at run time and nothing has to be bundled), and any JOSE library verifies it with the
issuer's published key. The header carries `alg: EdDSA`, a `kid` naming the key in the
issuer's JWKS, and the public key itself as `jwk`; the payload is the credential plus the
registered claims the format asks for (iss, jti, nbf, exp).

The issuer key is Ed25519, generated once (with the first certificate) and stored with its
private half encrypted (PKCS#8, passphrase BADGE_KEY_PASSPHRASE, else SECRET_KEY); only the
public half is ever served (JWKS and issuer profile at stable URLs). `credentialStatus`
points at the issuer's revocation list (type 1EdTechRevocationList), which lists revoked
credentials the moment HR revokes.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from certificates.documents import design
from certificates.models import Certificate, IssuerKey
from lms import clock
from lms.urls import public_url

CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
          "ob_v3p0_achievementcredential_schema.json")
MAX_TOKEN = 64 * 1024


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _passphrase() -> bytes:
    return (current_app.config.get("BADGE_KEY_PASSPHRASE")
            or current_app.config["SECRET_KEY"]).encode()


def _thumbprint(raw_public: bytes) -> str:
    """RFC 7638 JWK thumbprint of an Ed25519 key."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": b64url(raw_public)},
                           separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def issuer_key(session) -> IssuerKey:
    """The issuer's signing key, generated (and flushed) on first use; a concurrent first use
    keeps whichever key was stored first."""
    found = session.get(IssuerKey, 1)
    if found is not None:
        return found
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
    key = IssuerKey(id=1, kid=_thumbprint(raw), public_key=raw, created_at=clock.now(),
                    private_key_pem=private.private_bytes(
                        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                        serialization.BestAvailableEncryption(_passphrase())))
    try:
        with session.begin_nested():
            session.add(key)
    except IntegrityError:
        return session.get(IssuerKey, 1)
    return key


def public_jwk(key: IssuerKey) -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(key.public_key), "kid": key.kid,
            "use": "sig", "alg": "EdDSA"}


def jwks(session) -> dict:
    """The published key set (empty until the first certificate made the key)."""
    key = session.get(IssuerKey, 1)
    return {"keys": [public_jwk(key)] if key is not None else []}


def issuer_id() -> str:
    return public_url("/badges/issuer")


def issuer_profile(session) -> dict:
    """The issuer's Profile (what `issuer.id` dereferences to), naming its key set."""
    look = design(session)
    return {"@context": CONTEXTS, "id": issuer_id(), "type": ["Profile"],
            "name": look.organisation or "Service Academy", "url": public_url("/"),
            "publicKey": public_url("/badges/jwks.json")}


def _instant(day) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_id(certificate: Certificate) -> str:
    return public_url(f"/badges/{certificate.verify_code}")


def credential(session, certificate: Certificate) -> dict:
    """The OpenBadgeCredential of a certificate (unsigned)."""
    person = certificate.person
    salt = hashlib.sha256(certificate.verify_code.encode()).hexdigest()[:16]
    email_hash = hashlib.sha256((person.email.lower() + salt).encode()).hexdigest()
    narrative = "; ".join(
        f"{c['name']} level {c['level']} (required {c['required']})"
        for c in certificate.competencies or [])
    look = design(session)
    return {
        "@context": CONTEXTS,
        "id": credential_id(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id(), "type": ["Profile"],
                   "name": look.organisation or "Service Academy"},
        "validFrom": _iso(_instant(certificate.issued_on)),
        "validUntil": _iso(_instant(certificate.expires_on)),
        "name": certificate.path_name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "identityType": "name", "hashed": False,
                 "identityHash": certificate.holder_name},
                {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                 "identityHash": f"sha256${email_hash}", "salt": salt},
            ],
            "achievement": {
                "id": public_url(f"/badges/achievements/{certificate.path.code}"),
                "type": ["Achievement"], "achievementType": "Certificate",
                "name": certificate.path_name,
                "description": certificate.path.description or certificate.path_name,
                "criteria": {"narrative": narrative or certificate.path_name},
            },
        },
        "credentialStatus": {"id": public_url("/badges/revocations"),
                             "type": "1EdTechRevocationList"},
        "credentialSchema": [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        "evidence": [{"id": public_url(f"/verify/{certificate.verify_code}"),
                      "type": ["Evidence"], "name": certificate.serial}],
    }


def _private_key(key: IssuerKey) -> Ed25519PrivateKey:
    return serialization.load_pem_private_key(key.private_key_pem, password=_passphrase())


def signed_credential(session, certificate: Certificate) -> str:
    """The certificate's credential as a compact VC-JWT signed with the issuer key."""
    key = issuer_key(session)
    body = credential(session, certificate)
    header = {"alg": "EdDSA", "typ": "JWT", "kid": key.kid, "jwk": public_jwk(key)}
    payload = {**body, "iss": body["issuer"]["id"], "jti": body["id"],
               "nbf": int(_instant(certificate.issued_on).timestamp()),
               "exp": int(_instant(certificate.expires_on).timestamp())}
    signing_input = ".".join(b64url(json.dumps(part, ensure_ascii=False,
                                               separators=(",", ":")).encode())
                             for part in (header, payload))
    signature = _private_key(key).sign(signing_input.encode())
    return f"{signing_input}.{b64url(signature)}"


def revocation_list(session) -> dict:
    """The issuer's 1EdTechRevocationList: the ids of revoked credentials."""
    codes = session.scalars(select(Certificate.verify_code)
                            .where(Certificate.status == "revoked")
                            .order_by(Certificate.id)).all()
    return {"id": public_url("/badges/revocations"), "issuer": issuer_id(),
            "revokedCredentials": [{"id": public_url(f"/badges/{code}")} for code in codes]}


@dataclass(frozen=True)
class BadgeCheck:
    """The answer for a presented badge: `state` is valid, expired, revoked or invalid;
    `certificate` is set when the signature is ours and names a known certificate."""

    state: str
    certificate: Certificate | None = None
    credential: dict | None = None


def verify_badge(session, token: str) -> BadgeCheck:
    """Check a presented VC-JWT: well formed, EdDSA, signed by this issuer's key, naming a
    certificate we issued with the same content; then its status today. Anything else —
    malformed, another key, a tampered byte — is "invalid", never an error."""
    token = (token or "").strip()
    parts = token.split(".")
    if len(token) > MAX_TOKEN or len(parts) != 3:
        return BadgeCheck("invalid")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        return BadgeCheck("invalid")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return BadgeCheck("invalid")
    key = session.get(IssuerKey, 1)
    if key is None or header.get("alg") != "EdDSA" or header.get("kid") != key.kid:
        return BadgeCheck("invalid")
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(
            signature, f"{parts[0]}.{parts[1]}".encode())
    except (InvalidSignature, ValueError):
        return BadgeCheck("invalid")
    found_id = payload.get("id")
    # The signature proves we made it; the code is the last part of the credential's id.
    code = found_id.rsplit("/badges/", 1)[-1] if isinstance(found_id, str) \
        and "/badges/" in found_id else None
    certificate = session.scalar(select(Certificate).where(Certificate.verify_code == code)) \
        if code and code.isascii() and code.replace("-", "").replace("_", "").isalnum() \
        and len(code) <= 64 else None
    if certificate is None:
        return BadgeCheck("invalid")
    if certificate.status == "revoked":
        return BadgeCheck("revoked", certificate, payload)
    if certificate.expires_on < clock.today():
        return BadgeCheck("expired", certificate, payload)
    return BadgeCheck("valid", certificate, payload)
