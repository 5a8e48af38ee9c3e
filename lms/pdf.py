"""PDFs are HTML first: render a Jinja template to HTML, then WeasyPrint turns it into a PDF.

Every package that prints (certificates, transcripts, 360 reports, review packs) goes through
`html_to_pdf`, so one fetcher decides what a document may load: only `data:` URLs (images,
QR codes and charts are embedded by the caller). `file:` and network URLs are refused, so an
admin-edited template or a name with markup cannot read the server's files or call out.
Fonts come from fontconfig: `PDF_FONT_STACK` covers Latin and CJK (Debian's fonts-noto-cjk) and
Thai, Devanagari, Arabic and Hebrew (fonts-noto-core), the scripts of the demo's names.
"""

from weasyprint import HTML
from weasyprint.urls import URLFetcher

# Noto CJK carries Latin, Greek and Cyrillic too; the script fonts cover what it lacks.
PDF_FONT_STACK = ('"Noto Sans CJK SC", "Noto Sans SC", "Noto Sans", "Noto Sans Thai", '
                  '"Noto Sans Devanagari", "Noto Sans Arabic", "Noto Sans Hebrew", '
                  '"DejaVu Sans", sans-serif')


class RefusedResource(ValueError):
    """A document asked for a resource other than a data: URL."""


class DataOnlyFetcher(URLFetcher):
    """Fetches data: URLs only; WeasyPrint skips (and logs) anything else."""

    def fetch(self, url, headers=None):
        if not url.startswith("data:"):
            raise RefusedResource(f"PDF resources must be data: URLs, not {url[:60]!r}")
        return super().fetch(url, headers)


def html_to_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document; external resources are refused (see module)."""
    return HTML(string=html, base_url="about:blank",
                url_fetcher=DataOnlyFetcher(allowed_protocols=("data",))).write_pdf()
