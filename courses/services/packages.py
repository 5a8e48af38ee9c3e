"""Packages that other rooms read, offered on the course import page: SCORM and xAPI.

Courses sit below assessments (DESIGN.md), so the import page cannot ask the SCORM package
itself. A room that reads a kind of package registers a reader here when it is imported; the
page detects a zip's kind by its content (course.yaml, or a reader's marker file such as
imsmanifest.xml or tincan.xml) and shows the reader's dry run before anything is kept.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PackageReport:
    """The dry run of a package: what importing it would keep."""

    kind: str  # "SCORM 1.2", "SCORM 2004", "xAPI"
    title: str
    launch: str
    files: int
    identifier: str = ""
    lesson_key: str | None = None
    course_title: str = ""  # the course whose lesson it becomes the content of
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class KeptPackage:
    message: str  # what the page says once it is kept
    url: str  # where the package is listed


@dataclass(frozen=True)
class PackageReader:
    """markers: file names at the top of the zip that say it is this reader's;
    plan(session, raw, lesson_key) -> PackageReport, refusing with DomainError;
    keep(session, actor, storage_dir, raw, lesson_key) -> KeptPackage."""

    markers: tuple[str, ...]
    plan: Callable[..., PackageReport]
    keep: Callable[..., KeptPackage]


_READERS: list[PackageReader] = []


def reads_packages(reader: PackageReader) -> PackageReader:
    """Register a reader once (importing its module again adds nothing)."""
    if reader not in _READERS:
        _READERS.append(reader)
    return reader


def reader_for(names: set[str]) -> PackageReader | None:
    """The reader whose marker is at the top of a zip holding `names`, if any."""
    return next((r for r in _READERS if any(m in names for m in r.markers)), None)


def markers() -> list[str]:
    """Every registered marker file name (for the page's explanation)."""
    return [m for r in _READERS for m in r.markers]
