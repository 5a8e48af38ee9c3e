"""The fast certificate path (a stencil laid out once per design) looks like the full
WeasyPrint render: pixels compared with poppler for four scripts, fonts embedded and subset,
text extractable, the verification link clickable, a design change honoured."""

import subprocess

import pytest
from PIL import Image, ImageChops

from certificates.services import documents, stencils
from lms.core.stencil import Marked, mark_slots
from tests.certificates import test_documents
from tests.certificates.test_documents import pdf_fonts, pdf_links, pdf_text

certificate = test_documents.certificate  # the fixture: one certificate for 王芳

NAMES = {"latin": "Zoë Müller-Łukasiewicz", "chinese": "王芳", "arabic": "فاطمة الزهراء",
         "thai": "สมชาย ใจดี"}


def pixels(tmp_path, data: bytes, name: str) -> Image.Image:
    target = tmp_path / f"{name}.pdf"
    target.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(target),
                    str(tmp_path / name)], check=True)
    return Image.open(tmp_path / f"{name}.png").convert("L")


def fast_pdf(certificate, look) -> bytes:
    context = documents.certificate_context(certificate, look, qr=False)
    made = stencils.certificate_pdf(look.template or documents.DEFAULT_TEMPLATE, context,
                                    {"Author": look.organisation})
    assert made is not None, "the default design must have a stencil"
    return made


@pytest.mark.parametrize("script", list(NAMES))
def test_stencil_looks_like_the_full_render(db, certificate, tmp_path, script):
    certificate.holder_name = NAMES[script]
    look = documents.design(db.session)
    fast = fast_pdf(certificate, look)
    full = documents.full_certificate_pdf(certificate, look)
    a, b = pixels(tmp_path, fast, "fast"), pixels(tmp_path, full, "full")
    assert a.size == b.size
    difference = ImageChops.difference(a, b).histogram()
    # Anti-aliasing of the QR modules' edges differs a little (rectangles against the SVG's
    # strokes); no pixel differs by more than a quarter of the range.
    assert sum(difference[64:]) == 0, sum(difference[64:])
    fonts = pdf_fonts(tmp_path, fast).splitlines()[2:]
    assert fonts and all(" yes yes yes " in line for line in fonts), fonts
    assert NAMES[script].split()[0] in pdf_text(tmp_path, fast) or script == "arabic"
    db.session.rollback()


def test_stencil_pdf_is_small_with_link_and_metadata(db, certificate, tmp_path):
    look = documents.design(db.session)
    data = documents.certificate_pdf(db.session, certificate, look)
    assert len(data) <= 40 * 1024
    assert pdf_links(data) == [documents.verify_url(certificate)]
    assert b"/Author (Service Academy)" in data
    text = pdf_text(tmp_path, data)
    assert certificate.serial in text and "王芳" in text


def test_a_design_change_makes_a_new_stencil(db, certificate, tmp_path):
    documents.save_design(db.session, None, template=documents.DEFAULT_TEMPLATE.replace(
        "{{ labels.certificate }}</h1>", "{{ labels.certificate }} — Gold</h1>"),
        primary_colour="#aa0000", accent_colour="#00aa00", organisation="Service Academy",
        signatory_name="", signatory_title="")
    text = pdf_text(tmp_path, documents.certificate_pdf(db.session, certificate))
    assert "GOLD" in "".join(text.split())  # the heading prints spaced capitals


def test_a_flowing_design_falls_back_to_the_full_render(db, certificate, tmp_path):
    look = documents.design(db.session)
    look.template = "<p>Awarded to {{ holder_name }} on {{ issued_on }}.</p>"
    context = documents.certificate_context(certificate, look, qr=False)
    assert stencils.certificate_pdf(look.template, context, {}) is None
    assert "Awarded to" in pdf_text(tmp_path, documents.certificate_pdf(
        db.session, certificate, look))
    db.session.rollback()


def test_marks_become_spans_in_text_and_plain_text_in_attributes():
    link = Marked("u", "x").__html__()
    html = f"<title>{Marked('a', 'A&B').__html__()}</title><a href=\"{link}\">{link}</a>"
    assert mark_slots(html) == ('<title>A&amp;B</title><a href="x"><span data-slot="u">x</span>'
                                "</a>")
    assert mark_slots(f"<style>p {{ content: '{Marked('a', 'b').__html__()}' }}</style>") is None


@pytest.mark.parametrize("addition", [
    "{{ holder_name|upper }}", '<a href="mailto:hr@example.com?subject={{ holder_name }}">HR</a>',
    "{% for c in competencies if c.level >= c.required %}✓{% endfor %}"])
def test_a_design_that_uses_a_value_otherwise_gets_no_stencil(db, certificate, tmp_path,
                                                             addition):
    look = documents.design(db.session)
    look.template = documents.DEFAULT_TEMPLATE.replace(
        "<p>{{ organisation }}</p></div>", f"<p>{{{{ organisation }}}} {addition}</p></div>")
    context = documents.certificate_context(certificate, look, qr=False)
    assert stencils.certificate_pdf(look.template, context, {}) is None
    certificate.holder_name = "Zoë Müller"
    data = documents.certificate_pdf(db.session, certificate, look)
    assert "王芳" not in pdf_text(tmp_path, data)  # nobody else's name printed
    assert "王芳" not in " ".join(pdf_links(data))
    db.session.rollback()


def test_title_carries_this_certificates_values(db, certificate, tmp_path):
    from io import BytesIO

    from pypdf import PdfReader

    look = documents.design(db.session)
    documents.certificate_pdf(db.session, certificate, look)  # the stencil, for 王芳
    certificate.holder_name = "Zoë Müller"
    info = PdfReader(BytesIO(documents.certificate_pdf(db.session, certificate, look))).metadata
    assert info.title == f"Certificate {certificate.serial} — Zoë Müller"
    assert info.author == "Service Academy" and info.subject == "Path TESTPATH"
    db.session.rollback()
