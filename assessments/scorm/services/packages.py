"""SCORM and xAPI packages: reading and checking an uploaded zip, and serving its files.

Checked before anything is kept, each refusal naming the problem: a readable zip (not
encrypted), at most MAX_FILES entries and MAX_UNCOMPRESSED_BYTES once inflated (declared sizes,
and no entry inflating more than MAX_RATIO times: zip bombs), no entry escaping the package
(`..`, absolute names, backslashes, drive letters, symbolic links: zip slip), and an
`imsmanifest.xml` at the top naming a launchable resource (SCORM 1.2 or 2004, from its schema
version or namespaces) or a `tincan.xml` naming a launched activity (xAPI). The zip is then
kept whole in storage; files are read from it on request, never extracted. Callers own the
commit.
"""

import io
import stat
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from posixpath import normpath
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from flask_babel import gettext as _
from sqlalchemy import select

from assessments.scorm.models import ScormPackage
from assessments.scorm.services import tincan
from courses.models import Course, CourseModule, CourseVersion, Lesson
from courses.services.content_files.sources import unsafe_name
from lms.core import audit, uploads
from lms.core.errors import DomainError

MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_FILES = 5000
MAX_RATIO = 200
MANIFEST = "imsmanifest.xml"
TINCAN = tincan.TINCAN
TITLE_MAX = 200


@dataclass(frozen=True)
class Manifest:
    title: str
    version: str
    identifier: str
    launch: str
    mastery_score: Decimal | None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _first(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    found = _children(element, name)
    return found[0] if found else None


def _attr(element: Element, name: str) -> str:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return ""


def _version(root: Element, text: str) -> str:
    schema = (_first(_first(root, "metadata"), "schemaversion"))
    schema_text = (schema.text or "").strip() if schema is not None else ""
    if "2004" in schema_text or "CAM 1.3" in schema_text or "adlcp_v1p3" in text:
        return "2004"
    if schema_text == "1.2" or "adlcp_rootv1p2" in text:
        return "1.2"
    raise DomainError(_("imsmanifest.xml does not say which SCORM version it is (1.2 or "
                        "2004): its metadata has no schemaversion."), "file")


def read_manifest(text: str, names: set[str]) -> Manifest:
    """The package's title, version, launch file and mastery score from its manifest;
    refuses a manifest that is not XML, has no organization item with a resource, or launches
    a file the package does not hold."""
    try:
        root = fromstring(text)
    except (ParseError, DefusedXmlException) as error:
        raise DomainError(_("imsmanifest.xml is not readable XML: %(error)s", error=error),
                          "file") from None
    if _local(root.tag) != "manifest":
        raise DomainError(_("imsmanifest.xml must start with <manifest>."), "file")
    version = _version(root, text)
    organizations = _first(root, "organizations")
    resources = {_attr(r, "identifier"): r for r in _children(_first(root, "resources")
                                                              or Element("x"), "resource")}
    if organizations is None or not _children(organizations, "organization"):
        raise DomainError(_("imsmanifest.xml has no <organization>."), "file")
    default = _attr(organizations, "default")
    organization = next((o for o in _children(organizations, "organization")
                         if _attr(o, "identifier") == default),
                        _children(organizations, "organization")[0])
    title_node = _first(organization, "title")
    title = " ".join((title_node.text or "").split()) if title_node is not None else ""
    item = next(_items_with_resource(organization), None)
    if item is None:
        raise DomainError(_("No <item> of the organization points to a resource "
                            "(identifierref)."), "file")
    resource = resources.get(_attr(item, "identifierref"))
    if resource is None:
        raise DomainError(_("The item %(item)s points to a resource the manifest does not "
                            "list.", item=_attr(item, "identifier") or "?"), "file")
    base = _attr(resource, "base")
    href = _attr(resource, "href")
    launch = normpath(base + href.split("?", 1)[0].split("#", 1)[0]) if href else ""
    if not launch or unsafe_name(launch) or launch not in names:
        raise DomainError(_("The launch file %(file)s is not in the package.",
                            file=launch or "''"), "file")
    mastery = None
    for node in item.iter():
        if _local(node.tag) == "masteryscore" and (node.text or "").strip():
            try:
                mastery = Decimal(node.text.strip())
            except InvalidOperation:
                raise DomainError(_("adlcp:masteryscore must be a number."), "file") from None
    return Manifest(title=title[:TITLE_MAX], version=version,
                    identifier=_attr(root, "identifier")[:255], launch=launch,
                    mastery_score=mastery)


def _items_with_resource(element: Element):
    for item in _children(element, "item"):
        if _attr(item, "identifierref"):
            yield item
        yield from _items_with_resource(item)


def check_archive(raw: bytes) -> tuple[zipfile.ZipFile, set[str]]:
    """The zip and its file names; refuses what is not a safe, reasonable zip."""
    if len(raw) > MAX_ARCHIVE_BYTES:
        raise DomainError(_("The package is larger than %(size)d MB.",
                            size=MAX_ARCHIVE_BYTES >> 20), "file")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError):
        raise DomainError(_("This is not a readable .zip archive."), "file") from None
    infos = archive.infolist()
    if len(infos) > MAX_FILES:
        raise DomainError(_("The archive holds %(count)d entries; at most %(limit)d are "
                            "accepted.", count=len(infos), limit=MAX_FILES), "file")
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
        raise DomainError(_("The archive unpacks to more than %(size)d MB.",
                            size=MAX_UNCOMPRESSED_BYTES >> 20), "file")
    for info in infos:
        if unsafe_name(info.filename):
            raise DomainError(_("Entry %(file)s points outside the package.",
                                file=info.filename), "file")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise DomainError(_("Entry %(file)s is a symbolic link; links are refused.",
                                file=info.filename), "file")
        if info.flag_bits & 0x1:
            raise DomainError(_("Entry %(file)s is encrypted.", file=info.filename), "file")
        if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > 1 << 20:
            raise DomainError(_("Entry %(file)s inflates %(ratio)d times: refused as a zip "
                                "bomb.", file=info.filename,
                                ratio=info.file_size // max(info.compress_size, 1)), "file")
    names = {info.filename for info in infos if not info.is_dir()}
    if MANIFEST not in names and TINCAN not in names:
        raise DomainError(_("Neither imsmanifest.xml (SCORM) nor tincan.xml (xAPI) is at the "
                            "top of the package: this is not a SCORM or xAPI package."), "file")
    return archive, names


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """One file of a checked archive (at most its declared size)."""
    info = archive.getinfo(name)
    try:
        with archive.open(info) as member:
            return member.read(info.file_size + 1)[:info.file_size]
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError):
        raise DomainError(_("%(file)s is damaged in the archive.", file=name), "file") from None


def course_of_lesson(session, lesson_key: str) -> Course | None:
    """The course whose published version has the lesson with `lesson_key`."""
    return session.scalar(
        select(Course).join(CourseVersion, CourseVersion.course_id == Course.id)
        .join(CourseModule, CourseModule.version_id == CourseVersion.id)
        .join(Lesson, Lesson.module_id == CourseModule.id)
        .where(Lesson.key == lesson_key, CourseVersion.number == Course.published_version)
        .limit(1))


@dataclass(frozen=True)
class PackagePlan:
    """What importing a package would do (the dry run): nothing is kept yet."""

    kind: str  # "SCORM 1.2", "SCORM 2004", "xAPI"
    title: str
    launch: str
    identifier: str
    files: int
    course: Course | None
    lesson_key: str | None
    manifest: Manifest


def kind_label(version: str) -> str:
    """How people call a package of `version`: SCORM 1.2, SCORM 2004 or xAPI."""
    return "xAPI" if version == tincan.VERSION else f"SCORM {version}"


def plan_package(session, raw: bytes, lesson_key: str | None = None,
                 title: str = "") -> PackagePlan:
    """Check a SCORM or xAPI zip (tincan.xml) and say what its import would do; refuses an
    unsafe or unreadable archive, a missing or broken manifest, and a lesson key no
    published course has."""
    lesson_key = (lesson_key or "").strip() or None
    course = course_of_lesson(session, lesson_key) if lesson_key else None
    archive, names = check_archive(raw)
    name = MANIFEST if MANIFEST in names else TINCAN
    with archive:
        manifest_bytes = read_member(archive, name)
    try:
        text = manifest_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("%(file)s is not UTF-8 text.", file=name), "file") from None
    if name == MANIFEST:
        manifest = read_manifest(text, names)
    else:
        found = tincan.read_tincan(text, names)
        manifest = Manifest(title=found.title[:TITLE_MAX], version=tincan.VERSION,
                            identifier=found.activity_id, launch=found.launch,
                            mastery_score=None)
    if lesson_key and course is None:
        raise DomainError(_("No published course has a lesson with that key."), "lesson_key")
    default = _("xAPI package") if manifest.version == tincan.VERSION else _("SCORM package")
    return PackagePlan(kind=kind_label(manifest.version),
                       title=(" ".join(title.split()) or manifest.title or default)[:TITLE_MAX],
                       launch=manifest.launch, identifier=manifest.identifier,
                       files=len(names), course=course, lesson_key=lesson_key,
                       manifest=manifest)


def import_package(session, actor, storage_dir: str, raw: bytes, lesson_key: str | None = None,
                   title: str = "") -> ScormPackage:
    """Check a SCORM or xAPI zip (see plan_package) and keep it, as the content of the
    lesson with `lesson_key` when given."""
    plan = plan_package(session, raw, lesson_key, title)
    manifest = plan.manifest
    stored = uploads.store(storage_dir, io.BytesIO(raw), MAX_ARCHIVE_BYTES)
    package = ScormPackage(
        title=plan.title, version=manifest.version, identifier=manifest.identifier,
        launch=manifest.launch, mastery_score=manifest.mastery_score, sha256=stored.sha256,
        size=stored.size, file_count=plan.files,
        course_id=plan.course.id if plan.course else None, lesson_key=plan.lesson_key,
        created_by_id=actor.id if actor else None)
    session.add(package)
    session.flush()
    audit.record(actor, "scorm.import", package, title=package.title, version=package.version)
    return package


def open_package(storage_dir: str, package: ScormPackage) -> zipfile.ZipFile:
    """The package's zip, from storage."""
    return zipfile.ZipFile(uploads.path_for(storage_dir, package.sha256))


@lru_cache(maxsize=256)
def _declared_activities(path: str, sha256: str) -> frozenset[str]:
    with zipfile.ZipFile(path) as archive:
        text = read_member(archive, TINCAN).decode("utf-8-sig")
        names = {info.filename for info in archive.infolist() if not info.is_dir()}
    return tincan.read_tincan(text, names).activities


def package_activities(storage_dir: str, package: ScormPackage) -> frozenset[str]:
    """The activity ids an xAPI package's tincan.xml declares (read once per process: a
    stored zip never changes under its digest)."""
    return _declared_activities(str(uploads.path_for(storage_dir, package.sha256)),
                                package.sha256)
