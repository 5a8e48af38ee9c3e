"""Question bank files in any format: which reader a file needs (by its content), and the
one entry point the CLI and the import page call."""

import re

from flask_babel import gettext as _

from assessments.quiz.models import QuestionCategory
from assessments.quiz.services import aiken, gift, moodlexml
from assessments.quiz.services.bank import ImportResult
from lms.core.errors import DomainError

FORMATS = ("gift", "aiken", "moodle-xml")
EXTENSIONS = {"gift": "gift.txt", "aiken": "aiken.txt", "moodle-xml": "xml"}
_AIKEN_ANSWER = re.compile(r"^\s*ANSWER\s*:", re.MULTILINE | re.IGNORECASE)
_AIKEN_OPTION = re.compile(r"^\s*[A-Z][.)]", re.MULTILINE)


def detect_format(text: str) -> str:
    """"moodle-xml" for XML, "aiken" for lettered options and ANSWER: lines without GIFT's
    braces, else "gift"."""
    if moodlexml.looks_like_moodle_xml(text):
        return "moodle-xml"
    if "{" not in text and _AIKEN_ANSWER.search(text) and _AIKEN_OPTION.search(text):
        return "aiken"
    return "gift"


def import_bank_file(session, actor, text: str, fmt: str | None,
                     target: QuestionCategory | None, on_error: str = "stop",
                     storage_dir: str | None = None) -> tuple[str, ImportResult]:
    """Import a question bank file in `fmt` (None: detected from the content); returns the
    format read and the result. Aiken needs a target category (it has none of its own)."""
    fmt = fmt or detect_format(text)
    if fmt not in FORMATS:
        raise DomainError(_("Choose GIFT, Aiken or Moodle XML."), "file_format")
    if fmt == "moodle-xml":
        return fmt, moodlexml.import_moodle_xml(session, actor, text, target, on_error,
                                                storage_dir)
    if fmt == "aiken":
        if target is None:
            raise DomainError(_("Choose the category the questions go to."), "category_id")
        return fmt, aiken.import_aiken(session, actor, text, target, on_error)
    return fmt, gift.import_gift(session, actor, text, target, on_error)


def export_bank(session, category: QuestionCategory, fmt: str,
                storage_dir: str | None = None) -> tuple[str, int]:
    """The category (with its subcategories, except in Aiken) in `fmt`, and how many
    questions the format could not carry."""
    if fmt == "moodle-xml":
        return moodlexml.export_moodle_xml(session, category, storage_dir), 0
    if fmt == "aiken":
        return aiken.export_aiken(session, category)
    return gift.export_gift(session, category), 0
