"""Importing a course .zip in the browser: the dry-run report first (nothing written), then the
import; the command line's --dry-run gives the same report. SCORM and xAPI packages are told
apart by content and get their own dry run on the same page."""

import io
import re

import pytest
from sqlalchemy import func, select

from assessments.scorm.models import ScormPackage
from courses.models import Course
from courses.services.content_files import import_course
from tests.assessments.scorm.package import make_package
from tests.assessments.scorm.tincan_package import make_tincan_package
from tests.courses.test_content_files import LESSONS, course_entries, write_zip


def packages_kept(db):
    return db.session.scalar(select(func.count()).select_from(ScormPackage))


def count(db):
    return db.session.scalar(select(func.count()).select_from(Course))


def zip_bytes(tmp_path, entries) -> bytes:
    return write_zip(tmp_path / "course.zip", entries).read_bytes()


@pytest.fixture
def author(db, defaults, make_person, auth):
    admin = make_person(("admin",))
    auth.login(admin)
    return admin


def test_dry_run_then_import(db, client, author, tmp_path):
    raw = zip_bytes(tmp_path, course_entries())
    page = client.post("/author/courses/import", data={
        "action": "preview", "file": (io.BytesIO(raw), "course.zip")},
        content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dry run: nothing has been imported yet" in body
    assert body.count("<td>New</td>") == len(LESSONS)
    assert count(db) == 0
    sha256 = re.search(r'name="sha256" type="hidden" value="([0-9a-f]{64})"', body).group(1)
    done = client.post("/author/courses/import", data={"action": "import", "sha256": sha256,
                                                       "publish": "y"})
    assert done.status_code == 302 and count(db) == 1
    # A second upload of the same file: a new draft, every lesson unchanged.
    again = client.post("/author/courses/import", data={
        "action": "preview", "file": (io.BytesIO(raw), "course.zip")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "A new draft of" in again and again.count("<td>Unchanged</td>") == len(LESSONS)


def test_problems_are_listed_and_nothing_is_written(db, client, author, tmp_path):
    raw = zip_bytes(tmp_path, {**course_entries(), "../evil.md": "x"})
    page = client.post("/author/courses/import", data={
        "action": "preview", "file": (io.BytesIO(raw), "course.zip")},
        content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and "points outside the course folder" in body
    assert count(db) == 0


def _published_lesson(db) -> str:
    from courses.services import authoring, versions

    course = authoring.save_course(db.session, None, None, authoring.CourseData(
        code="REF-P", title="Refund packages"))
    module = authoring.add_module(db.session, None, course, "Module one")
    lesson = authoring.save_lesson(db.session, None, module, None, authoring.LessonData(
        title="Refund basics", body="Play the module.", minutes=5))
    versions.publish(db.session, None, course, "first")
    db.session.commit()
    return lesson.key


@pytest.mark.parametrize("raw, kind, title", [
    (make_package(), "SCORM 1.2", "Refund basics"),
    (make_package("2004"), "SCORM 2004", "Refund basics 2004"),
    (make_tincan_package(), "xAPI", "Refund basics (xAPI)"),
])
def test_scorm_and_xapi_packages_dry_run_then_import(db, client, author, raw, kind, title):
    key = _published_lesson(db)
    page = client.post("/author/courses/import", data={
        "action": "preview", "file": (io.BytesIO(raw), "package.zip"), "lesson_key": key},
        content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dry run: nothing has been imported yet" in body
    assert f"<dd>{kind}</dd>" in body and f"<dd>{title}</dd>" in body
    assert f"Content of lesson {key} of Refund packages" in body
    assert packages_kept(db) == 0 and count(db) == 1
    sha256 = re.search(r'name="sha256" type="hidden" value="([0-9a-f]{64})"', body).group(1)
    done = client.post("/author/courses/import", data={
        "action": "import", "sha256": sha256, "lesson_key": key}, follow_redirects=True)
    assert f"The {kind} package {title} is ready." in done.get_data(as_text=True)
    package = db.session.scalars(select(ScormPackage)).one()
    assert (package.lesson_key, package.title) == (key, title)
    assert count(db) == 1  # no course made of it


def test_a_package_for_an_unknown_lesson_or_broken_is_refused(db, client, author):
    page = client.post("/author/courses/import", data={
        "action": "preview", "file": (io.BytesIO(make_tincan_package()), "p.zip"),
        "lesson_key": "no-such-lesson"}, content_type="multipart/form-data")
    assert page.status_code == 422
    assert "No published course has a lesson with that key." in page.get_data(as_text=True)
    broken = make_tincan_package({"tincan.xml": "<tincan><oops"})
    page = client.post("/author/courses/import", data={
        "action": "preview", "file": (io.BytesIO(broken), "p.zip")},
        content_type="multipart/form-data")
    assert page.status_code == 422
    assert "tincan.xml is not readable XML" in page.get_data(as_text=True)
    assert packages_kept(db) == 0


def test_forged_or_expired_uploads_are_refused(db, client, author):
    for sha256 in ("../../etc/passwd", "0" * 64):
        page = client.post("/author/courses/import", data={"action": "import",
                                                           "sha256": sha256})
        assert page.status_code == 422


@pytest.mark.parametrize("role, status", [("admin", 200), ("agent", 403), ("hr", 403)])
def test_who_may_import(db, defaults, client, auth, make_person, role, status):
    auth.login(make_person((role,)))
    assert client.get("/author/courses/import").status_code == status


def test_cli_dry_run(db, defaults, runner, tmp_path):
    archive = write_zip(tmp_path / "c.zip", course_entries())
    result = runner.invoke(args=["import-course", str(archive), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Dry run: nothing was imported.\nNew course ")
    assert result.output.count("  new: ") == len(LESSONS)
    assert count(db) == 0
    import_course(db.session, None, archive, publish_now=True)
    db.session.commit()
    result = runner.invoke(args=["import-course", str(archive), "--dry-run"])
    assert "Update of" in result.output and result.output.count("  unchanged: ") == len(LESSONS)
