"""SCORM: packages checked on upload (manifest, zip slip, zip bombs), files served from the zip
in a sandbox with the run-time injected, CMI data kept per learner and attempt, resume, and
completion → lesson completion and evidence."""

import io
import json
import stat
import zipfile

import pytest
from sqlalchemy import func, select

from assessments.scorm.models import ScormAttempt, ScormPackage
from assessments.scorm.services import packages, runtime
from courses.models import LessonCompletion
from courses.services import enrolment, progress
from lms.competencies.models import Competency, Evidence
from lms.core.errors import DomainError
from tests.assessments.scorm.package import MANIFEST_12, make_package


@pytest.fixture
def storage(app):
    return app.config["STORAGE_DIR"]


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_scorm_12_package_is_read_from_its_manifest(db, app, storage):
    package = packages.import_package(db.session, None, storage, make_package())
    assert (package.title, package.version, package.launch, package.mastery_score,
            package.file_count) == ("Refund basics", "1.2", "index.html", 80, 3)


def test_a_scorm_2004_package(db, app, storage):
    package = packages.import_package(db.session, None, storage, make_package("2004"),
                                      title="My title")
    assert (package.title, package.version, package.launch) == ("My title", "2004",
                                                                 "sco/index.html")


def _zip(entries, symlink=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


GOOD = {"imsmanifest.xml": MANIFEST_12, "index.html": "<html></html>", "course.js": ""}


@pytest.mark.parametrize("raw, message", [
    (b"not a zip", "not a readable .zip"),
    (_zip({"index.html": "x"}), "Neither imsmanifest.xml (SCORM) nor tincan.xml"),
    (_zip({**GOOD, "../evil.html": "x"}), "points outside the package"),
    (_zip({**GOOD, "/etc/cron.d/x": "x"}), "points outside the package"),
    (_zip({**GOOD, "a\\..\\b.html": "x"}), "points outside the package"),
    (_zip(GOOD, symlink="link.html"), "symbolic link"),
    (_zip({**GOOD, "zeros.bin": b"\0" * (4 << 20)}), "zip bomb"),
    (_zip({**GOOD, "imsmanifest.xml": "<manifest><oops"}), "not readable XML"),
    (_zip({**GOOD, "imsmanifest.xml": '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "b">]>'
                                       "<manifest>&a;</manifest>"}), "not readable XML"),
    (_zip({**GOOD, "imsmanifest.xml": MANIFEST_12.replace("1.2</schemaversion>",
                                                          "</schemaversion>")
           .replace("adlcp_rootv1p2", "adlcp")}), "which SCORM version"),
    (_zip({**GOOD, "imsmanifest.xml": MANIFEST_12.replace('href="index.html"',
                                                          'href="missing.html"', 1)}),
     "missing.html is not in the package"),
    (_zip({**GOOD, "imsmanifest.xml": MANIFEST_12.replace('identifierref="res1"', "")}),
     "points to a resource"),
])
def test_unsafe_or_broken_packages_are_refused(db, app, storage, raw, message):
    with pytest.raises(DomainError) as refused:
        packages.import_package(db.session, None, storage, raw)
    assert message in refused.value.message
    assert count(db, ScormPackage) == 0


def test_an_unknown_lesson_key_is_refused(db, app, storage):
    with pytest.raises(DomainError) as refused:
        packages.import_package(db.session, None, storage, make_package(), "no-such-lesson")
    assert refused.value.field == "lesson_key"


# Playing


@pytest.fixture
def course_with_package(db, defaults, storage, make_person):
    from courses.services import authoring, versions

    course = authoring.save_course(db.session, None, None, authoring.CourseData(
        code="REF-1", title="Refunds"))
    module = authoring.add_module(db.session, None, course, "Module one")
    lesson = authoring.save_lesson(db.session, None, module, None, authoring.LessonData(
        title="Refund basics", body="Play the module.", minutes=5))
    versions.publish(db.session, None, course, "first")
    agent = make_person(("agent",))
    enrolment.enrol(db.session, None, agent, course)
    package = packages.import_package(db.session, None, storage, make_package(), lesson.key)
    package.competency_id = db.session.scalars(select(Competency.id)).first()
    db.session.commit()
    return course, lesson, package, agent


def test_cmi_data_is_kept_and_resumed(db, app, course_with_package):
    course, lesson, package, agent = course_with_package
    attempt = runtime.current_attempt(db.session, package, agent)
    start = runtime.launch_data(package, attempt, agent)["cmi"]
    assert start["cmi.core.entry"] == "ab-initio" and start["cmi.core.student_id"] == str(
        agent.id)
    assert runtime.commit(db.session, agent, attempt, {
        "cmi.core.lesson_location": "3", "cmi.suspend_data": '{"days":"7"}',
        "cmi.core.lesson_status": "incomplete", "cmi.core.student_id": "forged"}) is False
    db.session.commit()
    again = runtime.current_attempt(db.session, package, agent)
    assert again.id == attempt.id and again.location == "3"
    resumed = runtime.launch_data(package, again, agent)["cmi"]
    assert resumed["cmi.core.entry"] == "resume"
    assert resumed["cmi.suspend_data"] == '{"days":"7"}'
    assert resumed["cmi.core.student_id"] == str(agent.id)
    assert attempt.completion_status == "incomplete"
    assert count(db, LessonCompletion) == 0


def test_completion_completes_the_lesson_and_writes_evidence(db, app, course_with_package):
    course, lesson, package, agent = course_with_package
    attempt = runtime.current_attempt(db.session, package, agent)
    done = runtime.commit(db.session, agent, attempt, {
        "cmi.core.lesson_status": "completed", "cmi.core.score.raw": "90",
        "cmi.core.session_time": "0000:01:30.00",
        "cmi.interactions.0.id": "refund-days", "cmi.interactions.0.result": "correct"},
        finish=True)
    db.session.commit()
    assert done is True
    assert (attempt.completion_status, attempt.success_status, attempt.score,
            attempt.total_seconds) == ("completed", "passed", 90, 90)
    assert attempt.cmi["cmi.core.lesson_status"] == "passed"  # by the mastery score
    assert attempt.cmi["cmi.interactions.0.result"] == "correct"
    standing = progress.progress(db.session, [agent.id], [course.id], with_keys=True)[
        (agent.id, course.id)]
    assert lesson.key in standing.done_keys
    completion = db.session.scalars(select(LessonCompletion)).one()
    assert completion.method == "scorm"
    evidence = db.session.scalars(select(Evidence).where(Evidence.source_kind == "scorm")).one()
    assert (evidence.score, evidence.person_id, evidence.competency_id) == (
        90, agent.id, package.competency_id)
    # A new launch starts a new attempt.
    assert runtime.current_attempt(db.session, package, agent).number == 2


def test_a_score_below_mastery_fails(db, app, course_with_package):
    _course, _lesson, package, agent = course_with_package
    attempt = runtime.current_attempt(db.session, package, agent)
    runtime.commit(db.session, agent, attempt, {"cmi.core.lesson_status": "completed",
                                               "cmi.core.score.raw": "50"}, finish=True)
    assert (attempt.success_status, attempt.completion_status) == ("failed", "completed")


def test_scorm_2004_statuses_and_scaled_score(db, app, storage, make_person):
    agent = make_person(("agent",))
    package = packages.import_package(db.session, None, storage, make_package("2004"))
    attempt = runtime.current_attempt(db.session, package, agent)
    assert runtime.launch_data(package, attempt, agent)["cmi"]["cmi.learner_id"] == str(
        agent.id)
    runtime.commit(db.session, agent, attempt, {
        "cmi.location": "p2", "cmi.completion_status": "completed",
        "cmi.success_status": "passed", "cmi.score.scaled": "0.85",
        "cmi.session_time": "PT1M5S"}, finish=True)
    assert (attempt.location, attempt.score, attempt.total_seconds) == ("p2", 85, 65)
    assert attempt.completed_at is not None


def test_someone_elses_attempt_is_refused(db, app, course_with_package, make_person):
    _course, _lesson, package, agent = course_with_package
    attempt = runtime.current_attempt(db.session, package, agent)
    with pytest.raises(DomainError):
        runtime.commit(db.session, make_person(("agent",)), attempt, {})


@pytest.mark.parametrize("text, seconds", [
    ("0000:01:30.00", 90), ("01:00:00", 3600), ("PT1H2M3S", 3723), ("PT0.5S", 0),
    ("P1DT1S", 86401), ("nonsense", 0), ("", 0)])
def test_session_times(text, seconds):
    assert runtime.parse_duration(text) == seconds


# Over HTTP


def test_content_is_served_sandboxed_with_the_runtime(db, app, client, auth,
                                                      course_with_package):
    _course, _lesson, package, agent = course_with_package
    assert client.get(f"/scorm/{package.id}").status_code in (302, 401)
    auth.login(agent)
    page = client.get(f"/scorm/{package.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'sandbox="allow-scripts allow-forms allow-popups allow-downloads"' in body
    src = body.split('id="scorm-frame" title="Refund basics" src="')[1].split('"')[0]
    token = src.split("/")[3]
    client.post("/logout")  # the frame has no cookies: the token alone serves it
    html = client.get(src)
    assert html.status_code == 200
    csp = html.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts") and "allow-same-origin" not in csp
    assert html.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert f'<head><script src="/scorm/content/{token}/__lms_runtime.js"></script>' in \
        html.get_data(as_text=True)
    script = client.get(f"/scorm/content/{token}/__lms_runtime.js").get_data(as_text=True)
    boot = json.loads(script.split("window.__LMS_SCORM__ = ", 1)[1].split(";\n", 1)[0])
    assert boot["version"] == "1.2" and boot["cmi"]["cmi.core.entry"] == "ab-initio"
    assert "LMSInitialize" in script
    assert client.get(f"/scorm/content/{token}/course.js").status_code == 200
    assert client.get(f"/scorm/content/{token}/nothing.html").status_code == 404
    assert client.get(f"/scorm/content/{token}/../imsmanifest.xml").status_code == 404
    assert client.get("/scorm/content/forged.token/index.html").status_code == 404
    response = client.post(f"/scorm/content/{token}/__lms_commit", data=json.dumps(
        {"values": {"cmi.core.lesson_location": "2"}, "finish": False}),
        content_type="text/plain")
    assert response.status_code == 204
    attempt = db.session.scalars(select(ScormAttempt)).one()
    db.session.refresh(attempt)
    assert attempt.location == "2"
    assert client.post(f"/scorm/content/{token}/__lms_commit", data="{not json",
                       content_type="text/plain").status_code == 400


@pytest.mark.parametrize("role, status", [("admin", 200), ("agent", 403), ("hr", 403),
                                          ("manager", 403)])
def test_who_may_upload(db, app, client, auth, make_person, role, status):
    auth.login(make_person((role,)))
    assert client.get("/author/scorm").status_code == status


def test_upload_page_and_cli(db, app, client, auth, make_person, runner, tmp_path):
    auth.login(make_person(("admin",)))
    response = client.post("/author/scorm", data={
        "file": (io.BytesIO(make_package()), "refund.zip"), "title": ""},
        content_type="multipart/form-data")
    assert response.status_code == 302
    refused = client.post("/author/scorm", data={
        "file": (io.BytesIO(_zip({**GOOD, "../x": "x"})), "bad.zip")},
        content_type="multipart/form-data")
    assert refused.status_code == 422 and "outside the package" in refused.get_data(
        as_text=True)
    listing = client.get("/author/scorm").get_data(as_text=True)
    assert "Refund basics" in listing
    source = tmp_path / "refund.zip"
    source.write_bytes(make_package("2004"))
    result = runner.invoke(args=["import-scorm", str(source)])
    assert result.exit_code == 0 and "SCORM 2004" in result.output, result.output
    source.write_bytes(b"junk")
    result = runner.invoke(args=["import-scorm", str(source)])
    assert result.exit_code != 0 and "not a readable .zip" in result.output
    assert count(db, ScormPackage) == 2
