"""xAPI (Tin Can) packages: tincan.xml read and checked on upload, the launch as the Tin Can
launch spec says (no LRS credentials in the browser), and the LMS's /xapi/ endpoint: a token
per attempt, only the learner's statements about the package's activities, state kept for
resume, completion completing the lesson, statements handed to the outbox."""

import base64
import io
import json
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from assessments.scorm.models import ScormAttempt, ScormPackage
from assessments.scorm.services import packages, tincan
from courses.models import LessonCompletion
from courses.services import enrolment
from lms.core.errors import DomainError
from reports.models import XapiStatement
from tests.assessments.scorm.tincan_package import ROOT, TINCAN_XML, make_tincan_package

QUESTION = "https://content.example.com/questions/days"
ADL = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "XAPI_ENDPOINT": "http://127.0.0.1:9/xAPI/",
            "PUBLIC_URL": "https://academy.example.com"}


@pytest.fixture
def storage(app):
    return app.config["STORAGE_DIR"]


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_tincan_package_is_read_from_tincan_xml(db, app, storage):
    package = packages.import_package(db.session, None, storage, make_tincan_package())
    assert (package.version, package.title, package.identifier, package.launch,
            package.file_count) == ("xapi", "Refund basics (xAPI)", ROOT, "index.html", 3)
    assert packages.package_activities(storage, package) == {ROOT, QUESTION}
    plan = packages.plan_package(db.session, make_tincan_package(), title="Mine")
    assert (plan.kind, plan.title) == ("xAPI", "Mine")


@pytest.mark.parametrize("files, message", [
    ({"tincan.xml": "<tincan><oops"}, "tincan.xml is not readable XML"),
    ({"tincan.xml": "<manifest/>"}, "must hold <tincan><activities>"),
    ({"tincan.xml": TINCAN_XML.replace("<launch lang=\"en-us\">index.html</launch>", "")},
     "has a <launch> file"),
    ({"tincan.xml": TINCAN_XML.replace(">index.html<", ">missing.html<")},
     "missing.html is not in the package"),
    ({"tincan.xml": TINCAN_XML.replace(f'id="{ROOT}"', 'id="not an iri"')}, "IRI"),
    ({"../evil.js": "x"}, "points outside the package"),
])
def test_broken_tincan_packages_are_refused(db, app, storage, files, message):
    with pytest.raises(DomainError) as refused:
        packages.import_package(db.session, None, storage, make_tincan_package(files))
    assert message in refused.value.message
    assert count(db, ScormPackage) == 0


@pytest.fixture
def launched(db, defaults, storage, make_person, client, auth):
    """A published course whose lesson is the package; an enrolled agent launched it.
    Returns (launch parameters, the agent, the lesson's key, the course)."""
    from courses.services import authoring, versions

    course = authoring.save_course(db.session, None, None, authoring.CourseData(
        code="REF-X", title="Refunds"))
    module = authoring.add_module(db.session, None, course, "Module one")
    lesson = authoring.save_lesson(db.session, None, module, None, authoring.LessonData(
        title="Refund basics", body="Play the module.", minutes=5))
    versions.publish(db.session, None, course, "first")
    agent = make_person(("agent",), name="Ada Agent", email="ada@example.com")
    enrolment.enrol(db.session, None, agent, course)
    package = packages.import_package(db.session, None, storage, make_tincan_package(),
                                      lesson.key)
    db.session.commit()
    auth.login(agent)
    page = client.get(f"/scorm/{package.id}").get_data(as_text=True)
    src = page.split('id="scorm-frame" title="Refund basics (xAPI)" src="')[1].split('"')[0]
    src = src.replace("&amp;", "&")
    client.post("/logout")  # the frame has no cookies: the launch's auth is all it has
    query = {k: v[0] for k, v in parse_qs(urlsplit(src).query).items()}
    query["src"] = src
    return query, agent, lesson.key, course


def _headers(launch) -> dict:
    return {"Authorization": launch["auth"], "X-Experience-API-Version": "1.0.3"}


def _statement(launch, verb="experienced", object_id=ROOT, **extra) -> dict:
    return {"actor": json.loads(launch["actor"]), "object": {"id": object_id},
            "verb": {"id": ADL + verb, "display": {"en-US": verb}}, **extra}


def _post(client, launch, body, **kwargs):
    return client.post("/xapi/statements", data=json.dumps(body), headers=_headers(launch),
                       content_type="application/json", **kwargs)


def test_the_launch_follows_the_tincan_launch_spec(db, client, launched):
    launch, agent, _key, _course = launched
    assert launch["endpoint"] == "https://academy.example.com/xapi/"
    assert launch["activity_id"] == ROOT
    assert json.loads(launch["actor"]) == {"objectType": "Agent", "name": "Ada Agent",
                                           "mbox": "mailto:ada@example.com"}
    attempt = db.session.scalars(select(ScormAttempt)).one()
    assert launch["registration"] == tincan.registration(attempt)
    user, _colon, token = base64.b64decode(launch["auth"].split()[1]).decode().partition(":")
    assert user == "xapi" and token and "lrs-" not in launch["auth"]
    # The package's page is served as is (no SCORM run-time), sandboxed.
    html = client.get(launch["src"])
    assert html.status_code == 200 and "__lms_runtime" not in html.get_data(as_text=True)
    assert html.headers["Content-Security-Policy"].startswith("sandbox allow-scripts")


def test_the_endpoint_wants_the_launch_token(db, client, launched, monkeypatch):
    launch, _agent, _key, _course = launched
    assert client.get("/xapi/about").get_json()["version"][0] == "1.0.3"
    body = json.dumps(_statement(launch))
    assert client.post("/xapi/statements", data=body,
                       content_type="application/json").status_code == 401
    forged = "Basic " + base64.b64encode(b"xapi:forged.token").decode()
    assert client.post("/xapi/statements", data=body, content_type="application/json",
                       headers={"Authorization": forged}).status_code == 401
    preflight = client.options("/xapi/statements", headers={
        "Origin": "null", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    monkeypatch.setattr(tincan, "TOKEN_MAX_AGE", -1)  # an expired launch
    assert _post(client, launch, _statement(launch)).status_code == 401
    assert count(db, XapiStatement) == 1  # the LMS's own "launched", nothing else


@pytest.mark.parametrize("change, message", [
    ({"actor": {"mbox": "mailto:someone.else@example.com"}}, "learner who launched"),
    ({"object": {"id": "https://elsewhere.example.com/course"}}, "module's activities"),
    ({"object": {"objectType": "Agent", "mbox": "mailto:ada@example.com"}},
     "module's activities"),
    ({"verb": {"display": {"en-US": "did"}}}, "verb with an IRI"),
    ({"id": "not-a-uuid"}, "UUID"),
    ({"context": {"registration": "6f1d1d47-8a1b-4d2b-9a39-2f3f5d1e0a11"}},
     "another registration"),
    ({"result": {"score": {"scaled": 7}}}, "scaled score"),
])
def test_only_the_learners_statements_about_the_package(db, client, launched, change,
                                                        message):
    launch, _agent, _key, _course = launched
    before = count(db, XapiStatement)
    good = _statement(launch, "experienced", QUESTION)
    response = _post(client, launch, [good, {**_statement(launch), **change}])
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(db, XapiStatement) == before  # all or none


def test_statements_go_to_the_outbox_rebuilt(db, client, launched):
    launch, agent, _key, _course = launched
    sent = _statement(launch, "experienced", f"{ROOT}/page/2",
                      actor={"mbox": "mailto:ADA@example.com", "name": "Someone"},
                      result={"duration": "PT12S", "extensions": {"x": 1}},
                      authority={"mbox": "mailto:admin@example.com"})
    response = _post(client, launch, sent)
    assert response.status_code == 200
    (statement_id,) = response.get_json()
    row = db.session.scalar(select(XapiStatement).where(
        XapiStatement.statement_id == statement_id))
    told = row.statement
    assert told["actor"] == {"objectType": "Agent", "name": "Ada Agent",
                             "mbox": "mailto:ada@example.com"}
    assert told["object"] == {"objectType": "Activity", "id": f"{ROOT}/page/2"}
    assert told["result"] == {"duration": "PT12S"} and "authority" not in told
    assert told["context"] == {"registration": launch["registration"]}
    # PUT with its own id; the same statement again is not doubled in the outbox.
    put_id = "0b0c1f2e-3d4c-4b5a-8a7b-1c2d3e4f5a6b"
    for _twice in range(2):
        response = client.put(f"/xapi/statements?statementId={put_id}",
                              data=json.dumps(_statement(launch)), headers=_headers(launch),
                              content_type="application/json")
        assert response.status_code == 204
    assert db.session.scalar(select(func.count()).select_from(XapiStatement).where(
        XapiStatement.statement_id == put_id)) == 1
    other = "1b0c1f2e-3d4c-4b5a-8a7b-1c2d3e4f5a6b"
    refused = client.put(f"/xapi/statements?statementId={other}",
                         data=json.dumps({**_statement(launch), "id": put_id.upper()}),
                         headers=_headers(launch), content_type="application/json")
    assert refused.status_code == 400 and "differs from statementId" in refused.get_data(
        as_text=True)
    assert client.put("/xapi/statements", data=json.dumps(_statement(launch)),
                      headers=_headers(launch),
                      content_type="application/json").status_code == 400


def test_state_is_kept_for_resume(db, client, launched):
    launch, _agent, _key, _course = launched
    query = {"activityId": ROOT, "agent": launch["actor"], "stateId": "bookmark",
             "registration": launch["registration"]}
    url = "/xapi/activities/state"
    assert client.get(url, query_string=query, headers=_headers(launch)).status_code == 404
    assert client.put(url, query_string=query, headers=_headers(launch),
                      data=json.dumps({"page": 3}),
                      content_type="application/json").status_code == 204
    got = client.get(url, query_string=query, headers=_headers(launch))
    assert got.status_code == 200 and got.get_json() == {"page": 3}
    assert client.post(url, query_string=query, headers=_headers(launch),
                       data=json.dumps({"answer": "7"}),
                       content_type="application/json").status_code == 204
    assert client.get(url, query_string=query, headers=_headers(launch)).get_json() == {
        "page": 3, "answer": "7"}
    listing = client.get(url, query_string={k: v for k, v in query.items() if k != "stateId"},
                         headers=_headers(launch))
    assert listing.get_json() == ["bookmark"]
    # Another learner's state, or another package's activity: refused.
    for change in ({"agent": json.dumps({"mbox": "mailto:eve@example.com"})},
                   {"activityId": "https://elsewhere.example.com/x"}):
        refused = client.put(url, query_string={**query, **change}, headers=_headers(launch),
                             data="{}", content_type="application/json")
        assert refused.status_code == 400
    # Too big a document is refused, the kept one unchanged.
    assert client.put(url, query_string=query, headers=_headers(launch),
                      data="x" * (tincan.STATE_MAX + 1),
                      content_type="text/plain").status_code == 400
    assert client.get(url, query_string=query, headers=_headers(launch)).get_json()["page"] == 3
    assert client.delete(url, query_string=query, headers=_headers(launch)).status_code == 204
    assert client.get(url, query_string=query, headers=_headers(launch)).status_code == 404


def test_completed_and_passed_complete_the_lesson(db, client, launched):
    launch, agent, lesson_key, course = launched
    response = _post(client, launch, [
        _statement(launch, "answered", QUESTION, result={"response": "7", "success": True}),
        _statement(launch, "completed", f"{ROOT}/page/1"),  # a page, not the module
    ])
    assert response.status_code == 200
    attempt = db.session.scalars(select(ScormAttempt)).one()
    assert attempt.completed_at is None and count(db, LessonCompletion) == 0
    response = _post(client, launch, [
        _statement(launch, "completed", ROOT, result={"completion": True}),
        _statement(launch, "passed", ROOT, result={"success": True,
                                                    "score": {"scaled": 0.9}})])
    assert response.status_code == 200
    db.session.expire_all()
    attempt = db.session.scalars(select(ScormAttempt)).one()
    assert attempt.completed_at is not None and attempt.success_status == "passed"
    assert attempt.score == 90
    completion = db.session.scalars(select(LessonCompletion)).one()
    assert (completion.person_id, completion.lesson_key) == (agent.id, lesson_key)
    verbs = [r.statement["verb"]["id"].rsplit("/", 1)[-1] for r in db.session.scalars(
        select(XapiStatement).order_by(XapiStatement.id))]
    # The LMS's own launched/completed/passed about the module, and the package's own.
    assert verbs == ["launched", "answered", "completed", "completed", "passed", "completed",
                     "passed"]
    # A later "failed" about the finished module changes its standing, not its completion.
    assert _post(client, launch, _statement(launch, "failed", ROOT)).status_code == 200
    db.session.expire_all()
    attempt = db.session.scalars(select(ScormAttempt)).one()
    assert attempt.completed_at is not None and count(db, LessonCompletion) == 1


def test_upload_page_and_cli_take_xapi_packages(db, app, client, auth, make_person, runner,
                                               tmp_path):
    auth.login(make_person(("admin",)))
    response = client.post("/author/scorm", data={
        "file": (io.BytesIO(make_tincan_package()), "refund.zip"), "title": ""},
        content_type="multipart/form-data", follow_redirects=True)
    assert "The xAPI package Refund basics (xAPI) is ready." in response.get_data(as_text=True)
    source = tmp_path / "refund.zip"
    source.write_bytes(make_tincan_package())
    result = runner.invoke(args=["import-scorm", "--dry-run", str(source)])
    assert result.exit_code == 0 and "Dry run" in result.output and "xAPI" in result.output
    assert count(db, ScormPackage) == 1
    result = runner.invoke(args=["import-scorm", str(source)])
    assert result.exit_code == 0 and "xAPI package" in result.output, result.output
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("tincan.xml", "<tincan/>")
    source.write_bytes(broken.getvalue())
    result = runner.invoke(args=["import-scorm", str(source)])
    assert result.exit_code != 0 and "<tincan><activities>" in result.output
    assert count(db, ScormPackage) == 2
