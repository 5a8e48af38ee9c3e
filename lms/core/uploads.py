"""Reading uploaded text and CSV files (onboarding, rubrics, GIFT and Aiken question banks,
course manifests): the same limits, checked before any parsing, and the same errors, each
with the line a person has to fix. Nothing here ever raises anything but a DomainError.

Limits: the whole file (the caller's `max_bytes`), a line (`LINE_MAX_CHARS`) and a CSV field
(`FIELD_MAX_CHARS`). Every value the application keeps from an import is far shorter (names
200 characters, descriptors and question texts a few thousand), so the limits only stop
files that would make the parsers fail or crawl.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _

from lms.core.errors import DomainError

LINE_MAX_CHARS = 64_000
FIELD_MAX_CHARS = 20_000


class UploadProblem(DomainError):
    """A file refused before it was read: `line` is 1-based (0: the file as a whole)."""

    def __init__(self, line: int, message: str, field: str = "file"):
        text = _("Line %(line)d: %(message)s", line=line, message=message) if line else message
        super().__init__(text, field)
        self.line = line
        self.problem = message


def line_of(data: bytes | str, offset: int) -> int:
    """The 1-based line of the character or byte at `offset`."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, offset) + 1


def read_text(raw: bytes, max_bytes: int, *, utf16: bool = False, keep_bom: bool = False,
              max_line: int = LINE_MAX_CHARS) -> str:
    """The file as text: UTF-8 (a byte-order mark is dropped unless `keep_bom`; with `utf16`
    also UTF-16 with a BOM). Refuses a file over `max_bytes`, bytes that are not UTF-8 (with
    the line of the first bad one), a NUL character, and a line over `max_line` characters."""
    if len(raw) > max_bytes:
        raise UploadProblem(0, _("The file is larger than %(kb)d KB.", kb=max_bytes // 1024))
    text = None
    if utf16 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            text = None
    if text is None:
        try:
            text = raw.decode("utf-8" if keep_bom else "utf-8-sig")
        except UnicodeDecodeError as error:
            raise UploadProblem(line_of(raw, error.start), _(
                "This is not UTF-8 text (byte 0x%(byte)02x); save the file as UTF-8 and try "
                "again.", byte=raw[error.start])) from None
    if "\x00" in text:
        raise UploadProblem(line_of(text, text.index("\x00")),
                            _("The file contains a NUL character."))
    check_lines(text, max_line)
    return text


def check_lines(text: str, max_line: int = LINE_MAX_CHARS) -> None:
    """Refuse the first line longer than `max_line` characters, by its number."""
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > max_line:
            raise UploadProblem(number, _("The line is %(n)s characters long; at most "
                                          "%(max)s are allowed.",
                                          n=f"{len(line):,}", max=f"{max_line:,}"))


@dataclass
class CsvRecord:
    line: int
    values: dict  # lower-cased header → stripped text; extra fields under None


def csv_records(text: str, max_field: int = FIELD_MAX_CHARS
                ) -> tuple[list[str], Iterator[CsvRecord]]:
    """The header (trimmed, lower-cased) and the records of CSV text from `read_text`. The
    records raise UploadProblem, with the line, for a field over `max_field` characters
    (checked while the field is read, so the csv module's own limit is never reached) and for
    text the csv module cannot read."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as error:
        raise _csv_problem(error, 1, max_field) from None
    reader.fieldnames = header

    def records() -> Iterator[CsvRecord]:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                # A quoted field running over many lines, past the csv module's own limit.
                raise _csv_problem(error, reader.reader.line_num or 1, max_field) from None
            for value in row.values():
                texts = value if isinstance(value, list) else [value]
                if any(text is not None and len(text) > max_field for text in texts):
                    raise UploadProblem(reader.line_num, _(
                        "A field is longer than %(max)s characters.", max=f"{max_field:,}"))
            yield CsvRecord(reader.line_num, row)

    return header, records()


def _csv_problem(error: csv.Error, line: int, max_field: int) -> UploadProblem:
    if "field larger" in str(error):
        return UploadProblem(line, _("A field is longer than %(max)s characters.",
                                     max=f"{max_field:,}"))
    return UploadProblem(line, _("This line is not valid CSV (%(error)s).", error=str(error)))
