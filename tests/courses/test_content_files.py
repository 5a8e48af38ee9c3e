"""Courses as files: every malformed input is reported as "file:line: message" and changes
nothing; zip slip, symlinks and zip bombs are refused; import/export round-trips byte for byte."""

import os
import stat
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from courses.models import (
    Course,
    CourseCompetency,
    CourseModule,
    CoursePrerequisite,
    CourseVersion,
    Lesson,
    PathCourse,
)
from courses.services.content_files import (
    ContentError,
    course_files,
    export_course,
    import_course,
    read_course_folder,
    sources,
)
from courses.services.content_files import manifest as manifest_module
from courses.services.versions import published
from lms.core.audit import AuditEntry

MANIFEST = """\
code: CX-101
title: Handling refunds
title_zh: 退款处理
summary: How refunds work.
self_enrol: false
tiers:
- path: NEWHIRE
  required: true
  due_days: 14
competencies: [PROD-POLICY, ETQ-GREET]
prerequisites: []
modules:
- title: Basics
  title_zh: 基础
  lessons:
  - file: lessons/one.md
    title: The refund rule
    title_zh: 退款规则
    minutes: 20
  - file: lessons/two.md
    title: Saying it clearly
    minutes: 15
- title: Practice
  lessons:
  - file: practice/drill.md
    title: Refund drill
    minutes: 30
"""
LESSONS = {
    "lessons/one.md": "# The refund rule\n\nRefunds go back to the original payment method.\n",
    "lessons/two.md": "## Say it clearly\n\nState the rule, apply it, say what happens next.\n",
    "practice/drill.md": "Practise with a partner.\n",
}
TABLES = (Course, CourseVersion, CourseModule, Lesson, PathCourse, CourseCompetency,
          CoursePrerequisite, AuditEntry)


def write_folder(root: Path, manifest: str = MANIFEST, files=None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "course.yaml").write_text(manifest, encoding="utf-8")
    for name, content in (LESSONS if files is None else files).items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def row_counts(db) -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in TABLES}


def problems_of(db, path) -> list[str]:
    """Import `path`, expect refusal, check nothing changed; returns the problems."""
    before = row_counts(db)
    with pytest.raises(ContentError) as refused:
        import_course(db.session, None, path, publish_now=True)
    db.session.rollback()
    assert row_counts(db) == before
    assert refused.value.problems
    assert all(line in refused.value.message for line in refused.value.problems)
    return refused.value.problems


def replace(old: str, new: str, text: str = MANIFEST) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_a_valid_folder_imports_and_publishes(db, defaults, tmp_path):
    course = import_course(db.session, None, write_folder(tmp_path / "c"), publish_now=True)
    db.session.commit()
    version = published(db.session, course)
    assert course.code == "CX-101" and version.number == 1
    assert [m.title for m in version.modules] == ["Basics", "Practice"]
    lessons = [lesson for m in version.modules for lesson in m.lessons]
    assert [(lesson.title, lesson.minutes) for lesson in lessons] == [
        ("The refund rule", 20), ("Saying it clearly", 15), ("Refund drill", 30)]
    assert lessons[0].body == LESSONS["lessons/one.md"]
    assert lessons[0].translations["zh_Hans_CN"]["title"] == "退款规则"
    assert course.translations["zh_Hans_CN"]["title"] == "退款处理"
    assert sorted(link.competency.code for link in course.competency_links) == [
        "ETQ-GREET", "PROD-POLICY"]
    [tier] = course.path_links
    assert (tier.path.code, tier.required, tier.due_days) == ("NEWHIRE", True, 14)


MALFORMED = [
    pytest.param(replace("title: Handling refunds\n", "title: [Handling refunds\n"),
                 "course.yaml:3: YAML syntax error:", id="yaml-syntax"),
    pytest.param(replace("self_enrol: false\n", "self_enrol: false\ncolour: red\n"),
                 "course.yaml:6: Unknown key colour", id="unknown-key"),
    pytest.param(replace("    minutes: 15\n", "    minutes: 15\n    minute: 3\n"),
                 "course.yaml:23: Unknown key minute", id="unknown-lesson-key"),
    pytest.param(replace("code: CX-101\n", ""),
                 "course.yaml:1: The field code is required.", id="missing-code"),
    pytest.param(replace("    title: Saying it clearly\n", ""),
                 "course.yaml:20: The field title is required.", id="missing-lesson-title"),
    pytest.param(replace("    minutes: 30\n", ""),
                 "course.yaml:25: The field minutes is required.", id="missing-minutes"),
    pytest.param(replace("- title: Practice\n  lessons:\n", "- title: Practice\n  lesson:\n"),
                 "course.yaml:23: The field lessons is required.", id="missing-lessons"),
    pytest.param(replace("lessons/two.md", "lessons/missing.md"),
                 "course.yaml:20: lessons/missing.md does not exist.", id="missing-file"),
    pytest.param(replace("lessons/two.md", "../outside.md"),
                 "course.yaml:20: ../outside.md is outside the course folder", id="dot-dot"),
    pytest.param(replace("lessons/two.md", "/etc/passwd.md"),
                 "course.yaml:20: /etc/passwd.md is outside the course folder", id="absolute"),
    pytest.param(replace("lessons/two.md", "C:/two.md"),
                 "course.yaml:20: C:/two.md is outside the course folder", id="drive"),
    pytest.param(replace("lessons/two.md", "lessons\\two.md"),
                 "course.yaml:20: lessons\\two.md is outside the course folder",
                 id="backslash"),
    pytest.param(replace("lessons/two.md", "lessons/one.md"),
                 "course.yaml:20: lessons/one.md is already used by the lesson on line 16.",
                 id="duplicate-file"),
    pytest.param(replace("lessons/two.md", "lessons/ONE.md"),
                 "course.yaml:20: lessons/ONE.md is already used by the lesson on line 16.",
                 id="duplicate-file-case"),
    pytest.param(replace("[PROD-POLICY, ETQ-GREET]", "[PROD-POLICY, ETQ-GRET]"),
                 "course.yaml:10: Unknown competency ETQ-GRET.", id="unknown-competency"),
    pytest.param(replace("path: NEWHIRE", "path: JUNIOR"),
                 "course.yaml:7: Unknown certification path JUNIOR.", id="unknown-path"),
    pytest.param(replace("prerequisites: []", "prerequisites:\n- NOPE-1"),
                 "course.yaml:12: Unknown prerequisite course NOPE-1; import it first.",
                 id="unknown-prerequisite"),
    pytest.param(replace("prerequisites: []", "prerequisites: [cx-101]"),
                 "course.yaml:11: A course cannot require itself.", id="self-prerequisite"),
    pytest.param(replace("minutes: 20", "minutes: 0"),
                 "course.yaml:19: minutes must be a whole number from 1 to 600.",
                 id="minutes-zero"),
    pytest.param(replace("minutes: 20", "minutes: 601"),
                 "course.yaml:19: minutes must be a whole number from 1 to 600.",
                 id="minutes-too-many"),
    pytest.param(replace("minutes: 20", "minutes: twenty"),
                 "course.yaml:19: minutes must be a whole number from 1 to 600.",
                 id="minutes-text"),
    pytest.param(replace("self_enrol: false", "self_enrol: perhaps"),
                 "course.yaml:5: self_enrol must be true or false.", id="flag"),
    pytest.param(replace("due_days: 14", "due_days: -1"),
                 "course.yaml:9: due_days must be a whole number from 1 to 3650.",
                 id="due-days"),
    pytest.param(replace("summary: How refunds work.\n",
                         "summary: How refunds work.\ncode: CX-102\n"),
                 "course.yaml:5: The key code appears twice.", id="duplicate-key"),
    pytest.param(replace("lessons/two.md", "lessons/two.txt"),
                 "course.yaml:20: lessons/two.txt is not a Markdown (.md) file.",
                 id="not-markdown"),
    pytest.param(replace("title: Handling refunds", "title: " + "x" * 201),
                 "course.yaml:2: title must be at most 200 characters.", id="long-title"),
    pytest.param("- just\n- a list\n",
                 "course.yaml:1: The manifest must be a mapping", id="not-a-mapping"),
    pytest.param(replace("modules:\n", "modules: []\nold_modules:\n"),
                 "course.yaml:12: modules must not be empty.", id="no-modules"),
]


@pytest.mark.parametrize(("manifest", "expected"), MALFORMED)
def test_malformed_manifests_are_reported_with_file_and_line(db, defaults, tmp_path,
                                                             manifest, expected):
    problems = problems_of(db, write_folder(tmp_path / "c", manifest))
    assert any(problem.startswith(expected) for problem in problems), problems


def test_every_problem_is_reported_at_once(db, defaults, tmp_path):
    manifest = replace("lessons/two.md", "lessons/missing.md",
                       replace("minutes: 20", "minutes: 0",
                               replace("[PROD-POLICY, ETQ-GREET]", "[NOPE]")))
    problems = problems_of(db, write_folder(tmp_path / "c", manifest))
    assert problems == [
        "course.yaml:10: Unknown competency NOPE.",
        "course.yaml:19: minutes must be a whole number from 1 to 600.",
        "course.yaml:20: lessons/missing.md does not exist.",
    ]


def test_non_utf8_markdown_names_file_and_line(db, defaults, tmp_path):
    files = {**LESSONS, "lessons/two.md": b"Line one\nLine two \xff\xfe here\n"}
    problems = problems_of(db, write_folder(tmp_path / "c", files=files))
    assert problems == ["lessons/two.md:2: This is not UTF-8 text (byte 0xff); save "
                        "the file as UTF-8 and try again."]


def test_nul_characters_and_non_utf8_manifests_are_refused(db, defaults, tmp_path):
    files = {**LESSONS, "practice/drill.md": "one\ntwo\x00\n"}
    assert problems_of(db, write_folder(tmp_path / "a", files=files)) == [
        "practice/drill.md:2: The file contains a NUL character."]
    folder = write_folder(tmp_path / "b")
    (folder / "course.yaml").write_bytes(MANIFEST.encode().replace(b"Handling", b"Handl\xe9ng"))
    assert problems_of(db, folder) == [
        "course.yaml:2: This is not UTF-8 text (byte 0xe9); save the file as UTF-8 and try "
        "again."]


def test_a_missing_manifest_is_reported(db, defaults, tmp_path):
    folder = write_folder(tmp_path / "c")
    (folder / "course.yaml").unlink()
    assert problems_of(db, folder) == ["course.yaml: course.yaml does not exist."]


def test_symlinked_lessons_and_folders_are_refused(db, defaults, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("# Not for import\n")
    folder = write_folder(tmp_path / "c")
    (folder / "lessons" / "two.md").unlink()
    os.symlink(secret, folder / "lessons" / "two.md")
    assert problems_of(db, folder) == [
        "course.yaml:20: lessons/two.md is a symbolic link; links are not imported."]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "drill.md").write_text("Elsewhere\n")
    (folder / "lessons" / "two.md").unlink()
    (folder / "lessons" / "two.md").write_text("fine\n")
    for child in (folder / "practice").iterdir():
        child.unlink()
    (folder / "practice").rmdir()
    os.symlink(outside, folder / "practice")
    assert problems_of(db, folder) == [
        "course.yaml:25: practice/drill.md is a symbolic link; links are not imported."]


def test_a_symlinked_manifest_is_refused(db, defaults, tmp_path):
    folder = write_folder(tmp_path / "c")
    real = tmp_path / "real.yaml"
    real.write_text(MANIFEST)
    (folder / "course.yaml").unlink()
    os.symlink(real, folder / "course.yaml")
    assert problems_of(db, folder) == [
        "course.yaml: course.yaml is a symbolic link; links are not imported."]


def test_a_missing_path_or_other_file_is_refused(db, defaults, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert problems_of(db, text) == [f"{text}: Expected a course folder or a .zip of one."]


# --- Archives ---------------------------------------------------------------------------

def write_zip(path: Path, entries: dict[str, bytes | str], prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(prefix + name, data)
    return path


def course_entries() -> dict[str, str]:
    return {"course.yaml": MANIFEST, **LESSONS}


@pytest.mark.parametrize("prefix", ["", "cx-101/"])
def test_a_zip_imports_with_or_without_a_top_folder(db, defaults, tmp_path, prefix):
    archive = write_zip(tmp_path / "c.zip", course_entries(), prefix)
    course = import_course(db.session, None, archive, publish_now=True)
    version = published(db.session, course)
    assert [lesson.body for m in version.modules for lesson in m.lessons] == list(
        LESSONS.values())


@pytest.mark.parametrize("evil", ["../evil.md", "lessons/../../evil.md", "/tmp/evil.md",
                                  "..\\evil.md", "C:/evil.md"])
def test_zip_slip_entries_refuse_the_whole_archive(db, defaults, tmp_path, evil):
    archive = write_zip(tmp_path / "c.zip", {**course_entries(), evil: "# gotcha\n"})
    assert problems_of(db, archive) == [
        f"c.zip: Entry {evil} points outside the course folder."]
    assert not (tmp_path.parent / "evil.md").exists()


def test_symlink_entries_in_a_zip_are_refused(db, defaults, tmp_path):
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in course_entries().items():
            if name != "lessons/two.md":
                zf.writestr(name, data)
        link = zipfile.ZipInfo("lessons/two.md")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    assert problems_of(db, archive) == [
        "c.zip: Entry lessons/two.md is a symbolic link; links are not imported."]


def test_a_zip_bomb_is_refused_before_it_is_inflated(db, defaults, tmp_path):
    zeros = b"\0" * (sources.MAX_UNCOMPRESSED_BYTES + 1)
    archive = write_zip(tmp_path / "bomb.zip", {**course_entries(), "padding.md": zeros})
    assert archive.stat().st_size < 1024 * 1024  # small on disk …
    assert problems_of(db, archive) == ["bomb.zip: The archive unpacks to more than 50 MB."]


def test_too_many_entries_and_oversized_archives_are_refused(db, defaults, tmp_path,
                                                            monkeypatch):
    monkeypatch.setattr(sources, "MAX_FILES", 5)
    entries = {**course_entries(), **{f"extra/{n}.md": "x" for n in range(3)}}
    archive = write_zip(tmp_path / "many.zip", entries)
    assert problems_of(db, archive) == [
        "many.zip: The archive holds 7 entries; at most 5 are accepted."]
    monkeypatch.setattr(sources, "MAX_ARCHIVE_BYTES", 100)
    assert problems_of(db, archive) == ["many.zip: The archive is larger than 0 MB."]


def test_a_lesson_larger_than_the_limit_is_refused(db, defaults, tmp_path, monkeypatch):
    monkeypatch.setattr(manifest_module, "MAX_LESSON_BYTES", 1024)
    files = {**LESSONS, "practice/drill.md": "x" * 2000}
    assert problems_of(db, write_folder(tmp_path / "c", files=files)) == [
        "course.yaml:25: practice/drill.md is larger than 1 KB."]
    archive = write_zip(tmp_path / "c.zip", {"course.yaml": MANIFEST, **files})
    assert problems_of(db, archive) == [
        "course.yaml:25: practice/drill.md is larger than 1 KB."]


def test_a_damaged_or_fake_zip_is_refused(db, defaults, tmp_path):
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"this is not a zip")
    assert problems_of(db, fake) == ["fake.zip: This is not a readable .zip archive."]


# --- Updating an existing course ---------------------------------------------------------

def lesson_keys(db, course) -> dict[str, str]:
    version = max(course.versions, key=lambda v: v.number)
    return {lesson.title: lesson.key for m in version.modules for lesson in m.lessons}


def test_reimporting_updates_the_draft_and_keeps_keys_where_titles_match(db, defaults,
                                                                         tmp_path):
    course = import_course(db.session, None, write_folder(tmp_path / "v1"), publish_now=True)
    db.session.commit()
    first = lesson_keys(db, course)
    manifest = replace("title: Saying it clearly", "title: Saying it plainly")
    # The drill moves into the first module; its key (and learners' progress) follows it.
    manifest = replace("- title: Practice\n  lessons:\n  - file: practice/drill.md\n"
                       "    title: Refund drill\n    minutes: 30\n",
                       "- title: Practice\n  lessons:\n  - file: lessons/two.md\n"
                       "    title: Wrap-up\n    minutes: 5\n", manifest)
    manifest = replace("  - file: lessons/two.md\n    title: Saying it plainly\n",
                       "  - file: practice/drill.md\n    title: Refund drill\n    minutes: 30\n"
                       "  - file: lessons/one.md\n    title: Saying it plainly\n", manifest)
    manifest = replace("- file: lessons/one.md\n    title: The refund rule",
                       "- file: lessons/three.md\n    title: The refund rule", manifest)
    files = {**LESSONS, "lessons/three.md": "# The refund rule, revised\n"}
    again = import_course(db.session, None, write_folder(tmp_path / "v2", manifest, files))
    db.session.commit()
    assert again.id == course.id
    assert course.published_version == 1  # not published: a draft only
    second = lesson_keys(db, course)
    assert second["The refund rule"] == first["The refund rule"]
    assert second["Refund drill"] == first["Refund drill"]
    assert second["Saying it plainly"] not in first.values()
    assert "Wrap-up" in second
    draft_version = max(course.versions, key=lambda v: v.number)
    assert draft_version.number == 2 and draft_version.is_draft
    assert [[lesson.title for lesson in m.lessons] for m in draft_version.modules] == [
        ["The refund rule", "Refund drill", "Saying it plainly"], ["Wrap-up"]]
    # The published version still reads as it was.
    v1 = published(db.session, course)
    assert [lesson.title for m in v1.modules for lesson in m.lessons] == [
        "The refund rule", "Saying it clearly", "Refund drill"]
    import_course(db.session, None, write_folder(tmp_path / "v2"), publish_now=True)
    db.session.commit()
    assert course.published_version == 2
    assert len(course.versions) == 2


def test_reimport_replaces_tiers_competencies_and_prerequisites(db, defaults, tmp_path):
    base = write_folder(tmp_path / "base", replace("code: CX-101", "code: CX-100"))
    import_course(db.session, None, base, publish_now=True)
    course = import_course(db.session, None, write_folder(tmp_path / "v1"), publish_now=True)
    manifest = replace("path: NEWHIRE\n  required: true\n  due_days: 14",
                       "path: SENIOR\n  required: false",
                       replace("[PROD-POLICY, ETQ-GREET]", "[SOLVE-5STEP]",
                               replace("prerequisites: []", "prerequisites: [CX-100]")))
    import_course(db.session, None, write_folder(tmp_path / "v2", manifest))
    db.session.commit()
    assert [link.competency.code for link in course.competency_links] == ["SOLVE-5STEP"]
    assert [(link.path.code, link.required, link.due_days)
            for link in course.path_links] == [("SENIOR", False, None)]
    assert [link.requires.code for link in course.prerequisite_links] == ["CX-100"]


def test_prerequisite_loops_are_refused(db, defaults, tmp_path):
    first = replace("code: CX-101", "code: CX-100")
    import_course(db.session, None, write_folder(tmp_path / "a", first), publish_now=True)
    import_course(db.session, None, write_folder(
        tmp_path / "b", replace("prerequisites: []", "prerequisites: [CX-100]")))
    db.session.commit()
    looping = replace("prerequisites: []", "prerequisites: [CX-101]", first)
    assert problems_of(db, write_folder(tmp_path / "c", looping)) == [
        "course.yaml:11: CX-101 already requires this course; prerequisites cannot form a "
        "loop."]


def test_a_bad_reimport_leaves_the_existing_course_untouched(db, defaults, tmp_path):
    course = import_course(db.session, None, write_folder(tmp_path / "v1"), publish_now=True)
    db.session.commit()
    bad = replace("title: Handling refunds", "title: Renamed",
                  replace("lessons/two.md", "lessons/missing.md"))
    problems_of(db, write_folder(tmp_path / "v2", bad))
    db.session.expire_all()
    assert course.title == "Handling refunds" and len(course.versions) == 1


# --- Export and round trips --------------------------------------------------------------

AWKWARD = {
    # CRLF endings, a byte-order mark, no final newline, trailing spaces, CJK and emoji.
    "a/crlf.md": b"# Title\r\n\r\nLine with CRLF  \r\nand more\r\n",
    "a/bom.md": "\ufeff## 标题\n\n中文内容，全角标点。".encode(),
    "b/raw.md": "Tabs\tand  spaces   \n\n\n\n<details><summary>x</summary>y</details>\n🙂"
                .encode(),
}
AWKWARD_MANIFEST = """\
code: RT-1
title: Round trip
modules:
- title: Módulo ünïcode — 一
  lessons:
  - {file: a/crlf.md, title: CRLF, minutes: 1}
  - {file: a/bom.md, title: 中文课, title_zh: 中文课, minutes: 600}
- title: 二
  lessons:
  - {file: b/raw.md, title: 'Raw: HTML & tabs', minutes: 7}
"""


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_round_trip_is_byte_for_byte(db, defaults, tmp_path):
    source = write_folder(tmp_path / "src", AWKWARD_MANIFEST, AWKWARD)
    import_course(db.session, None, source, publish_now=True)
    db.session.commit()
    first = export_course(db.session, "RT-1", tmp_path / "out1")
    exported = read_tree(first)
    spec = read_course_folder(db.session, first)
    # Lessons come back in manifest order with exactly the original bytes.
    assert [lesson.body.encode() for m in spec.modules for lesson in m.lessons] == list(
        AWKWARD.values())
    lesson_files = [name for name in exported if name != "course.yaml"]
    assert [exported[name] for name in lesson_files] == list(AWKWARD.values())
    # Importing the export and exporting again changes nothing at all.
    import_course(db.session, None, first, publish_now=True)
    db.session.commit()
    second = export_course(db.session, "rt-1", tmp_path / "out2")
    assert read_tree(second) == exported


def test_zip_exports_are_reproducible_and_importable(db, defaults, tmp_path):
    import_course(db.session, None, write_folder(tmp_path / "src"), publish_now=True)
    db.session.commit()
    one = export_course(db.session, "CX-101", tmp_path / "one.zip")
    two = export_course(db.session, "CX-101", tmp_path / "two.zip")
    assert one.read_bytes() == two.read_bytes()
    with zipfile.ZipFile(one) as archive:
        assert [info.filename for info in archive.infolist()][0] == "course.yaml"
        assert [archive.read(n) for n in archive.namelist()[1:]] == [
            content.encode() for content in LESSONS.values()]
    spec = read_course_folder(db.session, one)
    assert spec.code == "CX-101" and len(spec.modules) == 2


def test_export_refuses_unknown_unpublished_and_occupied_targets(db, defaults, tmp_path):
    from lms.core.errors import DomainError

    with pytest.raises(DomainError, match="no course with code NOPE"):
        export_course(db.session, "NOPE", tmp_path / "x")
    import_course(db.session, None, write_folder(tmp_path / "src"))
    with pytest.raises(DomainError, match="no published version"):
        export_course(db.session, "CX-101", tmp_path / "x")
    content_course = db.session.scalar(select(Course).where(Course.code == "CX-101"))
    with pytest.raises(DomainError):
        course_files(db.session, content_course)
    import_course(db.session, None, tmp_path / "src", publish_now=True)
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    with pytest.raises(DomainError, match="not an empty folder"):
        export_course(db.session, "CX-101", occupied)
    export_course(db.session, "CX-101", occupied, overwrite=True)
    assert (occupied / "keep.txt").read_text() == "mine"
    assert (occupied / "course.yaml").exists()


# --- The commands -----------------------------------------------------------------------

def test_import_and_export_commands(runner, db, defaults, tmp_path):
    folder = write_folder(tmp_path / "src")
    result = runner.invoke(args=["import-course", str(folder), "--publish"])
    assert result.exit_code == 0, result.output
    assert "Imported CX-101" in result.output and "published version 1" in result.output
    result = runner.invoke(args=["import-course", str(folder)])
    assert result.exit_code == 0 and "draft version 2" in result.output
    out = tmp_path / "out"
    result = runner.invoke(args=["export-course", "CX-101", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "course.yaml").exists()
    result = runner.invoke(args=["export-course", "CX-101", str(tmp_path / "c.zip")])
    assert result.exit_code == 0 and zipfile.is_zipfile(tmp_path / "c.zip")
    result = runner.invoke(args=["export-course", "NOPE", str(tmp_path / "n")])
    assert result.exit_code == 1 and "no course with code NOPE" in result.output


def test_import_command_lists_every_problem_and_imports_nothing(runner, db, defaults,
                                                                tmp_path):
    manifest = replace("lessons/two.md", "../two.md", replace("minutes: 20", "minutes: 0"))
    result = runner.invoke(args=["import-course", str(write_folder(tmp_path / "c", manifest))])
    assert result.exit_code == 1
    assert "course.yaml:19: minutes must be a whole number from 1 to 600." in result.output
    assert "course.yaml:20: ../two.md is outside the course folder" in result.output
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_a_lesson_twin_in_chinese_is_its_translation_and_exports_back(db, defaults, tmp_path):
    files = dict(LESSONS, **{"lessons/one.zh_Hans.md": "# 退款规则\n\n退款原路退回。\n"})
    course = import_course(db.session, None, write_folder(tmp_path / "c", files=files),
                           publish_now=True)
    db.session.commit()
    lessons = [lesson for m in published(db.session, course).modules for lesson in m.lessons]
    assert lessons[0].translations["zh_Hans_CN"]["body"] == files["lessons/one.zh_Hans.md"]
    assert "body" not in lessons[1].translations.get("zh_Hans_CN", {})
    exported = course_files(db.session, course)
    assert any(name.endswith(".zh_Hans.md") and data.decode() == "# 退款规则\n\n退款原路退回。\n"
               for name, data in exported.items())


def test_a_lesson_twin_that_is_not_utf8_is_refused(db, defaults, tmp_path):
    files = dict(LESSONS, **{"lessons/one.zh_Hans.md": "退款".encode("gb18030")})
    problems = problems_of(db, write_folder(tmp_path / "c", files=files))
    assert any("one.zh_Hans.md" in problem for problem in problems)


def test_the_translation_status_lists_what_lacks_chinese(db, defaults, tmp_path):
    from courses.services.authoring import translation_status

    files = dict(LESSONS, **{"lessons/one.zh_Hans.md": "退款原路退回。\n"})
    course = import_course(db.session, None, write_folder(tmp_path / "c", files=files),
                           publish_now=True)
    [status] = translation_status(published(db.session, course))
    assert status.language == "zh_Hans_CN"
    # The course lacks its summary; "Practice" its title; two lessons their title and text.
    assert status.missing == ["Handling refunds", "Saying it clearly", "Practice",
                              "Refund drill"]
    assert (status.total, status.translated) == (6, 2)


def test_imports_announce_the_tiers_whose_required_courses_change(db, defaults, tmp_path,
                                                                   make_person):
    # The tiers' rules quote their required published courses: an import (or its
    # publication) that changes them re-evaluates the tier's people; one that does not, no one.
    from certificates.services.reevaluation import outdated_people

    make_person(tier_id=defaults["NEWHIRE"].id)

    def latest(action):
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.id.desc())).first()

    import_course(db.session, None, write_folder(tmp_path / "v1"), publish_now=True)
    db.session.commit()
    assert "reevaluated" not in latest("course.import").details     # a draft: no rule yet
    assert latest("course.publish").details["reevaluated"] == 1
    optional = replace("path: NEWHIRE\n  required: true\n  due_days: 14",
                       "path: SENIOR\n  required: false")
    import_course(db.session, None, write_folder(tmp_path / "v2", optional))
    db.session.commit()
    assert latest("course.import").details["reevaluated"] == 1
    assert outdated_people(db.session) == []
    import_course(db.session, None, write_folder(tmp_path / "v3", optional))
    db.session.commit()
    assert "reevaluated" not in latest("course.import").details
