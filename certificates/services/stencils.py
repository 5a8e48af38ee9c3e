"""Certificates through a stencil (`lms.core.stencil`): the design laid out once per design ×
language × path (and whatever else prints the same on every certificate of it), each
certificate only its own values.

Which values are a certificate's own: the holder's name, serial, dates, composite and
assessment scores, competency levels, the verification address and its QR code. Everything
else in the template's context (labels, path and competency names, required levels, the
design) is part of the stencil's key, so a design, path, rules or language change makes a new
stencil on the next certificate; stencils are kept per process, the most recent STENCILS.
"""

import hashlib
import json
import re
import threading
from collections import OrderedDict
from html import unescape

import segno
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from lms.core.pdf import check_drawable, data_only_fetcher, missing_glyphs

# lms.core.stencil and lms.core.subsets stand on WeasyPrint, which is imported where a PDF is
# made, not when the app starts (see lms.core.pdf): the functions below import them.

STENCILS = 32
# Per thread: a stencil holds WeasyPrint boxes and fonts of its thread's FontConfiguration.
_local = threading.local()
_sandbox = SandboxedEnvironment(autoescape=True)
_UNSUPPORTED = "unsupported"


def own_values(context: dict) -> dict[str, str]:
    """The values that differ from one certificate to the next, by slot name."""
    values = {name: str(context[name]) for name in (
        "holder_name", "serial", "issued_on", "expires_on", "composite", "verify_url")}
    for n, component in enumerate(context["components"]):
        values[f"components.{n}.score"] = str(component["score"])
    for n, competency in enumerate(context["competencies"]):
        values[f"competencies.{n}.level"] = str(competency["level"])
    return values


def _marked(context: dict, values: dict[str, str], qr) -> dict:
    """The context with its own values marked (empty ones stay empty: the template may test
    them) and the QR code as an image."""
    from lms.core.stencil import Marked  # lazily: see the imports

    marked = dict(context)
    for name in ("holder_name", "serial", "issued_on", "expires_on", "composite",
                 "verify_url"):
        marked[name] = Marked(name, values[name]) if values[name] else ""
    marked["components"] = [
        {**c, "score": Marked(f"components.{n}.score", values[f"components.{n}.score"])
         if values[f"components.{n}.score"] else ""}
        for n, c in enumerate(context["components"])]
    marked["competencies"] = [
        {**c, "level": Marked(f"competencies.{n}.level", values[f"competencies.{n}.level"])}
        for n, c in enumerate(context["competencies"])]
    marked["qr"] = _qr_src(qr)
    return marked


def qr_code(text: str):
    """The verification QR code of `text` (error correction M, never a Micro QR code, which
    phone cameras do not read). The mask is fixed: choosing the best of eight costs six times
    the rest of the encoding (7 ms against 1 ms), and any mask reads; the full render draws
    the same code, so both paths print the same modules."""
    return segno.make(text, error="m", mask=QR_MASK, micro=False)


QR_MASK = 4


def _key(template: str, context: dict, values: dict[str, str], qr) -> str:
    """What prints the same on every certificate of a stencil: the template, the design,
    the labels and names, which own values are empty, and the QR code's size."""
    shared = {name: value for name, value in context.items()
              if name not in values and name not in ("components", "competencies", "qr")}
    shared["components"] = [{k: v for k, v in c.items() if k != "score"}
                            for c in context["components"]]
    shared["competencies"] = [{k: v for k, v in c.items() if k != "level"}
                              for c in context["competencies"]]
    shared["empty"] = sorted(name for name, value in values.items() if not value)
    shared["qr"] = qr.symbol_size(border=0)
    text = json.dumps([template, shared], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


PROBE = "\ue003{}\ue004"  # private-use characters: no template prints them by itself
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)
_HREF = re.compile(r"""href\s*=\s*["']?([^"'\s>]*)""", re.I)
LINKED = ("verify_url",)  # the one value a link's address may hold


def _build(template: str, context: dict, values: dict[str, str], qr):
    """The stencil of this design with `values` in place, or None when the design cannot be
    one. The template renders twice, with the values and with probes: when the two differ
    anywhere but where the values print (a filter, a test or a slice of a value), or a link's
    address holds a value other than the verification address, a stencil would print one
    certificate's value on the others, so there is none."""
    from lms.core.stencil import Stencil, mark_slots  # lazily: see the imports
    from lms.core.subsets import UnsupportedFont

    render = _sandbox.from_string(template).render
    probes = {slot: PROBE.format(n) for n, slot in enumerate(values) if values[slot]}
    try:
        html = mark_slots(render(_marked(context, values, qr)))
        probed = mark_slots(render(_marked(context, {s: probes.get(s, "") for s in values},
                                           qr)))
    except (TemplateError, TypeError, ValueError, AttributeError, KeyError):
        return None  # the template computes with a value (a comparison, arithmetic)
    if html is None or probed is None:
        return None
    restored = probed
    for slot, probe in probes.items():
        restored = restored.replace(probe, str(escape(values[slot])))
    if restored != html or any(probe in href for href in _HREF.findall(probed)
                               for slot, probe in probes.items() if slot not in LINKED):
        return None
    check_drawable(html)
    try:
        stencil = Stencil.build(html, {n: v for n, v in values.items() if v},
                                {"qr": _qr_src(qr)},
                                data_only_fetcher(), LINKED)
    except UnsupportedFont:  # the design's own text needs WeasyPrint
        return None
    if stencil is not None:
        title = _TITLE.search(probed)
        stencil.title = " ".join(unescape(title.group(1)).split()) if title else ""
        stencil.probes = probes
    return stencil


def _qr_src(qr) -> str:
    return qr.svg_data_uri(scale=4, border=2)


def certificate_pdf(template: str, context: dict, metadata: dict[str, str]) -> bytes | None:
    """The certificate from its design's stencil, or None when the design has none, or a
    value does not fit its place or needs a font the stencil leaves to WeasyPrint (render it
    whole then). Refuses text no font draws (MissingGlyphs), like `html_to_pdf`."""
    from lms.core.subsets import UnsupportedFont  # lazily: see the imports

    try:
        return _certificate_pdf(template, context, metadata)
    except UnsupportedFont:
        return None


def _certificate_pdf(template: str, context: dict, metadata: dict[str, str]) -> bytes | None:
    values = own_values(context)
    missing = missing_glyphs(" ".join(values.values()))
    if missing is not None:
        raise missing
    qr = qr_code(values["verify_url"])
    key = _key(template, context, values, qr)
    variants = _cache().get(key)
    if variants is not None:
        _cache().move_to_end(key)
    if variants == _UNSUPPORTED:
        return None
    if not variants:
        first = _build(template, context, values, qr)
        if first is None:
            _remember(key, _UNSUPPORTED)
            return None
        first.fonts_key = first.fonts_key_of(first.layouts(first.values))
        variants = _remember(key, [first])
    laid = variants[0].layouts(values)
    if laid is None:
        return None
    fonts_key = variants[0].fonts_key_of(laid)
    stencil = next((v for v in variants if v.fonts_key == fonts_key), None)
    if stencil is None:
        stencil = _build(template, context, values, qr)
        if stencil is None:
            return None
        stencil.fonts_key = fonts_key
        variants.append(stencil)
    title = stencil.title
    for slot, probe in stencil.probes.items():
        title = title.replace(probe, values[slot])
    return stencil.fill(values, laid, {"qr": qr.matrix},
                        {**metadata, "Title": title}, {"verify_url": values["verify_url"]})


def _cache() -> OrderedDict:
    """This thread's stencils, emptied when its FontConfiguration is renewed (fonts changed)."""
    from lms.core.subsets import font_config  # lazily: see the imports

    config = font_config()
    if getattr(_local, "config", None) is not config:
        _local.stencils = OrderedDict()
        _local.config = config
    return _local.stencils


def _remember(key: str, value):
    stencils = _cache()
    stencils[key] = value
    while len(stencils) > STENCILS:
        stencils.popitem(last=False)
    return value


def forget() -> None:
    """Drop this thread's stencils (tests; a design change needs nothing: it changes the
    key)."""
    _cache().clear()
