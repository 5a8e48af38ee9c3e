"""Open Badges from configuration only (#20): addresses from PUBLIC_URL whatever the Host
header says, no signature for a revoked or expired certificate, `kid` URIs that dereference,
`sub`, RS256 beside EdDSA, key rotation, and a changed passphrase that says so."""

import csv
import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certificates.models import IssuerKey
from certificates.services import awards, badges, batches
from lms.core import clock
from lms.core.urls import DEVELOPMENT_URL

# The `certificate` fixture is shared with the document tests; its parameters shadow it.
from tests.certificates.test_documents import certificate  # noqa: F401

# ruff: noqa: F811

SITE = "https://academy.example"
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture
def app_config(app_config):
    # No SERVER_NAME: requests are routed whatever Host they carry, as behind a lax proxy.
    return {**app_config, "SERVER_NAME": None}


@pytest.fixture
def configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", SITE)
    return SITE


def parts(token: str) -> tuple[dict, dict]:
    header, payload, _signature = token.split(".")
    return (json.loads(badges.b64url_decode(header)),
            json.loads(badges.b64url_decode(payload)))


def public_documents(client, code: str) -> dict[str, str]:
    """Every public badge document and page, fetched with a forged Host header."""
    return {url: client.get(url, headers=EVIL).get_data(as_text=True) for url in (
        f"/badges/{code}", f"/badges/{code}?alg=RS256", "/badges/issuer", "/badges/jwks.json",
        "/badges/revocations", f"/verify/{code}")}


def test_a_forged_host_never_reaches_a_signed_badge(db, client, certificate):
    """Without PUBLIC_URL (only possible in debug and tests) the fallback is fixed, never
    the Host header the client sent."""
    documents = public_documents(client, certificate.verify_code)
    for url, text in documents.items():
        assert "evil.example" not in text, url
    _header, payload = parts(documents[f"/badges/{certificate.verify_code}"])
    assert payload["iss"] == f"{DEVELOPMENT_URL}/badges/issuer"


def test_every_address_comes_from_public_url(db, client, certificate, configured):
    code = certificate.verify_code
    documents = public_documents(client, code)
    assert all("evil.example" not in text for text in documents.values())
    header, payload = parts(documents[f"/badges/{code}"])
    assert payload["id"] == f"{SITE}/badges/{code}"
    assert payload["iss"] == payload["issuer"]["id"] == f"{SITE}/badges/issuer"
    assert payload["credentialStatus"]["id"] == f"{SITE}/badges/revocations"
    assert payload["evidence"][0]["id"] == f"{SITE}/verify/{code}"
    assert header["kid"].startswith(f"{SITE}/badges/issuer#key-")


def test_no_signature_for_a_revoked_certificate(db, client, certificate):
    code = certificate.verify_code
    awards.revoke(db.session, None, certificate, "Issued in error")
    db.session.commit()
    for url in (f"/badges/{code}", f"/badges/{code}?alg=RS256"):
        response = client.get(url, headers=EVIL)
        assert response.status_code == 410, url
        assert response.get_data(as_text=True).count(".") < 2
        assert "revoked" in response.get_data(as_text=True)
    with pytest.raises(badges.BadgeRefused):
        badges.signed_credential(db.session, certificate)
    # Still listed as revoked, so earlier copies fail verification.
    listed = json.loads(client.get("/badges/revocations").data)["revokedCredentials"]
    assert listed == [{"id": badges.credential_id(certificate)}]


def test_no_signature_for_an_expired_certificate(db, client, auth, make_person,
                                                 certificate):
    clock.freeze(datetime(2027, 3, 3, tzinfo=UTC))
    assert client.get(f"/badges/{certificate.verify_code}").status_code == 410
    auth.login(make_person(roles=("hr",)))
    response = client.get(f"/certificates/{certificate.id}/badge.jwt")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "no badge is issued for it" in page
    assert "badge.jwt" not in page  # no button that can only fail


def test_kid_is_a_uri_that_dereferences_and_sub_is_set(db, client, certificate,
                                                       configured):
    token = client.get(f"/badges/{certificate.verify_code}").get_data(as_text=True)
    header, payload = parts(token)
    assert header["kid"] == f"{SITE}/badges/issuer#key-1"
    issuer_url, _, fragment = header["kid"].partition("#")
    profile = json.loads(client.get(issuer_url.removeprefix(SITE)).data)
    assert profile["id"] == issuer_url
    (method,) = [m for m in profile["verificationMethod"] if m["id"] == header["kid"]]
    assert method["type"] == "JsonWebKey" and method["controller"] == issuer_url
    assert method["publicKeyJwk"]["x"] == header["jwk"]["x"] and fragment == "key-1"
    jwks = json.loads(client.get("/badges/jwks.json").data)
    assert header["kid"] in [key["kid"] for key in jwks["keys"]]
    assert payload["sub"] == payload["credentialSubject"]["id"]
    assert payload["sub"].startswith("urn:uuid:")


def test_rs256_is_offered_beside_eddsa(db, client, certificate):
    code = certificate.verify_code
    token = client.get(f"/badges/{code}?alg=RS256").get_data(as_text=True)
    header, payload = parts(token)
    assert header["alg"] == "RS256" and header["jwk"]["kty"] == "RSA"
    (jwk,) = [k for k in json.loads(client.get("/badges/jwks.json").data)["keys"]
              if k["kid"] == header["kid"]]
    public = rsa.RSAPublicNumbers(
        int.from_bytes(badges.b64url_decode(jwk["e"]), "big"),
        int.from_bytes(badges.b64url_decode(jwk["n"]), "big")).public_key()
    signed, _, signature = token.rpartition(".")
    # A third party checks it with the published RSA key alone.
    public.verify(badges.b64url_decode(signature), signed.encode(), padding.PKCS1v15(),
                  hashes.SHA256())
    assert public.key_size >= 2048 and "d" not in jwk
    assert badges.verify_badge(db.session, token).state == "valid"
    assert client.get(f"/badges/{code}?alg=HS256").status_code == 404
    assert client.get(f"/badges/{code}?alg=none").status_code == 404


def test_a_token_claiming_another_algorithm_is_invalid(db, certificate):
    token = badges.signed_credential(db.session, certificate, "RS256")
    _header, payload, signature = token.split(".")
    for alg in ("EdDSA", "none", "HS256"):
        header = badges.b64url(json.dumps({**parts(token)[0], "alg": alg}).encode())
        assert badges.verify_badge(db.session, f"{header}.{payload}.{signature}").state \
            == "invalid", alg
    assert badges.verify_badge(db.session, f"{token.rsplit('.', 1)[0]}.").state == "invalid"


def test_rotation_keeps_old_keys_published_and_verifying(db, runner, certificate):
    before = badges.signed_credential(db.session, certificate)
    before_rsa = badges.signed_credential(db.session, certificate, "RS256")
    db.session.commit()
    result = runner.invoke(args=["rotate-badge-key"])
    assert result.exit_code == 0, result.output
    assert "#key-3 (EdDSA)" in result.output and "#key-4 (RS256)" in result.output
    db.session.expire_all()
    kids = [key["kid"] for key in badges.jwks(db.session)["keys"]]
    assert [kid.rpartition("#")[2] for kid in kids] == ["key-1", "key-2", "key-3", "key-4"]
    after = badges.signed_credential(db.session, certificate)
    assert parts(after)[0]["kid"].endswith("#key-3")
    assert parts(badges.signed_credential(db.session, certificate, "RS256"))[0]["kid"] \
        .endswith("#key-4")
    for token in (before, before_rsa, after):
        assert badges.verify_badge(db.session, token).state == "valid"


def test_badges_signed_before_key_uris_still_verify(db, certificate):
    """Tokens from before this change named the key by its bare thumbprint."""
    token = badges.signed_credential(db.session, certificate)
    header, payload = parts(token)
    key = db.session.get(IssuerKey, 1)
    old_header = badges.b64url(json.dumps({**header, "kid": key.kid}).encode())
    signed = f"{old_header}.{token.split('.')[1]}"
    signature = badges._private_key(key).sign(signed.encode())
    assert badges.verify_badge(db.session, f"{signed}.{badges.b64url(signature)}").state \
        == "valid"
    assert payload["id"] == badges.credential_id(certificate)


def test_a_changed_secret_key_gives_a_clear_message_not_a_500(app, db, client, auth, runner,
                                                              make_person, monkeypatch,
                                                              certificate):
    code = certificate.verify_code
    earlier = badges.signed_credential(db.session, certificate)
    db.session.commit()
    monkeypatch.setitem(app.config, "SECRET_KEY", "a-new-secret-after-a-leak")
    response = client.get(f"/badges/{code}")
    assert response.status_code == 503
    assert "signing key no longer matches" in response.get_data(as_text=True)
    auth.login(make_person(roles=("hr",)))
    response = client.get(f"/certificates/{certificate.id}/badge.jwt")
    assert response.status_code == 302
    assert "signing key no longer matches" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    # Doctor and the System page say what to do.
    failed = [r for r in badges.signing_key_check(app) if r.status == "failed"]
    assert len(failed) == 2 and "rotate-badge-key" in failed[0].detail
    # Verifying needs only public keys; a new key signs again.
    assert badges.verify_badge(db.session, earlier).state == "valid"
    assert runner.invoke(args=["rotate-badge-key"]).exit_code == 0
    assert {r.status for r in badges.signing_key_check(app)} == {"ok"}
    assert client.get(f"/badges/{code}").status_code == 200
    assert badges.verify_badge(db.session, earlier).state == "valid"


def test_a_batch_manifest_links_to_public_url(app, db, make_person, certificate,
                                              configured):
    hr = make_person(roles=("hr",))
    batch = batches.create_batch(db.session, hr, "render", None, certificate.path_id)
    db.session.commit()
    batches.run_batch(batch.id)
    db.session.expire_all()
    with zipfile.ZipFile(batches.zip_path(batch)) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert rows[1][-1] == f"{SITE}/verify/{certificate.verify_code}"


def test_the_key_check_waits_for_the_first_certificate(app, db):
    (result,) = badges.signing_key_check(app)
    assert result.status == "skipped"


def test_issuer_keys_are_ed25519_and_rsa_and_never_served_private(db, certificate):
    ed, rs = badges.current_key(db.session, "EdDSA"), badges.current_key(db.session, "RS256")
    assert isinstance(Ed25519PublicKey.from_public_bytes(ed.public_key), Ed25519PublicKey)
    assert serialization.load_der_public_key(rs.public_key).key_size == badges.RSA_BITS
    for key in badges.jwks(db.session)["keys"]:
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
