"""PDFs are HTML first: render a Jinja template to HTML, then WeasyPrint turns it into a PDF.

Every package that prints (certificates, transcripts, 360 reports, review packs) goes through
`html_to_pdf` (certificates through a stencil first: `lms.core.stencil`), so one place
decides three things for every document:

- what it may load: only `data:` URLs (images, QR codes and charts are embedded by the
  caller). `file:` and network URLs are refused, so an admin-edited template or a name with
  markup cannot read the server's files or call out;
- that every character of its text can be drawn: a name in a script no installed font covers
  would print as empty boxes in a document that looks genuine, so the document is refused
  with `MissingGlyphs` instead (see `lms.core.fonts`). The text checked is what the page shows,
  including CSS generated content and the text of embedded SVG charts;
- that its fonts are compact: subsets of just the glyphs shown (`lms.core.subsets`), laid
  out with one FontConfiguration per worker thread.

Fonts come from fontconfig: `PDF_FONT_STACK` puts Noto Sans first (Latin, Greek, Cyrillic, so
a Latin-only page carries no CJK font), then Noto Sans CJK SC (Debian's fonts-noto-cjk) and
Thai, Devanagari, Arabic and Hebrew (fonts-noto-core), the scripts of the demo's names.
"""

import base64
import binascii
import re
from functools import cache
from html.parser import HTMLParser
from urllib.parse import unquote

from flask_babel import gettext as _

from lms.core import fonts
from lms.core.errors import DomainError
from lms.core.fonts import PDF_FONT_STACK

__all__ = ["PDF_FONT_STACK", "MissingGlyphs", "check_drawable", "data_only_fetcher",
           "document_text", "html_to_pdf", "missing_glyphs"]

SVG_DATA = "data:image/svg+xml"
_SHOWN_NOTHING = {"style", "script", "title", "template"}
_CSS_CONTENT = re.compile(r"""content\s*:[^;}]*?(["'])(.*?)(?<!\\)\1""", re.S)


class RefusedResource(ValueError):
    """A document asked for a resource other than a data: URL."""


class MissingGlyphs(DomainError):
    """The document's text has characters no installed font can draw; it was not made.
    `text` is the word they are in, `script` the writing system (None when it is not one
    the PDF font stack lists) and `chars` the characters themselves."""

    def __init__(self, text: str, script: fonts.Script | None, chars: list[str]):
        self.text = text
        self.script = script
        self.chars = chars
        super().__init__(self.describe())

    def __reduce__(self):  # crosses process boundaries (batch rendering pools)
        return type(self), (self.text, self.script, self.chars)

    def describe(self) -> str:
        """The message in the active language (callers switch it for each reader)."""
        if self.script is not None:
            return _("“%(text)s” needs a font for %(script)s (%(font)s) that is not installed "
                     "on the server, so the document was not made; tell your administrator.",
                     text=self.text, script=self.script.label, font=self.script.font)
        return _("“%(text)s” has characters (%(codes)s) that no font installed on the server "
                 "can draw, so the document was not made; tell your administrator.",
                 text=self.text, codes=codepoints(self.chars))


def codepoints(chars: list[str]) -> str:
    return " ".join(f"U+{ord(c):04X}" for c in chars[:8])


class _TextCollector(HTMLParser):
    """The text a browser would show: text nodes, the strings of CSS `content:` rules (an
    admin's certificate template may print words that way), and the text of SVG images
    embedded as data: URLs."""

    def __init__(self, depth: int = 0):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden: list[str] = []
        self._depth = depth

    def handle_starttag(self, tag, attrs):
        if tag in _SHOWN_NOTHING:
            self._hidden.append(tag)
        for name, value in attrs:
            if name == "style" and value:
                self.parts.extend(_css_strings(value))
            elif (name in ("src", "href", "data", "xlink:href") and value
                    and value.startswith(SVG_DATA) and self._depth < 2):
                self.parts.append(_svg_text(value, self._depth + 1))

    def handle_endtag(self, tag):
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)
        elif self._hidden[-1] == "style":
            self.parts.extend(_css_strings(data))


def _css_strings(css: str) -> list[str]:
    """The quoted strings of `content:` declarations (generated text)."""
    return [match.group(2) for match in _CSS_CONTENT.finditer(css)]


def _svg_text(url: str, depth: int) -> str:
    header, _comma, payload = url.partition(",")
    try:
        svg = (base64.b64decode(payload).decode("utf-8", "replace")
               if header.endswith(";base64") else unquote(payload))
    except (binascii.Error, ValueError):
        return ""  # WeasyPrint cannot show it either
    collector = _TextCollector(depth)
    collector.feed(svg)
    collector.close()
    return " ".join(collector.parts)


def document_text(html: str) -> str:
    """The text a document shows (not its styles, scripts or title), SVG images included."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return " ".join(collector.parts)


def check_drawable(html: str) -> None:
    """Raise MissingGlyphs when the document shows a character no installed font draws."""
    missing = missing_glyphs(document_text(html))
    if missing is not None:
        raise missing


def missing_glyphs(text: str) -> MissingGlyphs | None:
    """The error for text with characters no installed font draws, None when all print."""
    missing = fonts.coverage().missing(text)
    if not missing:
        return None
    first = missing[0]
    word = next((w for w in text.split() if first in w), first)
    script = fonts.script_of(first)
    chars = [c for c in missing if fonts.script_of(c) is script]
    return MissingGlyphs(word if len(word) <= 40 else word[:39] + "…", script, chars)


# WeasyPrint (and the font machinery of lms.core.subsets under it) is imported where a PDF
# is made, not when the app starts: it is about 30 MB of a process's memory, and most
# processes (CLI exports, API workers) never print.


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher  # lazily: see above

    class DataOnlyFetcher(URLFetcher):
        """Fetches data: URLs only; WeasyPrint skips (and logs) anything else."""

        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                raise RefusedResource(f"PDF resources must be data: URLs, not {url[:60]!r}")
            return super().fetch(url, headers)

    return DataOnlyFetcher


def data_only_fetcher():
    """A WeasyPrint URL fetcher that fetches data: URLs and refuses every other URL."""
    return _fetcher_class()(allowed_protocols=("data",))


def html_to_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document; external resources are refused, and so is a
    document with text no installed font can draw (MissingGlyphs; see the module)."""
    from weasyprint import HTML  # lazily: see above

    from lms.core.subsets import compact_fonts, font_config

    check_drawable(html)
    return HTML(string=html, base_url="about:blank",
                url_fetcher=data_only_fetcher()).write_pdf(
                    font_config=font_config(), finisher=compact_fonts)
