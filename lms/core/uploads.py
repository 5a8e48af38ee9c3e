"""Everything that arrives as an uploaded file, for every package: one place for the rules.

**Stored files** (lesson and scenario attachments, role-play recordings): kept in one
directory outside the web root (config STORAGE_DIR, which may be a mounted volume shared by
every worker and host), each under the SHA-256 of its content. Identical uploads share one
file; a file is written to a temporary name first and renamed into place, so a reader never
sees half a file. `store_upload` cleans the name, refuses a type the place does not take
(`FileRules`), sniffs the content from the bytes (never from what the browser claims) and
refuses a file over the limit; `send_stored` serves one back with the type checked at upload.

**Text and CSV files** (onboarding, rubrics, GIFT and Aiken question banks, course
manifests): the same limits, checked before any parsing, and the same errors, each with the
line a person has to fix; the readers raise nothing but a DomainError (UploadProblem).

Limits: the whole file (the caller's `max_bytes`), a line (`LINE_MAX_CHARS`) and a CSV field
(`FIELD_MAX_CHARS`). Every value the application keeps from an import is far shorter (names
200 characters, descriptors and question texts a few thousand), so the limits only stop
files that would make the parsers fail or crawl.
"""

import csv
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Literal

import filetype
from flask import abort, send_file
from flask_babel import gettext as _

from lms.core.errors import DomainError

LINE_MAX_CHARS = 64_000
FIELD_MAX_CHARS = 20_000
CHUNK = 64 * 1024
HEAD = 8192  # what content sniffing (filetype) looks at
SHA256 = re.compile(r"^[0-9a-f]{64}$")
FILENAME_MAX = 255


# The store: content-addressed files


class TooLarge(Exception):
    """The stream is longer than the limit it was stored with."""


@dataclass
class StoredFile:
    sha256: str
    size: int
    head: bytes  # the first bytes, for content sniffing


def path_for(storage_dir: str, sha256: str) -> Path:
    """Where the file with this digest lives (two-character fan-out keeps folders small)."""
    if not SHA256.match(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return Path(storage_dir) / sha256[:2] / sha256


def store(storage_dir: str, stream: BinaryIO, max_bytes: int,
          check_head=None) -> StoredFile:
    """Copy `stream` into storage and return its digest and size. Raises TooLarge beyond
    `max_bytes`; `check_head(head: bytes)` may raise to refuse the content before anything is
    kept. Nothing is left behind when either refuses."""
    root = Path(storage_dir)
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, temp_name = tempfile.mkstemp(dir=root / "tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge
                if len(head) < HEAD:
                    head += chunk[:HEAD - len(head)]
                    if check_head is not None and len(head) >= HEAD:
                        check_head(head)
                        check_head = None
                digest.update(chunk)
                out.write(chunk)
        if check_head is not None:
            check_head(head)
        final = path_for(storage_dir, digest.hexdigest())
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp_name, final)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return StoredFile(sha256=digest.hexdigest(), size=size, head=head)


# Uploaded files: which types a place takes, checked by name and by content


@dataclass(frozen=True)
class FileRules:
    """What one place accepts: extension → (the type it is served as, the kinds content
    sniffing may find); `allowed` lists them for people; errors belong to form field
    `field`; `what` picks the wording ("file" or "recording"); names are cut to `name_max`
    characters (the column's length)."""

    types: Mapping[str, tuple[str, frozenset[str]]]
    allowed: str
    field: str = "file"
    what: Literal["file", "recording"] = "file"
    name_max: int = FILENAME_MAX


# Lesson and scenario attachments: documents, images and media.
ATTACHMENTS = FileRules(types={
    "pdf": ("application/pdf", frozenset({"pdf"})),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             frozenset({"pptx"})),
    "png": ("image/png", frozenset({"png", "apng"})),
    "jpg": ("image/jpeg", frozenset({"jpg"})),
    "jpeg": ("image/jpeg", frozenset({"jpg"})),
    "gif": ("image/gif", frozenset({"gif"})),
    "webp": ("image/webp", frozenset({"webp"})),
    "mp3": ("audio/mpeg", frozenset({"mp3"})),
    # An .m4a is an MP4 container; some encoders label it with the generic MP4 brands.
    "m4a": ("audio/mp4", frozenset({"m4a", "mp4"})),
    "mp4": ("video/mp4", frozenset({"mp4"})),
    "webm": ("video/webm", frozenset({"webm"})),
    "ogg": ("audio/ogg", frozenset({"ogg"})),
    # Captions for a recording (see TEXT_SIGNATURES: text has no magic number for filetype).
    "vtt": ("text/vtt", frozenset({"vtt"})),
}, allowed="PDF, PPTX, PNG, JPEG, GIF, WEBP, MP3, M4A, MP4, WEBM, OGG, VTT")
# Text formats are recognised by how they must begin (after an optional UTF-8 BOM).
TEXT_SIGNATURES = {"vtt": b"WEBVTT"}
# Shown inline (embeddable in lessons); everything else is served as a download.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass(frozen=True)
class Upload:
    """A file kept in storage: its cleaned name, digest, checked type and size."""

    filename: str
    sha256: str
    content_type: str
    size: int


def clean_filename(filename: str, name_max: int = FILENAME_MAX) -> str:
    """The last part of an uploaded name without unprintable characters, cut to `name_max`
    characters keeping its extension."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) > name_max:
        stem, dot, ext = name.rpartition(".")
        name = stem[:name_max - len(ext) - 1] + dot + ext if dot else name[:name_max]
    return name


def extension(filename: str, rules: FileRules) -> str:
    """The extension of `filename`, lower-cased, when `rules` take it; refuses every other."""
    found = filename.rpartition(".")[2].lower() if "." in filename else ""
    if found not in rules.types:
        if rules.what == "recording":
            message = _("Upload an audio or video recording (%(types)s).", types=rules.allowed)
        else:
            message = _("Files of this type cannot be attached. Allowed types: %(types)s.",
                        types=rules.allowed)
        raise DomainError(message, rules.field)
    return found


def content_type(filename: str, head: bytes, rules: FileRules) -> str:
    """The type to store for an upload named `filename` starting with `head`. Refuses an
    empty file, an extension `rules` do not take, and content that is not what the
    extension says."""
    named = extension(filename, rules)
    if not head:
        raise DomainError(_("%(name)s is empty.", name=filename), rules.field)
    served, accepted = rules.types[named]
    signature = TEXT_SIGNATURES.get(named)
    if signature is not None:
        if not head.removeprefix(b"\xef\xbb\xbf").startswith(signature):
            raise DomainError(_("%(name)s is not a %(expected)s file: it must begin with "
                                "“%(signature)s”.", name=filename, expected=named.upper(),
                                signature=signature.decode()), rules.field)
        return served
    kind = filetype.guess(head)
    if kind is None or kind.extension not in accepted:
        actual = kind.extension.upper() if kind is not None else _("unrecognised data")
        if rules.what == "recording":
            message = _("%(name)s is named as a %(expected)s file, but its content is "
                        "%(actual)s. Upload the original recording.", name=filename,
                        expected=named.upper(), actual=actual)
        else:
            message = _("%(name)s is named as a %(expected)s file, but its content is "
                        "%(actual)s. Upload the original file.", name=filename,
                        expected=named.upper(), actual=actual)
        raise DomainError(message, rules.field)
    return served


def store_upload(storage_dir: str, filename: str, stream: BinaryIO, max_bytes: int,
                 rules: FileRules) -> Upload:
    """Keep an uploaded file in storage. Refuses a missing name, a type `rules` do not take
    (before anything is read), an empty file, content that does not match the name and a
    file over `max_bytes`; nothing is kept when it refuses."""
    name = clean_filename(filename, rules.name_max)
    if not name:
        raise DomainError(_("Choose a recording to upload.") if rules.what == "recording"
                          else _("Choose a file to upload."), rules.field)
    extension(name, rules)
    found: dict[str, str] = {}

    def check(head: bytes) -> None:
        found["type"] = content_type(name, head, rules)

    try:
        stored = store(storage_dir, stream, max_bytes, check_head=check)
    except TooLarge:
        raise DomainError(_("%(name)s is larger than the %(limit)s MB allowed.", name=name,
                            limit=f"{max_bytes / 1024 / 1024:g}"), rules.field) from None
    return Upload(name, stored.sha256, found["type"], stored.size)


def send_stored(storage_dir: str, sha256: str, content_type: str, filename: str,
                inline: bool):
    """The response serving a stored file as the type checked at upload (never sniffed by
    the browser), inline or as a download, with range requests; 404 when it is missing."""
    path = path_for(storage_dir, sha256)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=content_type, as_attachment=not inline,
                         download_name=filename, conditional=True, etag=sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# Text and CSV files


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
