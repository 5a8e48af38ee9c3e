"""Writing a course's published version back out as a folder or .zip of Markdown files."""

import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

import yaml
from flask_babel import gettext as _

from courses.models import Course
from courses.services.content_files.manifest import find_course, translation_file
from courses.services.content_files.specs import MANIFEST
from courses.services.versions import published
from lms.core.errors import DomainError
from lms.core.i18n import ZH

# Packages above courses add files to an export (the lesson quizzes): each provider gets the
# session, the course and {lesson key: lesson file name} and returns {file name: bytes}.
ExportProvider = Callable[..., dict[str, bytes]]
_EXPORT_PROVIDERS: list[ExportProvider] = []


def provides_export_files(provider: ExportProvider) -> ExportProvider:
    """Register a provider of extra files for course exports (see above)."""
    if provider not in _EXPORT_PROVIDERS:
        _EXPORT_PROVIDERS.append(provider)
    return provider


def _slug(text: str, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:48].strip("-")
    return slug or fallback


def course_files(session, course: Course) -> dict[str, bytes]:
    """The published version of `course` as files: {"course.yaml": …, "01-…/01-….md": …},
    plus what registered providers add (each lesson's knowledge check as GIFT). Lesson files
    hold the lesson bodies byte for byte; refuses a course never published."""
    version = published(session, course)
    if version is None:
        raise DomainError(_("%(code)s has no published version to export.", code=course.code))
    manifest: dict = {"code": course.code, "title": course.title}
    _put_translation(manifest, course, "title")
    manifest["summary"] = course.summary
    _put_translation(manifest, course, "summary")
    manifest["self_enrol"] = course.self_enrol
    manifest["tiers"] = [
        {"path": link.path.code, "required": link.required}
        | ({"due_days": link.due_days} if link.due_days is not None else {})
        for link in sorted(course.path_links, key=lambda link: link.path.position)
    ]
    manifest["competencies"] = sorted(link.competency.code for link in course.competency_links)
    manifest["prerequisites"] = sorted(link.requires.code for link in course.prerequisite_links)
    files: dict[str, bytes] = {}
    lesson_files: dict[str, str] = {}
    manifest["modules"] = []
    for m_number, module in enumerate(version.modules, start=1):
        folder = f"{m_number:02d}-{_slug(module.title, 'module')}"
        entry: dict = {"title": module.title}
        _put_translation(entry, module, "title")
        entry["lessons"] = []
        for l_number, lesson in enumerate(module.lessons, start=1):
            name = f"{folder}/{l_number:02d}-{_slug(lesson.title, 'lesson')}.md"
            files[name] = lesson.body.encode("utf-8")
            lesson_files[lesson.key] = name
            body_zh = (lesson.translations or {}).get(ZH, {}).get("body")
            if body_zh:
                files[translation_file(name)] = body_zh.encode("utf-8")
            item: dict = {"file": name, "title": lesson.title}
            _put_translation(item, lesson, "title")
            item["minutes"] = lesson.minutes
            entry["lessons"].append(item)
        manifest["modules"].append(entry)
    text = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=96)
    for provider in _EXPORT_PROVIDERS:
        for name, data in provider(session, course, lesson_files).items():
            files.setdefault(name, data)
    return {MANIFEST: text.encode("utf-8"), **files}


def _put_translation(target: dict, obj, name: str) -> None:
    text = (obj.translations or {}).get(ZH, {}).get(name)
    if text:
        target[f"{name}_zh"] = text


def export_course(session, code: str, output: str | os.PathLike,
                  overwrite: bool = False) -> Path:
    """Write the published version of course `code` to a folder or, for a name ending in
    .zip, to an archive (same bytes for the same content). Refuses to write into a folder
    that already has files unless `overwrite`."""
    course = find_course(session, code)
    if course is None:
        raise DomainError(_("There is no course with code %(code)s.", code=code), "code")
    files = course_files(session, course)
    output = Path(output)
    if output.suffix.lower() == ".zip":
        if output.exists() and not overwrite:
            raise DomainError(_("%(path)s already exists.", path=str(output)))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                archive.writestr(info, data, zipfile.ZIP_DEFLATED)
        output.write_bytes(buffer.getvalue())
        return output
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not overwrite)):
        raise DomainError(_("%(path)s already exists and is not an empty folder.",
                            path=str(output)))
    for name, data in files.items():
        target = output.joinpath(*name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return output
