"""Where a course folder's files come from: a folder on disk or a .zip of one.

Both refuse what could read outside the course folder: symbolic links, `..` and absolute
names (zip slip); archives are also checked for size and entry count before anything is read.
"""

import re
import stat
import zipfile
import zlib
from pathlib import Path

from flask_babel import gettext as _

from courses.services.content_files.specs import MANIFEST

MAX_ARCHIVE_BYTES = 20 * 1024 * 1024
# A zip bomb is a small archive that inflates to gigabytes: the entries' declared sizes are
# checked before anything is read (zipfile never inflates an entry past its declared size).
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_FILES = 1000


class Refused(Exception):
    """A file that cannot be read from the source; the message says why."""


class FolderSource:
    """A course folder on disk. Refuses symbolic links and anything outside the folder."""

    def __init__(self, root: Path):
        self.root = root.resolve()

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def read(self, name: str, limit: int) -> bytes:
        current = self.root
        for part in name.split("/"):
            current = current / part
            if current.is_symlink():
                raise Refused(_("%(file)s is a symbolic link; links are not imported.",
                                 file=name))
        if not current.is_file():
            raise Refused(_("%(file)s does not exist.", file=name))
        if not current.resolve().is_relative_to(self.root):
            raise Refused(_("%(file)s is outside the course folder.", file=name))
        if current.stat().st_size > limit:
            raise Refused(_("%(file)s is larger than %(size)d KB.", file=name,
                             size=limit // 1024))
        return current.read_bytes()


_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> bool:
    """True for a path that could land outside the folder it is unpacked or read in."""
    return (name.startswith("/") or "\\" in name or bool(_DRIVE.match(name))
            or ".." in name.split("/"))


class ZipSource:
    """A .zip of a course folder (course.yaml at the top or inside one top-level folder).

    Refuses the whole archive for an entry that escapes the folder (zip slip), a symbolic
    link, encryption, too many entries or too much content once inflated."""

    def __init__(self, path: Path, problems: list[str]):
        self.label = path.name
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.archive = None
        if path.stat().st_size > MAX_ARCHIVE_BYTES:
            problems.append(f"{self.label}: " + _(
                "The archive is larger than %(size)d MB.", size=MAX_ARCHIVE_BYTES >> 20))
            return
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            problems.append(f"{self.label}: " + _("This is not a readable .zip archive."))
            return
        infos = archive.infolist()
        before = len(problems)
        if len(infos) > MAX_FILES:
            problems.append(f"{self.label}: " + _(
                "The archive holds %(count)d entries; at most %(limit)d are accepted.",
                count=len(infos), limit=MAX_FILES))
        if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
            problems.append(f"{self.label}: " + _(
                "The archive unpacks to more than %(size)d MB.",
                size=MAX_UNCOMPRESSED_BYTES >> 20))
        for info in infos:
            if unsafe_name(info.filename):
                problems.append(f"{self.label}: " + _(
                    "Entry %(file)s points outside the course folder.", file=info.filename))
            elif stat.S_ISLNK(info.external_attr >> 16):
                problems.append(f"{self.label}: " + _(
                    "Entry %(file)s is a symbolic link; links are not imported.",
                    file=info.filename))
            elif info.flag_bits & 0x1:
                problems.append(f"{self.label}: " + _(
                    "Entry %(file)s is encrypted.", file=info.filename))
        if len(problems) > before:
            archive.close()
            return
        names = {info.filename for info in infos if not info.is_dir()}
        prefix = ""
        if MANIFEST not in names:
            tops = [n for n in names if n.count("/") == 1 and n.endswith("/" + MANIFEST)]
            if len(tops) == 1:
                prefix = tops[0][: -len(MANIFEST)]
        self.members = {info.filename[len(prefix):]: info for info in infos
                        if not info.is_dir() and info.filename.startswith(prefix)}
        self.archive = archive

    def exists(self, name: str) -> bool:
        return name in self.members

    def read(self, name: str, limit: int) -> bytes:
        info = self.members.get(name)
        if info is None:
            raise Refused(_("%(file)s does not exist.", file=name))
        if info.file_size > limit:
            raise Refused(_("%(file)s is larger than %(size)d KB.", file=name,
                             size=limit // 1024))
        try:
            with self.archive.open(info) as member:
                return member.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError):
            raise Refused(_("%(file)s is damaged in the archive.", file=name)) from None

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
