"""Certificate and transcript PDFs (text and fonts checked with poppler), the sandboxed
template, uploaded images, and Open Badges 3.0 credentials verified and tampered with."""

import base64
import json
import subprocess
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from certificates.models import Certificate, IssuerKey
from certificates.services import awards, badges, documents
from lms.core import clock
from lms.core.errors import DomainError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
                       "hKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture
def certificate(db, defaults, make_path, make_person, scores):
    clock.freeze(T0)
    path = make_path(matrix={"PROD-LINES": 1, "COMM-EMPATHY": 1})
    person = make_person(tier_id=path.id, name="王芳 <b>Wang</b> Fang")
    scores(person, "86.65")
    add_evidence(db, person, {"PROD-LINES": "4", "COMM-EMPATHY": "3.5"})
    awards.evaluate_person(db.session, person)
    db.session.commit()
    return db.session.scalar(select(Certificate).where(Certificate.person_id == person.id))


def add_evidence(db, person, levels):
    from decimal import Decimal

    from lms.competencies.models import Competency, Evidence

    for code, level in levels.items():
        competency = db.session.scalar(select(Competency).where(Competency.code == code))
        db.session.add(Evidence(person_id=person.id, competency_id=competency.id,
                                level=Decimal(level), source_kind="scorecard", source_id="1",
                                observed_at=clock.now()))
    db.session.flush()


def pdf_text(tmp_path, data: bytes) -> str:
    target = tmp_path / "doc.pdf"
    target.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(target), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_fonts(tmp_path, data: bytes) -> str:
    target = tmp_path / "fonts.pdf"
    target.write_bytes(data)
    return subprocess.run(["pdffonts", str(target)], check=True, capture_output=True,
                          text=True).stdout


def test_certificate_pdf_text_and_cjk_font(db, certificate, tmp_path):
    data = documents.certificate_pdf(db.session, certificate)
    assert data.startswith(b"%PDF")
    text = pdf_text(tmp_path, data)
    assert "王芳 <b>Wang</b> Fang" in text  # markup printed as text, not interpreted
    assert certificate.serial in text
    assert "Product lines" in text and "Empathy" in text
    assert "86.7" in text  # one decimal, half up
    assert "/verify/" + certificate.verify_code in "".join(text.split())
    assert "CJK" in pdf_fonts(tmp_path, data)  # the Chinese name printed with real glyphs


def test_certificate_pdf_in_chinese(app, db, certificate, tmp_path):
    from flask_babel import force_locale

    with force_locale("zh_Hans_CN"):
        text = pdf_text(tmp_path, documents.certificate_pdf(db.session, certificate))
    assert "路径 TESTPATH" in text and "产品线" in text


def test_html_escapes_names(db, certificate):
    html = documents.certificate_html(certificate, documents.design(db.session))
    assert "王芳 &lt;b&gt;Wang&lt;/b&gt; Fang" in html and "<b>Wang" not in html


def test_sandbox_refuses_reaching_python(db):
    with pytest.raises(DomainError, match="does not render"):
        documents.check_template("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(DomainError, match="does not render"):
        documents.check_template("{% for x in %}")
    with pytest.raises(DomainError, match="empty"):
        documents.check_template("  ")


def test_design_saves_images_and_colours(db, certificate, tmp_path):
    with pytest.raises(DomainError, match="#rrggbb"):
        documents.save_design(db.session, None, template=documents.DEFAULT_TEMPLATE,
                              primary_colour="red; background: url(file:///etc/passwd)",
                              accent_colour="#000000", organisation="", signatory_name="",
                              signatory_title="")
    with pytest.raises(DomainError, match="PNG or JPEG"):
        documents.save_design(db.session, None, template=documents.DEFAULT_TEMPLATE,
                              primary_colour="#000000", accent_colour="#000000",
                              organisation="", signatory_name="", signatory_title="",
                              logo=b"<svg onload=alert(1)>")
    documents.save_design(db.session, None, template=documents.DEFAULT_TEMPLATE.replace(
        "{{ labels.certificate }}</h1>", "{{ labels.certificate }} — Gold</h1>"),
        primary_colour="#aa0000", accent_colour="#00aa00", organisation="Service Academy 服务学院",
        signatory_name="Sophie Martin", signatory_title="Head of HR", logo=PNG, signature=PNG)
    db.session.commit()
    look = documents.design(db.session)
    assert look.logo.startswith("data:image/png;base64,")
    html = documents.certificate_html(certificate, look)
    assert "#aa0000" in html and "Gold" in html
    text = pdf_text(tmp_path, documents.certificate_pdf(db.session, certificate))
    assert "服务学院" in text and "Sophie Martin, Head of HR" in text


def test_transcript_pdf(db, certificate, tmp_path):
    text = pdf_text(tmp_path, documents.transcript_pdf(db.session, certificate.person))
    assert "Transcript" in text and certificate.serial in text
    assert "Exam slot" in text and "86.7" in text and "王芳" in text


def _jwk_key(session):
    jwk = badges.jwks(session)["keys"][0]
    return Ed25519PublicKey.from_public_bytes(badges.b64url_decode(jwk["x"])), jwk


def test_badge_is_a_signed_open_badge(db, certificate):
    token = badges.signed_credential(db.session, certificate)
    db.session.commit()
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(badges.b64url_decode(header_b64))
    payload = json.loads(badges.b64url_decode(payload_b64))
    public, jwk = _jwk_key(db.session)
    # A third party checks it with the published key alone.
    public.verify(badges.b64url_decode(signature_b64), f"{header_b64}.{payload_b64}".encode())
    assert header["alg"] == "EdDSA" and header["kid"] == jwk["kid"]
    assert header["jwk"]["x"] == jwk["x"] and "d" not in header["jwk"] and "d" not in jwk
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert payload["iss"] == payload["issuer"]["id"] and payload["jti"] == payload["id"]
    assert payload["validFrom"] == "2026-03-02T00:00:00Z"
    assert payload["credentialStatus"]["type"] == "1EdTechRevocationList"
    assert payload["credentialSubject"]["achievement"]["type"] == ["Achievement"]
    assert badges.verify_badge(db.session, token).state == "valid"
    # The private key is stored encrypted.
    key = db.session.get(IssuerKey, 1)
    assert b"ENCRYPTED PRIVATE KEY" in key.private_key_pem


def _tamper(token: str, change) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(badges.b64url_decode(payload))
    change(data)
    return ".".join([header, badges.b64url(json.dumps(data).encode()), signature])


def test_tampered_badges_are_invalid(db, certificate):
    token = badges.signed_credential(db.session, certificate)
    db.session.commit()
    renamed = _tamper(token, lambda d: d["credentialSubject"]["identifier"][0].update(
        identityHash="Somebody Else"))
    extended = _tamper(token, lambda d: d.update(validUntil="2099-01-01T00:00:00Z"))
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    for bad in (renamed, extended, flipped, "", "a.b", "not.a.jwt", token + "x",
                "e30.e30.", "x" * 100_000):
        assert badges.verify_badge(db.session, bad).state == "invalid", bad[:40]
    # Another issuer's key, even with a well-formed token, is not ours.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    header, payload, _sig = token.split(".")
    forged = Ed25519PrivateKey.generate().sign(f"{header}.{payload}".encode())
    assert badges.verify_badge(db.session, f"{header}.{payload}.{badges.b64url(forged)}"
                               ).state == "invalid"
    public, _jwk = _jwk_key(db.session)
    with pytest.raises(Exception):  # noqa: B017  (InvalidSignature)
        h, p, s = renamed.split(".")
        public.verify(badges.b64url_decode(s), f"{h}.{p}".encode())


def test_badge_status_follows_revocation(db, certificate):
    token = badges.signed_credential(db.session, certificate)
    awards.revoke(db.session, None, certificate, "Issued in error")
    db.session.commit()
    assert badges.verify_badge(db.session, token).state == "revoked"
    listed = badges.revocation_list(db.session)["revokedCredentials"]
    assert listed == [{"id": badges.credential_id(certificate)}]
    awards.reinstate(db.session, None, certificate, "Checked")
    clock.freeze(datetime(2027, 3, 3, tzinfo=UTC))
    assert badges.verify_badge(db.session, token).state == "expired"


def test_issuer_key_is_made_once(db, certificate):
    first = db.session.get(IssuerKey, 1)
    db.session.commit()
    assert badges.issuer_key(db.session).kid == first.kid
    assert badges.issuer_profile(db.session)["type"] == ["Profile"]


def test_batch_chunks_split_into_one_pdf_per_certificate(db, certificate, tmp_path):
    from certificates.services.batches import render_chunk

    look = documents.design(db.session)
    pages = []
    for name in ("王芳", "Zoë Müller", "김민준"):
        certificate.holder_name = name
        pages.append(documents.certificate_html(certificate, look))
    db.session.rollback()
    pdfs = render_chunk(pages)
    assert len(pdfs) == 3
    texts = [pdf_text(tmp_path, pdf) for pdf in pdfs]
    assert "王芳" in texts[0] and "Zoë Müller" in texts[1] and "김민준" in texts[2]
    assert "王芳" not in texts[1] and all(certificate.serial in t for t in texts)
    assert "CJK" in pdf_fonts(tmp_path, pdfs[2])
    # A template without <body>, or one whose certificate takes two pages, renders alone.
    bare = ["<p>one</p>", "<p>two</p>"]
    assert [pdf_text(tmp_path, p).strip() for p in render_chunk(bare)] == ["one", "two"]
    long = ['<html><body><p style="break-after: page">a</p><p>b</p></body></html>'] * 2
    assert len(render_chunk(long)) == 2
