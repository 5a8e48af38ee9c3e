"""Marking a template's variable values: `Marked` values print as private-use sentinels
around their escaped text, and `mark_slots` turns them into `<span data-slot>` where they are
text, plain text where they are an attribute or the title."""

import re

from markupsafe import escape

OPEN, MID, CLOSE = "\ue000", "\ue001", "\ue002"
_SENTINEL = re.compile(f"{OPEN}([^{MID}]*){MID}([^{CLOSE}]*){CLOSE}")
_RAW_TEXT = ("style", "script", "title", "textarea")


class Marked(str):
    """A variable value of a stencil render: prints as itself, marked for `mark_slots`."""

    slot: str

    def __new__(cls, slot: str, text: str):
        value = super().__new__(cls, text)
        value.slot = slot
        return value

    def __html__(self) -> str:
        return f"{OPEN}{self.slot}{MID}{escape(str(self))}{CLOSE}"


def mark_slots(html: str) -> str | None:
    """The rendered HTML with marked values as `<span data-slot=…>` in text and plain text in
    attributes and the title; None when a value landed in a stylesheet, a style attribute or
    a script (it would print, or act, the same on every page)."""
    lower = html.lower()
    out, last = [], 0
    for match in _SENTINEL.finditer(html):
        before = lower[:match.start()]
        raw = [tag for tag in _RAW_TEXT if before.rfind("<" + tag) > before.rfind("</" + tag)]
        in_tag = before.rfind("<") > before.rfind(">")
        if any(tag in ("style", "script") for tag in raw) \
                or in_tag and "style=" in before[before.rfind("<"):]:
            return None
        out.append(html[last:match.start()])
        out.append(match.group(2) if raw or in_tag
                   else f'<span data-slot="{match.group(1)}">{match.group(2)}</span>')
        last = match.end()
    out.append(html[last:])
    return "".join(out)
