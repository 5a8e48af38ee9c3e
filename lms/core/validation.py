"""Checks shared by the services that take admin-typed codes and texts."""

import re

from flask_babel import gettext as _

from lms.core.errors import DomainError

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
CODE_MAX = 40


def clean_code(code: str, example: str) -> str:
    """A stripped code of letters, digits, hyphens and underscores; refuses anything else,
    naming `example` as a model in the message."""
    code = (code or "").strip()
    if not code:
        raise DomainError(_("Code is required."), "code")
    if len(code) > CODE_MAX or not CODE_PATTERN.match(code):
        raise DomainError(
            _("Codes use letters, digits, hyphens and underscores (at most %(n)d characters), "
              "for example %(example)s.", n=CODE_MAX, example=example), "code")
    return code


def clean_text(text: str | None, field: str, max_length: int, required: bool = False) -> str:
    """Stripped text; refuses an empty required field or more than `max_length` characters."""
    text = (text or "").strip()
    if required and not text:
        raise DomainError(_("This field is required."), field)
    if len(text) > max_length:
        raise DomainError(_("At most %(n)d characters.", n=max_length), field)
    return text
