"""Lesson Markdown → sanitised HTML.

markdown-it renders CommonMark (raw HTML allowed, since authors paste tables and <details>);
nh3 (the ammonia sanitiser) then removes scripts, event handlers, style and unsafe URL
schemes, and adds rel="noopener noreferrer" to every link.
"""

import re
from html import unescape

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_renderer = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")

ALLOWED_TAGS = nh3.ALLOWED_TAGS - {"map", "area"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "code": {"class"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> Markup:
    """Safe HTML for a lesson body: nothing in `text` can run script in the reader's page."""
    clean = sanitise_html(_renderer.render(text or ""))
    return Markup(clean)  # noqa: S704 — sanitised by nh3 just above


def sanitise_html(html: str) -> str:
    """HTML cut down to what lesson bodies allow (the same tags, attributes and URL schemes):
    nothing in it can run script; text is kept."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr|/pre|/blockquote)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")


def html_to_text(html: str) -> str:
    """The text a reader sees in `html`: tags dropped (a line break where a <br> or a block
    ends), entities decoded, runs of spaces folded, lines trimmed."""
    text = _BREAKS.sub("\n", sanitise_html(html))
    text = unescape(_TAG.sub("", text)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
