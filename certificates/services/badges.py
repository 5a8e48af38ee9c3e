"""Open Badges 3.0: each certificate as an OpenBadgeCredential (a W3C Verifiable Credential,
data model 2.0) secured as a VC-JWT (Open Badges 3.0 §8.2, "JSON Web Token Proof Format").

Why VC-JWT: Open Badges 3.0 accepts a compact JWS whose payload is the credential; it needs no
JSON-LD canonicalisation (nothing is fetched at run time) and any JOSE library verifies it
with the issuer's published key. Tokens are signed and verified by PyJWT (on `cryptography`),
never assembled by hand. Each credential is offered signed two ways: EdDSA (Ed25519,
the default) and RS256 (RSA, the algorithm every Open Badges 3.0 verifier must support). The
JOSE header carries `alg`, `kid` — a URI that dereferences to the key
(`<PUBLIC_URL>/badges/issuer#key-<n>`, listed in the issuer profile and the JWKS) — and the
public key itself as `jwk`; the payload is the credential plus the registered claims the
format asks for (iss, sub, jti, nbf, exp).

Issuer keys are generated with the first certificate and stored with their private half
encrypted (PKCS#8, passphrase BADGE_KEY_PASSPHRASE, else SECRET_KEY); only public halves are
ever served. `flask --app lms rotate-badge-key` adds a new key of each algorithm: new badges
are signed with it, and the old keys stay in the JWKS so what they signed still verifies.
`credentialStatus` points at the issuer's revocation list (type 1EdTechRevocationList). A
revoked or expired certificate gets no signature at all: a holder cannot obtain a fresh
credential to present elsewhere.

Every address comes from PUBLIC_URL (lms.core.urls), never from the request's Host header.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm
from jwt.utils import base64url_decode, base64url_encode
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from certificates.models import Certificate, IssuerKey
from certificates.services.documents import design
from lms.core import clock
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.urls import public_url
from lms.system.services import organisation
from lms.system.services.checks import CheckResult, deployment_check

CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
          "ob_v3p0_achievementcredential_schema.json")
MAX_TOKEN = 64 * 1024
# The algorithms a credential is offered in; the first is the default.
ALGORITHMS = ("EdDSA", "RS256")
RSA_BITS = 2048  # what RS256 verifiers are required to accept
KEY_FRAGMENT = "#key-"
# The members a public JWK needs (RFC 7638 §3.2), by key type: what is published and hashed.
JWK_MEMBERS = {"OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}
# What verification checks besides the signature: nothing about dates, which are the
# certificate's (revoked and expired badges are told apart from forged ones, by the app clock).
CLAIMS_NOT_CHECKED = {"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                      "verify_aud": False, "verify_iss": False}


class BadgeRefused(DomainError):
    """No credential is signed for this certificate (revoked or expired)."""


class BadgeKeyUnreadable(DomainError):
    """The stored signing key cannot be decrypted: SECRET_KEY or BADGE_KEY_PASSPHRASE
    changed since it was made."""


def b64url(data: bytes) -> str:
    """Base64url without padding, as JOSE writes it (thumbprints; a token's parts)."""
    return base64url_encode(data).decode()


def b64url_decode(text: str) -> bytes:
    """The bytes of a base64url part of a token, padding or not."""
    return base64url_decode(text)


def _passphrase() -> bytes:
    return (current_app.config.get("BADGE_KEY_PASSPHRASE")
            or current_app.config["SECRET_KEY"]).encode()


def _public_key(alg: str, public: bytes):
    """The public key object of a stored key: raw Ed25519 bytes or an RSA DER
    SubjectPublicKeyInfo."""
    if alg == "EdDSA":
        return Ed25519PublicKey.from_public_bytes(public)
    return serialization.load_der_public_key(public)


def _jwk_members(alg: str, public: bytes) -> dict:
    """The key's required JWK members (RFC 7638 order does not matter: sorted when hashed)."""
    algorithm = OKPAlgorithm if alg == "EdDSA" else RSAAlgorithm
    jwk = algorithm.to_jwk(_public_key(alg, public), as_dict=True)
    return {name: jwk[name] for name in JWK_MEMBERS[jwk["kty"]]}


def _thumbprint(alg: str, public: bytes) -> str:
    """RFC 7638 JWK thumbprint."""
    canonical = json.dumps(_jwk_members(alg, public), separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def _new_key(alg: str, key_id: int) -> IssuerKey:
    """A fresh key pair; Ed25519 keeps its raw 32-byte public key, RSA its DER
    SubjectPublicKeyInfo."""
    if alg == "EdDSA":
        private = Ed25519PrivateKey.generate()
        public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                                   serialization.PublicFormat.Raw)
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
        public = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return IssuerKey(id=key_id, alg=alg, kid=_thumbprint(alg, public), public_key=public,
                     created_at=clock.now(),
                     private_key_pem=private.private_bytes(
                         serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                         serialization.BestAvailableEncryption(_passphrase())))


def _add_key(session, alg: str) -> IssuerKey | None:
    """Store a new key under the next id; None when a concurrent request took that id first."""
    next_id = (session.scalar(select(func.max(IssuerKey.id))) or 0) + 1
    key = _new_key(alg, next_id)
    try:
        with session.begin_nested():
            session.add(key)
    except IntegrityError:
        return None
    return key


def current_key(session, alg: str) -> IssuerKey | None:
    """The newest key of `alg` (the one that signs now), or None before the first."""
    return session.scalar(select(IssuerKey).where(IssuerKey.alg == alg)
                          .order_by(IssuerKey.id.desc()).limit(1))


def issuer_key(session, alg: str = "EdDSA") -> IssuerKey:
    """The signing key of `alg`, generated (and flushed) on first use together with the other
    algorithms' keys; a concurrent first use keeps whichever keys were stored first."""
    for name in ALGORITHMS:
        for _attempt in range(3):
            if current_key(session, name) is not None or _add_key(session, name) is not None:
                break
    return current_key(session, alg)


def rotate_keys(session) -> list[IssuerKey]:
    """A new signing key for every algorithm; the old ones stay published (and verifying)."""
    made = []
    for alg in ALGORITHMS:
        key = None
        for _attempt in range(3):
            key = _add_key(session, alg)
            if key is not None:
                break
        else:
            raise DomainError(_("Another process is changing the badge keys; try again."))
        made.append(key)
    return made


def key_uri(key: IssuerKey) -> str:
    """The key's `kid`: a URI that dereferences (through the issuer profile) to its JWK."""
    return f"{issuer_id()}{KEY_FRAGMENT}{key.id}"


def public_jwk(key: IssuerKey) -> dict:
    return {**_jwk_members(key.alg, key.public_key), "kid": key_uri(key), "use": "sig",
            "alg": key.alg}


def _all_keys(session) -> list[IssuerKey]:
    return session.scalars(select(IssuerKey).order_by(IssuerKey.id)).all()


def jwks(session) -> dict:
    """The published key set: every key ever used, newest last (empty before the first
    certificate made them)."""
    return {"keys": [public_jwk(key) for key in _all_keys(session)]}


def issuer_names(session) -> dict:
    """The issuer's `name`: the organisation's name in its default language (the name admins
    set; else the certificate design's organisation); its `description` (a free text the
    Profile allows) carries the name in the other language."""
    stored = organisation.stored(session)
    if stored is None:
        return {"name": design(session).organisation or "Service Academy"}
    names = {"name": stored.name}
    other = organisation.other_language_name(session)
    if other is not None:
        names["description"] = other[1]
    return names


def issuer_id() -> str:
    return public_url("/badges/issuer")


def issuer_profile(session) -> dict:
    """The issuer's Profile (what `issuer.id` dereferences to), naming its key set; each key is
    a verification method whose id is the `kid` badges carry."""
    return {"@context": CONTEXTS, "id": issuer_id(), "type": ["Profile"],
            **issuer_names(session), "url": public_url("/"),
            "publicKey": public_url("/badges/jwks.json"),
            "verificationMethod": [
                {"id": key_uri(key), "type": "JsonWebKey", "controller": issuer_id(),
                 "publicKeyJwk": public_jwk(key)} for key in _all_keys(session)]}


def _instant(day) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_id(certificate: Certificate) -> str:
    return public_url(f"/badges/{certificate.verify_code}")


def subject_id(certificate: Certificate) -> str:
    """`credentialSubject.id` (and the JWT's `sub`): an opaque URN per certificate, so badges
    of one person are not linkable by it (as the per-certificate salt keeps the e-mail hash);
    the holder is identified by the identifiers beside it."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'lms-holder:' + certificate.verify_code)}"


def credential(session, certificate: Certificate) -> dict:
    """The OpenBadgeCredential of a certificate (unsigned)."""
    person = certificate.person
    salt = hashlib.sha256(certificate.verify_code.encode()).hexdigest()[:16]
    email_hash = hashlib.sha256((person.email.lower() + salt).encode()).hexdigest()
    narrative = "; ".join(
        f"{c['name']} level {c['level']} (required {c['required']})"
        for c in certificate.competencies or [])
    return {
        "@context": CONTEXTS,
        "id": credential_id(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id(), "type": ["Profile"], **issuer_names(session)},
        "validFrom": _iso(_instant(certificate.issued_on)),
        "validUntil": _iso(_instant(certificate.expires_on)),
        "name": certificate.path_name,
        "credentialSubject": {
            "id": subject_id(certificate),
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


def _private_key(key: IssuerKey):
    try:
        return serialization.load_pem_private_key(key.private_key_pem, password=_passphrase())
    except (ValueError, TypeError) as error:
        current_app.logger.error(
            "Open Badges key %s cannot be decrypted (%s): SECRET_KEY or BADGE_KEY_PASSPHRASE "
            "changed since it was made. Restore the old value, or run `flask --app lms "
            "rotate-badge-key` to sign with a new key (earlier badges still verify).",
            key.id, error)
        raise BadgeKeyUnreadable(_(
            "Badges cannot be signed at the moment: the signing key no longer matches this "
            "site's settings. An administrator has to restore the old key passphrase or make "
            "a new key.")) from error


def _decrypts(key: IssuerKey) -> bool:
    try:
        serialization.load_pem_private_key(key.private_key_pem, password=_passphrase())
    except (ValueError, TypeError):
        return False
    return True


@deployment_check
def signing_key_check(app) -> list[CheckResult]:
    """The keys that sign badges now can be decrypted with today's passphrase."""
    area = _("Open Badges")
    keys = [key for key in (current_key(db.session, alg) for alg in ALGORITHMS) if key]
    if not keys:
        return [CheckResult(area, _("Signing keys"), "skipped",
                            _("No key yet: they are made with the first certificate."))]
    return [CheckResult(area, key_uri(key).rpartition("#")[2] + f" ({key.alg})", "ok",
                        _("Signs new badges.")) if _decrypts(key) else
            CheckResult(area, key_uri(key).rpartition("#")[2] + f" ({key.alg})", "failed", _(
                "Cannot be decrypted: SECRET_KEY or BADGE_KEY_PASSPHRASE changed since it "
                "was made. Restore the old value, or run flask --app lms rotate-badge-key "
                "(badges already issued still verify)."))
            for key in keys]


def check_signable(certificate: Certificate) -> None:
    """Refuse a revoked or expired certificate: nothing is signed for it."""
    if certificate.status == "revoked":
        raise BadgeRefused(_("This certificate has been revoked; no badge is issued for it."))
    if certificate.expires_on < clock.today():
        raise BadgeRefused(_("This certificate expired on %(date)s; no badge is issued for it.",
                             date=format_date(certificate.expires_on)))


def signed_credential(session, certificate: Certificate, alg: str = ALGORITHMS[0]) -> str:
    """The certificate's credential as a compact VC-JWT signed with the issuer's current key
    of `alg`. Refuses (BadgeRefused) a revoked or expired certificate, and says so
    (BadgeKeyUnreadable) when the stored key cannot be decrypted with today's passphrase."""
    if alg not in ALGORITHMS:
        raise ValueError(f"unknown badge algorithm {alg!r}")
    check_signable(certificate)
    key = issuer_key(session, alg)
    body = credential(session, certificate)
    payload = {**body, "iss": body["issuer"]["id"], "sub": body["credentialSubject"]["id"],
               "jti": body["id"],
               "nbf": int(_instant(certificate.issued_on).timestamp()),
               "exp": int(_instant(certificate.expires_on).timestamp())}
    return jwt.encode(payload, _private_key(key), algorithm=alg,
                      headers={"typ": "JWT", "kid": key_uri(key), "jwk": public_jwk(key)})


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
    """Check a presented VC-JWT: well formed, EdDSA or RS256, signed by one of this issuer's
    keys (current or rotated out), naming a certificate we issued; then its status today.
    Anything else — malformed, another key, a tampered byte — is "invalid", never an error."""
    token = (token or "").strip()
    if len(token) > MAX_TOKEN or token.count(".") != 2:
        return BadgeCheck("invalid")
    try:
        key = _presented_key(session, jwt.get_unverified_header(token))
        if key is None:
            return BadgeCheck("invalid")
        payload = jwt.decode(token, _public_key(key.alg, key.public_key),
                             algorithms=[key.alg], options=CLAIMS_NOT_CHECKED)
    except (jwt.InvalidTokenError, ValueError):
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


def _presented_key(session, header: dict) -> IssuerKey | None:
    """The issuer key a token's header names: `…/badges/issuer#key-<n>` (whatever address
    the site had when it signed), or the bare thumbprint badges carried before key URIs; its
    algorithm must be the one the header claims."""
    kid, alg = header.get("kid"), header.get("alg")
    if not isinstance(kid, str) or alg not in ALGORITHMS or len(kid) > 2000:
        return None
    number = kid.rpartition(KEY_FRAGMENT)[2] if KEY_FRAGMENT in kid else ""
    if number.isascii() and number.isdigit() and len(number) < 10:
        key = session.get(IssuerKey, int(number))
    else:
        key = session.scalar(select(IssuerKey).where(IssuerKey.kid == kid))
    return key if key is not None and key.alg == alg else None

