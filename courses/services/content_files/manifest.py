"""Reading and checking a course folder: the manifest and every lesson file, all problems at
once, each as "file:line: message"."""

import os
from pathlib import Path

import yaml
from flask_babel import gettext as _
from sqlalchemy import func, select

from courses.models import Course
from courses.services.content_files.sources import FolderSource, Refused, ZipSource, unsafe_name
from courses.services.content_files.specs import (
    COURSE_KEYS,
    LESSON_KEYS,
    MANIFEST,
    MODULE_KEYS,
    TIER_KEYS,
    ContentError,
    CourseSpec,
    LessonSpec,
    ModuleSpec,
    TierSpec,
)
from lms.competencies.models import Competency
from lms.core.uploads import UploadProblem, line_of, read_text
from lms.paths.models import CertificationPath

LESSON_SUFFIXES = (".md", ".markdown")
# A lesson's Chinese version sits beside it: `<name>.zh_Hans.md`.
TRANSLATION_SUFFIX = "zh_Hans"
MAX_MANIFEST_BYTES = 256 * 1024
MAX_LESSON_BYTES = 1024 * 1024
TITLE_MAX = 200
CODE_MAX = 40


class _Mapping(dict):
    line = 1
    key_lines: dict
    duplicates: list


class _Sequence(list):
    line = 1
    item_lines: list


class _ManifestLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but mappings and lists keep their line numbers for messages."""


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    data = _Mapping()
    data.line, data.key_lines, data.duplicates = node.start_mark.line + 1, {}, []
    yield data
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found unhashable key",
                key_node.start_mark) from None
        line = key_node.start_mark.line + 1
        if key in data:
            data.duplicates.append((key, line))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = line


def _construct_sequence(loader, node):
    data = _Sequence()
    data.line = node.start_mark.line + 1
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_sequence(node, deep=True))


_ManifestLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_ManifestLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


class _ManifestReader:
    """Turns the manifest and lesson files into a CourseSpec, collecting every problem."""

    def __init__(self, session, source, problems: list[str]):
        self.session, self.source, self.problems = session, source, problems
        self.spec = CourseSpec()

    def problem(self, line: int, message: str, file: str = MANIFEST) -> None:
        self.problems.append(f"{file}:{line}: {message}")

    def read(self) -> CourseSpec | None:
        manifest = self.load_manifest()
        if manifest is None:
            return None
        self.check_keys(manifest, COURSE_KEYS)
        spec = self.spec
        spec.code = self.text(manifest, "code", required=True, limit=CODE_MAX)
        spec.title = self.text(manifest, "title", required=True)
        spec.title_zh = self.text(manifest, "title_zh")
        spec.summary = self.text(manifest, "summary", limit=None)
        spec.summary_zh = self.text(manifest, "summary_zh", limit=None)
        spec.self_enrol = self.flag(manifest, "self_enrol", default=False)
        self.read_tiers(manifest)
        self.read_competencies(manifest)
        self.read_prerequisites(manifest)
        self.read_modules(manifest)
        return spec

    def load_manifest(self) -> _Mapping | None:
        try:
            data = self.source.read(MANIFEST, MAX_MANIFEST_BYTES)
        except Refused as refused:
            self.problems.append(f"{MANIFEST}: {refused}")
            return None
        if len(data) > MAX_MANIFEST_BYTES:
            self.problem(1, _("The manifest is larger than %(size)d KB.",
                              size=MAX_MANIFEST_BYTES // 1024))
            return None
        text = self.decode(data, MANIFEST)
        if text is None:
            return None
        try:
            # A SafeLoader subclass: only plain data, never Python objects.
            manifest = yaml.load(text, Loader=_ManifestLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark is not None else 1
            what = " ".join(part for part in (error.context, error.problem) if part)
            self.problem(line, _("YAML syntax error: %(problem)s", problem=what))
            return None
        except yaml.YAMLError as error:
            position = getattr(error, "position", 0)
            self.problem(line_of(text, position), _("YAML syntax error: %(problem)s",
                                                     problem=str(error).splitlines()[0]))
            return None
        if not isinstance(manifest, dict):
            self.problem(1, _("The manifest must be a mapping of fields (code, title, "
                              "modules, …)."))
            return None
        return manifest

    def decode(self, data: bytes, name: str) -> str | None:
        # Sizes are checked by the caller, per kind of file; the rest is the shared rule. A
        # BOM stays: exports give back the lesson files byte for byte.
        try:
            return read_text(data, len(data), keep_bom=True)
        except UploadProblem as problem:
            self.problem(problem.line, problem.problem, file=name)
            return None

    # Field helpers: each reports its own problem and returns a usable default.

    def check_keys(self, mapping: _Mapping, allowed: tuple[str, ...]) -> None:
        for key, line in mapping.duplicates:
            self.problem(line, _("The key %(key)s appears twice.", key=key))
        for key in mapping:
            if key not in allowed:
                self.problem(mapping.key_lines[key], _(
                    "Unknown key %(key)s (expected one of: %(keys)s).", key=key,
                    keys=", ".join(allowed)))

    def line(self, mapping: _Mapping, key: str) -> int:
        return mapping.key_lines.get(key, mapping.line)

    def text(self, mapping: _Mapping, key: str, required: bool = False,
             limit: int | None = TITLE_MAX) -> str:
        value = mapping.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(mapping.line, _("The field %(key)s is required.", key=key))
            return ""
        if not isinstance(value, str):
            self.problem(self.line(mapping, key), _("%(key)s must be text.", key=key))
            return ""
        if limit is not None and len(value.strip()) > limit:
            self.problem(self.line(mapping, key), _(
                "%(key)s must be at most %(limit)d characters.", key=key, limit=limit))
        return value.strip()

    def flag(self, mapping: _Mapping, key: str, default: bool) -> bool:
        value = mapping.get(key, default)
        if not isinstance(value, bool):
            self.problem(self.line(mapping, key), _("%(key)s must be true or false.", key=key))
            return default
        return value

    def number(self, mapping: _Mapping, key: str, low: int, high: int) -> int | None:
        value = mapping.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(self.line(mapping, key), _(
                "%(key)s must be a whole number from %(low)d to %(high)d.", key=key, low=low,
                high=high))
            return None
        return value

    def items(self, mapping: _Mapping, key: str, required: bool = False) -> list[tuple]:
        """[(item, line)] of a list field; reports a missing or non-list value."""
        value = mapping.get(key)
        if value is None:
            if required:
                self.problem(mapping.line, _("The field %(key)s is required.", key=key))
            return []
        if not isinstance(value, list):
            self.problem(self.line(mapping, key), _("%(key)s must be a list.", key=key))
            return []
        if required and not value:
            self.problem(self.line(mapping, key), _("%(key)s must not be empty.", key=key))
        return list(zip(value, value.item_lines, strict=True))

    def codes(self, mapping: _Mapping, key: str) -> list[tuple[str, int]]:
        found, seen = [], set()
        for item, line in self.items(mapping, key):
            if not isinstance(item, str) or not item.strip():
                self.problem(line, _("Each entry of %(key)s must be a code.", key=key))
            elif item.strip().upper() in seen:
                self.problem(line, _("%(code)s is listed twice.", code=item.strip()))
            else:
                seen.add(item.strip().upper())
                found.append((item.strip(), line))
        return found

    def entries(self, mapping: _Mapping, key: str, keys: tuple[str, ...],
                required: bool = False) -> list[_Mapping]:
        found = []
        for item, line in self.items(mapping, key, required):
            if not isinstance(item, dict):
                self.problem(line, _("Each entry of %(key)s must be a mapping (%(keys)s).",
                                     key=key, keys=", ".join(keys)))
                continue
            self.check_keys(item, keys)
            found.append(item)
        return found

    # The sections.

    def read_tiers(self, manifest: _Mapping) -> None:
        seen = set()
        for entry in self.entries(manifest, "tiers", TIER_KEYS):
            code = self.text(entry, "path", required=True, limit=CODE_MAX)
            required = self.flag(entry, "required", default=True)
            due_days = None
            if entry.get("due_days") is not None:
                due_days = self.number(entry, "due_days", 1, 3650)
            if not code:
                continue
            path = self.session.scalar(
                select(CertificationPath).where(CertificationPath.code == code))
            if path is None:
                self.problem(self.line(entry, "path"), _(
                    "Unknown certification path %(code)s.", code=code))
            elif path.id in seen:
                self.problem(self.line(entry, "path"), _("%(code)s is listed twice.",
                                                          code=code))
            else:
                seen.add(path.id)
                self.spec.tiers.append(TierSpec(path, required, due_days))

    def read_competencies(self, manifest: _Mapping) -> None:
        for code, line in self.codes(manifest, "competencies"):
            competency = self.session.scalar(select(Competency).where(Competency.code == code))
            if competency is None:
                self.problem(line, _("Unknown competency %(code)s.", code=code))
            else:
                self.spec.competencies.append(competency)

    def read_prerequisites(self, manifest: _Mapping) -> None:
        for code, line in self.codes(manifest, "prerequisites"):
            if self.spec.code and code.lower() == self.spec.code.lower():
                self.problem(line, _("A course cannot require itself."))
                continue
            course = find_course(self.session, code)
            if course is None:
                self.problem(line, _("Unknown prerequisite course %(code)s; import it first.",
                                     code=code))
            elif self.spec.code and _requires(course, self.spec.code):
                self.problem(line, _(
                    "%(code)s already requires this course; prerequisites cannot form a loop.",
                    code=course.code))
            else:
                self.spec.prerequisites.append(course)

    def read_modules(self, manifest: _Mapping) -> None:
        files: dict[str, int] = {}
        for entry in self.entries(manifest, "modules", MODULE_KEYS, required=True):
            module = ModuleSpec(self.text(entry, "title", required=True),
                                self.text(entry, "title_zh"))
            for item in self.entries(entry, "lessons", LESSON_KEYS, required=True):
                lesson = self.read_lesson(item, files)
                if lesson is not None:
                    module.lessons.append(lesson)
            self.spec.modules.append(module)

    def read_lesson(self, entry: _Mapping, files: dict[str, int]) -> LessonSpec | None:
        title = self.text(entry, "title", required=True)
        title_zh = self.text(entry, "title_zh")
        minutes = self.number(entry, "minutes", 1, 600) if "minutes" in entry else None
        if "minutes" not in entry:
            self.problem(entry.line, _("The field %(key)s is required.", key="minutes"))
        name = self.text(entry, "file", required=True, limit=None)
        if not name:
            return None
        line = self.line(entry, "file")
        if unsafe_name(name):
            self.problem(line, _("%(file)s is outside the course folder (no absolute paths, "
                                 "'..' or backslashes).", file=name))
            return None
        if "" in name.split("/") or "." in name.split("/"):
            self.problem(line, _("%(file)s is not a plain relative path.", file=name))
            return None
        if not name.lower().endswith(LESSON_SUFFIXES):
            self.problem(line, _("%(file)s is not a Markdown (.md) file.", file=name))
            return None
        if name.casefold() in files:
            self.problem(line, _("%(file)s is already used by the lesson on line %(line)d.",
                                 file=name, line=files[name.casefold()]))
            return None
        files[name.casefold()] = line
        try:
            data = self.source.read(name, MAX_LESSON_BYTES)
        except Refused as refused:
            self.problem(line, str(refused))
            return None
        if len(data) > MAX_LESSON_BYTES:
            self.problem(line, _("%(file)s is larger than %(size)d KB.", file=name,
                                 size=MAX_LESSON_BYTES // 1024))
            return None
        body = self.decode(data, name)
        body_zh = self.read_translation(name, line)
        if body is None or body_zh is None or not title or minutes is None:
            return None
        return LessonSpec(name, title, title_zh, minutes, body, body_zh)

    def read_translation(self, name: str, line: int) -> str | None:
        """The Chinese twin of lesson file `name` ("" when there is none; None when it is
        refused, with the problem noted)."""
        twin = translation_file(name)
        if not self.source.exists(twin):
            return ""
        try:
            data = self.source.read(twin, MAX_LESSON_BYTES)
        except Refused as refused:
            self.problem(line, str(refused))
            return None
        if len(data) > MAX_LESSON_BYTES:
            self.problem(line, _("%(file)s is larger than %(size)d KB.", file=twin,
                                 size=MAX_LESSON_BYTES // 1024))
            return None
        return self.decode(data, twin)


def translation_file(name: str, suffix: str = TRANSLATION_SUFFIX) -> str:
    """The file holding lesson `name`'s translation: `01-greeting.md` → `01-greeting.zh_Hans.md`."""
    stem, dot, extension = name.rpartition(".")
    return f"{stem}.{suffix}.{extension}" if dot else f"{name}.{suffix}"


def find_course(session, code: str) -> Course | None:
    """The course with this code, compared without regard to case (as create_course does)."""
    return session.scalar(select(Course).where(func.lower(Course.code) == code.lower()))


def _requires(course: Course, code: str) -> bool:
    """Whether `course` requires the course `code`, directly or through others."""
    seen, todo = set(), [course]
    while todo:
        current = todo.pop()
        for link in current.prerequisite_links:
            if link.requires.code.lower() == code.lower():
                return True
            if link.requires_id not in seen:
                seen.add(link.requires_id)
                todo.append(link.requires)
    return False


def read_course_folder(session, path: str | os.PathLike) -> CourseSpec:
    """Check a course folder or .zip completely; returns what it describes or raises a
    ContentError listing every problem as "file:line: message"."""
    path = Path(path)
    problems: list[str] = []
    if path.is_dir():
        source = FolderSource(path)
    elif path.is_file() and path.suffix.lower() == ".zip":
        source = ZipSource(path, problems)
    else:
        raise ContentError([f"{path}: " + _("Expected a course folder or a .zip of one.")])
    spec = None
    try:
        if not problems:
            spec = _ManifestReader(session, source, problems).read()
    finally:
        if isinstance(source, ZipSource):
            source.close()
    if problems or spec is None:
        raise ContentError(problems)
    return spec
