"""Moodle's text formats, read into what the bank stores.

Moodle marks every piece of text with a format: `html`, `moodle` (its "auto-format", the
default when a GIFT text has no `[format]` prefix: HTML allowed, line breaks kept, nothing
else interpreted, so `2*3*4` stays as written), `plain` (shown exactly as written) and
`markdown`. The bank keeps two kinds of field:

- rich fields (question text, general feedback) hold Markdown, rendered through
  `lms.core.markdown` with the lesson allowlist. `rich()` turns any format into Markdown that
  renders as Moodle would show it: HTML is sanitised and kept as one raw HTML block, plain
  text is escaped only where Markdown would change it.
- plain fields (options, matching prompts and answers, per-answer feedback, short answers)
  hold the text a learner sees, shown escaped. `plain()` drops HTML tags (a line break where a
  paragraph or <br> ends) and decodes entities, so tags never show and short answers compare
  with what the learner types.
"""

import re

from lms.core.markdown import html_to_text, render_markdown, sanitise_html

FORMATS = ("moodle", "html", "plain", "markdown")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>|])")
_MARKDOWN_LINE_START = re.compile(r"^(\s*)([#>+\-=])")
_MARKDOWN_NUMBERED = re.compile(r"^(\s*\d+)([.)])")
_BLANK_LINES = re.compile(r"\n\s*\n")


def looks_like_html(text: str) -> bool:
    """Whether `text` has a tag or an entity (Moodle's auto-format then reads it as HTML)."""
    return bool(_TAG.search(text or ""))


def escape_markdown(text: str) -> str:
    """Plain text escaped so Markdown shows it as written: inline marks everywhere, list and
    heading marks at line starts; line breaks kept."""

    def escape_line(line: str) -> str:
        line = _MARKDOWN_INLINE.sub(r"\\\1", line)
        line = _MARKDOWN_NUMBERED.sub(r"\1\\\2", line)
        return _MARKDOWN_LINE_START.sub(r"\1\\\2", line)

    return "\n\n".join("  \n".join(escape_line(line) for line in part.split("\n"))
                       for part in re.split(r"\n\s*\n", text))


def plain_as_markdown(text: str) -> str:
    """Markdown showing `text` exactly: `text` itself when Markdown would not change it (so
    ordinary sentences stay readable in the editor), else escaped."""
    text = text.strip()
    escaped = escape_markdown(text)
    if escaped == text or render_markdown(text) == render_markdown(escaped):
        return text
    return escaped


def html_as_markdown(html: str) -> str:
    """Sanitised HTML kept as one raw block of Markdown, so Markdown leaves it alone: blank
    lines (which would end the block) folded, and wrapped in a <div>."""
    clean = _BLANK_LINES.sub("\n", sanitise_html(html).strip())
    if not clean:
        return ""
    return f"<div>{clean}</div>" if "\n" in clean or _needs_block(clean) else clean


def _needs_block(clean: str) -> bool:
    # HTML already rendered by Markdown exactly as given needs no wrapper.
    return render_markdown(clean).strip() not in (clean, f"<p>{clean}</p>")


def rich(text: str, fmt: str) -> str:
    """Text of a rich field (question text, general feedback) in Moodle format `fmt`, as the
    bank's Markdown."""
    text = (text or "").strip()
    if fmt == "markdown":
        return text
    if fmt == "html":
        return html_as_markdown(text)
    if fmt == "moodle" and looks_like_html(text):
        return html_as_markdown(text.replace("\n", "<br>\n"))
    return plain_as_markdown(text)


def plain(text: str, fmt: str) -> str:
    """Text of a plain field (an option, a prompt, per-answer feedback) in Moodle format
    `fmt`, as the text a learner sees."""
    text = (text or "").strip()
    if fmt == "html" or (fmt == "moodle" and looks_like_html(text)):
        return html_to_text(text.replace("\n", " ") if fmt == "html" else
                            text.replace("\n", "<br>"))
    if fmt == "markdown":
        return html_to_text(render_markdown(text))
    return text


def answer(text: str, fmt: str) -> str:
    """A short answer (compared with what a learner types): the text itself, as Moodle keeps
    it, except that HTML is read as the text it shows."""
    text = (text or "").strip()
    if fmt in ("html", "moodle") and looks_like_html(text):
        return html_to_text(text)
    return text


def markdown_is_plain(text: str) -> bool:
    """Whether Markdown shows `text` exactly as written (then it needs no format mark)."""
    return html_to_text(render_markdown(text)) == " ".join(text.split()) and "\n" not in text
