"""Importing a course .zip in the browser: the dry-run report first (nothing written), then the
import; the command line's --dry-run gives the same report."""

import io
import re

import pytest
from sqlalchemy import func, select

from courses.models import Course
from courses.services.content_files import import_course
from tests.assessments.scorm.package import make_package
from tests.courses.test_content_files import LESSONS, course_entries, write_zip


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


def test_a_scorm_package_is_sent_to_its_page(db, client, author):
    page = client.post("/author/courses/import", data={
        "action": "preview", "file": (io.BytesIO(make_package()), "scorm.zip")},
        content_type="multipart/form-data")
    assert page.status_code == 422 and "This is a SCORM package" in page.get_data(as_text=True)


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
