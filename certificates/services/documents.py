"""Certificate documents: HTML first, then `lms.core.pdf.html_to_pdf` or the design's stencil.

The certificate template is admin-editable, so it renders in Jinja's SandboxedEnvironment with
autoescaping and plain values only (strings, numbers, lists of dicts): a template cannot reach
models, the config or Python internals, and a name with markup prints as text. Images (logo,
signature, the QR code) travel as data: URLs, the only resources the PDF renderer loads.
Colours are checked as #rrggbb before they reach the stylesheet.
"""

import base64
import re
from pathlib import Path

import filetype
from flask_babel import format_date
from flask_babel import gettext as _
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from certificates.models import Certificate, CertificateDesign
from certificates.services import stencils
from lms.core import clock, numbers
from lms.core.errors import DomainError
from lms.core.i18n import ZH, current_language
from lms.core.pdf import PDF_FONT_STACK, html_to_pdf
from lms.core.urls import public_url

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpeg"}
IMAGE_MAX_BYTES = 512 * 1024
TEMPLATE_MAX = 60_000
# The font stack goes into the stylesheet: a trusted constant, so not HTML-escaped.
FONT = Markup(PDF_FONT_STACK)

# The template a fresh installation starts from (admins restyle it on the design screen).
DEFAULT_TEMPLATE = ((Path(__file__).resolve().parents[1] / "certificate_template.html")
                    .read_text(encoding="utf-8"))


def design(session) -> CertificateDesign:
    """The certificate design (the default one, unsaved, until an admin saves theirs)."""
    found = session.get(CertificateDesign, 1)
    return found if found is not None else CertificateDesign(
        id=1, template=DEFAULT_TEMPLATE, primary_colour="#1f4e79", accent_colour="#c9a227",
        organisation="Service Academy", signatory_name="", signatory_title="", logo="",
        signature="", seal="")


def image_data_url(data: bytes) -> str:
    """An uploaded PNG or JPEG as a data: URL; refuses other content (checked by its bytes,
    not its name) and files over 512 KiB."""
    if not data:
        return ""
    if len(data) > IMAGE_MAX_BYTES:
        raise DomainError(_("Images may be at most 512 KiB."))
    kind = filetype.guess(data)
    if kind is None or kind.mime not in IMAGE_TYPES:
        raise DomainError(_("Upload a PNG or JPEG image."))
    return f"data:{kind.mime};base64,{base64.b64encode(data).decode()}"


_sandbox = SandboxedEnvironment(autoescape=True)


def check_template(source: str) -> str:
    """The template source if it compiles in the sandbox and renders a sample certificate;
    refuses syntax errors and templates that fail on the sample (naming the error)."""
    if not source.strip():
        raise DomainError(_("The template is empty."), "template")
    if len(source) > TEMPLATE_MAX:
        raise DomainError(_("At most %(n)d characters.", n=TEMPLATE_MAX), "template")
    try:
        _sandbox.from_string(source).render(sample_context())
    except TemplateError as error:
        raise DomainError(_("The template does not render: %(error)s", error=str(error)),
                          "template") from None
    return source


def save_design(session, actor, *, template: str, primary_colour: str, accent_colour: str,
                organisation: str, signatory_name: str, signatory_title: str,
                organisation_zh: str = "", signatory_title_zh: str = "",
                logo: bytes | None = None, signature: bytes | None = None,
                seal: bytes | None = None, remove_logo: bool = False,
                remove_signature: bool = False, remove_seal: bool = False
                ) -> CertificateDesign:
    """Save the certificate design (the organisation and the signatory's title also in
    Chinese); refuses colours other than #rrggbb, templates that do not render and images that
    are not PNG or JPEG."""
    from lms.core import audit
    from lms.core.validation import clean_text

    for value, field_name in ((primary_colour, "primary_colour"),
                              (accent_colour, "accent_colour")):
        if not COLOUR.match(value or ""):
            raise DomainError(_("Enter a colour as #rrggbb."), field_name)
    row = session.get(CertificateDesign, 1)
    if row is None:
        row = design(session)
        session.add(row)
    row.template = check_template(template)
    row.primary_colour, row.accent_colour = primary_colour, accent_colour
    row.organisation = clean_text(organisation, "organisation", 200)
    row.signatory_name = clean_text(signatory_name, "signatory_name", 200)
    row.signatory_title = clean_text(signatory_title, "signatory_title", 200)
    row.set_translation(ZH, "organisation", clean_text(organisation_zh, "organisation_zh", 200))
    row.set_translation(ZH, "signatory_title",
                        clean_text(signatory_title_zh, "signatory_title_zh", 200))
    if logo:
        row.logo = image_data_url(logo)
    elif remove_logo:
        row.logo = ""
    if signature:
        row.signature = image_data_url(signature)
    elif remove_signature:
        row.signature = ""
    if seal:
        row.seal = image_data_url(seal)
    elif remove_seal:
        row.seal = ""
    row.updated_at = clock.now()
    session.flush()
    audit.record(actor, "certificate.design", row)
    return row


def verify_url(certificate: Certificate) -> str:
    return public_url(f"/verify/{certificate.verify_code}")


def qr_data_url(text: str) -> str:
    """A QR code of `text` as an SVG data: URL (error correction M)."""
    return stencils.qr_code(text).svg_data_uri(scale=4, border=2)


def display_score(value) -> str:
    """A score for print in the one format ("86.7 %"; the rule compared the exact value)."""
    return numbers.display_percent(value, missing="")


def _labels() -> dict[str, str]:
    return {
        "certificate": _("Certificate"), "awarded_to": _("This certifies that"),
        "issued_on": _("Issued"), "valid_until": _("Valid until"), "serial": _("Serial"),
        "composite": _("Composite score"), "competency": _("Competency"),
        "level": _("Level"), "required": _("Required"),
        "verify": _("Check this certificate"), "revision": _("Revision"),
        "assessment": _("Assessment"), "score": _("Score"),
        "verify_at": _("Check that this certificate is genuine and still valid at"),
        "certified": _("Certified"),
    }


def _slot_labels(certificate: Certificate) -> dict[str, str]:
    snapshot = certificate.rules_version.snapshot if certificate.rules_version else {}
    slots = snapshot.get("slots", []) + snapshot.get("recert", {}).get("slots", [])
    chinese = current_language().startswith("zh")
    return {s["code"]: (s.get("label_zh") if chinese and s.get("label_zh") else s["label"])
            for s in slots}


def monogram(organisation: str) -> str:
    """The initials printed where no logo was uploaded: the first letters of the first two
    words ("Service Academy" → "SA"), or the first character of a name without spaces."""
    words = organisation.split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][:1].upper()
    return (words[0][:1] + words[1][:1]).upper()


def _look(look: CertificateDesign) -> dict:
    """The design's part of a certificate's context (texts in the reader's language)."""
    organisation = look.tr("organisation")
    return {"primary": look.primary_colour if COLOUR.match(look.primary_colour) else "#1f4e79",
            "accent": look.accent_colour if COLOUR.match(look.accent_colour) else "#c9a227",
            "organisation": organisation, "monogram": monogram(organisation),
            "signatory_name": look.signatory_name,
            "signatory_title": look.tr("signatory_title"),
            "logo": look.logo, "signature": look.signature, "seal": look.seal or ""}


def certificate_context(certificate: Certificate, look: CertificateDesign,
                        qr: bool = True) -> dict:
    """The plain values a certificate template sees (strings, numbers, lists of dicts);
    without the QR image when `qr` is false (the fast path draws it itself)."""
    chinese = current_language().startswith("zh")
    address = verify_url(certificate)
    labels = _slot_labels(certificate)
    return {
        "lang": "zh-Hans" if chinese else "en", "labels": _labels(), "font": FONT,
        **_look(look),
        "holder_name": certificate.holder_name,
        "path_name": (certificate.path_name_zh if chinese and certificate.path_name_zh
                      else certificate.path_name),
        "tier": certificate.path.code if certificate.path else "",
        "serial": certificate.serial, "revision": certificate.revision,
        "issued_on": format_date(certificate.issued_on, "long"),
        "expires_on": format_date(certificate.expires_on, "long"),
        "composite": display_score(certificate.composite),
        "components": [{"code": code, "label": labels.get(code, code),
                        "score": display_score(score)}
                       for code, score in (certificate.components or {}).items()
                       if score is not None],
        "competencies": [{"code": c["code"], "level": c["level"], "required": c["required"],
                          "name": (c.get("name_zh") if chinese and c.get("name_zh")
                                   else c["name"])}
                         for c in certificate.competencies or []],
        "verify_url": address, "qr": qr_data_url(address) if qr else "",
    }


def sample_context(look: CertificateDesign | None = None) -> dict:
    """A made-up certificate for checking and previewing a template (in `look`'s design, or
    a sample one)."""
    sample = CertificateDesign(primary_colour="#1f4e79", accent_colour="#c9a227",
                               organisation="Service Academy", signatory_name="Sophie Martin",
                               signatory_title="HR", logo="", signature="", seal="")
    return {
        "lang": "zh-Hans" if current_language().startswith("zh") else "en",
        "labels": _labels(), "font": FONT, **_look(look or sample),
        "holder_name": "王芳 Wang Fang",
        "path_name": "New hire — basic certification", "tier": "NEWHIRE",
        "serial": "NEWHIRE-2026-00001", "revision": 1, "issued_on": "2 March 2026",
        "expires_on": "2 March 2027", "composite": "", "components": [
            {"code": "EXAM", "label": "Closed-book exam", "score": "86.7"}],
        "competencies": [{"code": "PROD-LINES", "name": "Product lines", "level": 4,
                          "required": 3}],
        "verify_url": "https://lms.example/verify/sample", "qr": qr_data_url("sample"),
    }


def certificate_html(certificate: Certificate, look: CertificateDesign) -> str:
    """The certificate as HTML, from the admin's template in the sandbox."""
    return _sandbox.from_string(look.template or DEFAULT_TEMPLATE).render(
        certificate_context(certificate, look))


def certificate_pdf(session, certificate: Certificate,
                    look: CertificateDesign | None = None) -> bytes:
    """The certificate as an A4 landscape PDF (see `context_pdf`)."""
    look = look or design(session)
    return context_pdf(look.template or DEFAULT_TEMPLATE,
                       certificate_context(certificate, look, qr=False), metadata(look))


def metadata(look: CertificateDesign) -> dict[str, str]:
    """The PDF's document information: the organisation is its author (the title and
    subject come from the certificate)."""
    return {"Author": look.organisation, "Creator": look.organisation}


def context_pdf(template: str, context: dict, info: dict[str, str]) -> bytes:
    """A certificate PDF from its template and context (without the QR image): through the
    design's stencil (`certificates.services.stencils`), or rendered whole by WeasyPrint when the
    design has none or a value does not fit its place. Plain values only, so batches send
    them to other processes."""
    fast = stencils.certificate_pdf(template, context, {**info, "Subject": context["path_name"]})
    if fast is not None:
        return fast
    return html_to_pdf(_sandbox.from_string(template).render(
        {**context, "qr": qr_data_url(context["verify_url"])}))


def full_certificate_pdf(certificate: Certificate, look: CertificateDesign) -> bytes:
    """The certificate rendered whole by WeasyPrint (what the stencil must look like)."""
    return html_to_pdf(certificate_html(certificate, look))
