"""Certificate pages through the client: access by role and relationship, HR's changes with
bad and replayed input, the public verification pages and badge documents, settings, design
uploads and batches (in a thread and on RQ with a real Redis)."""

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from certificates.models import (
    AwardApproval,
    Certificate,
    CertificateBatch,
    CertificationSettings,
    RecertificationSlot,
)
from certificates.services import awards, badges
from lms.core import clock
from lms.core.audit import AuditEntry

ROLES = ("agent", "mentor", "manager", "hr", "admin")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(db, make_path, make_person, scores, make_team):
    clock.freeze(T0)
    team = make_team("Hotline — Shanghai")
    path = make_path("NEWX", name="New hire basic")
    holder = make_person(tier_id=path.id, name="刘洋 <script>x</script>", team_id=team.id)
    scores(holder, 92)
    awards.evaluate_person(db.session, holder)
    db.session.commit()
    certificate = db.session.scalar(select(Certificate))
    return {"path": path.id, "other": holder.id, "cert": certificate.id,
            "code": certificate.verify_code, "team": team.id, "holder": holder,
            "certificate": certificate}


ROUTES = [
    ("GET", "/certificates", ROLES),
    ("GET", "/people/{other}/certification", ("hr", "admin")),
    ("POST", "/people/{other}/certification/evaluate", ("hr", "admin")),
    ("GET", "/people/{other}/transcript.pdf", ("hr", "admin")),
    ("GET", "/certificates/{cert}", ("hr", "admin")),
    ("GET", "/certificates/{cert}/certificate.pdf", ("hr", "admin")),
    ("GET", "/certificates/{cert}/badge.jwt", ("hr", "admin")),
    ("POST", "/certificates/{cert}/revoke", ("hr", "admin")),
    ("GET", "/certificates/approvals", ("hr", "admin")),
    ("GET", "/certificates/batches", ("hr", "admin")),
    ("GET", "/admin/certification", ("admin",)),
    ("GET", "/admin/certification/{path}", ("admin",)),
    ("GET", "/admin/certificate-design", ("admin",)),
    ("GET", "/admin/certificate-design/sample.pdf", ("admin",)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "allowed"), ROUTES)
def test_role_access_table(client, auth, make_person, world, role, method, url, allowed):
    actor = make_person(roles=(role,))
    auth.login(actor)
    response = client.open(url.format(**world), method=method)
    if role in allowed:
        assert response.status_code in (200, 302, 400, 422), response.status_code
    else:
        assert response.status_code == 403, response.status_code


@pytest.mark.parametrize(("method", "url", "allowed"), ROUTES)
def test_signed_out_goes_to_login(client, world, method, url, allowed):
    response = client.open(url.format(**world), method=method)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_holder_mentor_and_manager_see_it(db, client, auth, make_person, world):
    holder = world["holder"]
    auth.login(holder)
    page = client.get("/certificates").get_data(as_text=True)
    assert world["certificate"].serial in page and "Certified" in page
    detail = client.get(f"/certificates/{world['cert']}")
    assert detail.status_code == 200
    assert "刘洋 &lt;script&gt;x&lt;/script&gt;" in detail.get_data(as_text=True)
    pdf = client.get(f"/certificates/{world['cert']}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].endswith(f'{world["certificate"].serial}.pdf"')
    assert client.get(f"/certificates/{world['cert']}/badge.jwt").data.count(b".") == 2
    assert client.get(f"/people/{holder.id}/transcript.pdf").status_code == 200
    auth.logout()
    mentor = make_person(roles=("mentor",))
    manager = make_person(roles=("manager",))
    holder.mentor_id, holder.manager_id = mentor.id, manager.id
    db.session.commit()
    for person in (mentor, manager):
        auth.login(person)
        assert client.get(f"/certificates/{world['cert']}").status_code == 200
        assert client.get(f"/people/{holder.id}/certification").status_code == 200
        assert client.get("/certificates/999999").status_code == 404
        auth.logout()


def test_agent_sees_what_is_missing(db, client, auth, make_path, make_person):
    path = make_path("MISS", slots=(("CASE", "scorecard", "case", "60", None),
                                    ("CUSTOMER", "scorecard", "customer", "40", None)),
                     composite="80")
    agent = make_person(tier_id=path.id)
    auth.login(agent)
    page = client.get("/certificates").get_data(as_text=True)
    assert "Customer slot: no result yet" in page and "0 % of the rules met" in page
    client.post("/account/language", data={"language": "zh_Hans_CN"})
    agent.locale = "zh_Hans_CN"
    db.session.commit()
    page = client.get("/certificates").get_data(as_text=True)
    assert "Customer slot：尚无结果" in page


def test_evaluate_on_demand_issues(db, client, auth, make_path, make_person, scores):
    path = make_path("DEMAND")
    agent = make_person(tier_id=path.id)
    scores(agent, 85)
    auth.login(agent)
    response = client.post(f"/people/{agent.id}/certification/evaluate", follow_redirects=True)
    assert "A certificate has been issued." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_verification_page(db, client, world):
    page = client.get(f"/verify/{world['code']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Valid" in text
    assert "刘洋 &lt;script&gt;x&lt;/script&gt;" in text and "New hire basic" in text
    assert world["holder"].email not in text and world["holder"].employee_id not in text
    for bad in (world["code"][:-1], world["code"] + "x", "x" * 500, "../../etc/passwd",
                "%00", "\x00", world["code"][:-2] + "%00", world["code"].upper()):
        response = client.get(f"/verify/{bad}")
        assert response.status_code == 404, bad
        assert "Not found" in response.get_data(as_text=True)
    form = client.post("/verify", data={"code": f"https://x.example/verify/{world['code']}"})
    assert form.status_code == 302 and form.headers["Location"].endswith(world["code"])


def test_revocation_shows_at_once(db, client, auth, make_person, world):
    hr = make_person(roles=("hr",))
    auth.login(hr)
    empty = client.post(f"/certificates/{world['cert']}/revoke", data={"revoke-reason": " "})
    assert empty.status_code == 422
    assert db.session.get(Certificate, world["cert"]).status == "valid"
    done = client.post(f"/certificates/{world['cert']}/revoke",
                       data={"revoke-reason": "Exam taken by someone else"})
    assert done.status_code == 302
    replay = client.post(f"/certificates/{world['cert']}/revoke",
                         data={"revoke-reason": "again"})
    assert replay.status_code == 422 and "already revoked" in replay.get_data(as_text=True)
    auth.logout()
    text = client.get(f"/verify/{world['code']}").get_data(as_text=True)
    assert "Revoked" in text and "no longer valid" in text
    assert "Exam taken" not in text  # the reason is not public
    listed = json.loads(client.get("/badges/revocations").data)["revokedCredentials"]
    assert listed[0]["id"].endswith(f"/badges/{world['code']}")
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "certificate.revoked")) == 1


def test_name_correction_over_http(db, client, auth, make_person, world):
    hr = make_person(roles=("hr",))
    auth.login(hr)
    bad = client.post(f"/certificates/{world['cert']}/name", data={"name": "", "reason": "x"})
    assert bad.status_code == 422
    ok = client.post(f"/certificates/{world['cert']}/name",
                     data={"name": "Liu Yang <i>刘洋</i>", "reason": "Legal name"},
                     follow_redirects=True)
    text = ok.get_data(as_text=True)
    assert "Liu Yang &lt;i&gt;刘洋&lt;/i&gt;" in text and "<i>刘洋" not in text
    certificate = db.session.get(Certificate, world["cert"])
    assert certificate.revision == 2 and certificate.serial == world["certificate"].serial


def test_badge_documents_and_check(db, client, world):
    token = client.get(f"/badges/{world['code']}").get_data(as_text=True)
    jwk = json.loads(client.get("/badges/jwks.json").data)["keys"][0]
    assert "d" not in jwk and jwk["crv"] == "Ed25519"
    profile = json.loads(client.get("/badges/issuer").data)
    assert profile["type"] == ["Profile"] and profile["id"].endswith("/badges/issuer")
    assert json.loads(client.get("/badges/achievements/NEWX").data)["type"] == ["Achievement"]
    assert client.get("/badges/achievements/NOPE").status_code == 404
    assert client.get("/badges/nope").status_code == 404
    good = client.post("/verify/badge", data={"token": token})
    assert good.status_code == 200 and "Valid" in good.get_data(as_text=True)
    header, payload, signature = token.split(".")
    data = json.loads(badges.b64url_decode(payload))
    data["validUntil"] = "2099-12-31T00:00:00Z"
    tampered = f"{header}.{badges.b64url(json.dumps(data).encode())}.{signature}"
    bad = client.post("/verify/badge", data={"upload": (io.BytesIO(tampered.encode()),
                                                        "badge.jwt")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "Invalid badge" in bad.get_data(as_text=True)
    junk = client.post("/verify/badge", data={"token": "<script>alert(1)</script>"})
    assert junk.status_code == 422


def test_verification_is_rate_limited(app_config, make_app, world):
    limited = make_app({**app_config, "RATELIMIT_ENABLED": True})
    client = limited.test_client()
    codes = [client.get(f"/verify/{world['code']}").status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


def test_approval_over_http(db, client, auth, make_path, make_person, scores):
    path = make_path("APPR")
    other_path = make_path("OTHERAPPR")
    approver = make_person(roles=("manager",))
    db.session.add_all([CertificationSettings(path_id=path.id, require_approval=True,
                                              approver_id=approver.id),
                        CertificationSettings(path_id=other_path.id, require_approval=True)])
    db.session.commit()
    mine, theirs = make_person(tier_id=path.id), make_person(tier_id=other_path.id)
    for person in (mine, theirs):
        scores(person, 90)
        awards.evaluate_person(db.session, person)
    db.session.commit()
    mine_request = db.session.scalar(select(AwardApproval).where(
        AwardApproval.person_id == mine.id))
    theirs_request = db.session.scalar(select(AwardApproval).where(
        AwardApproval.person_id == theirs.id))
    auth.login(approver)
    page = client.get("/certificates/approvals").get_data(as_text=True)
    assert mine.name in page and theirs.name not in page
    assert client.post(f"/certificates/approvals/{theirs_request.id}",
                       data={"decision": "approve"}).status_code == 403
    assert client.post(f"/certificates/approvals/{mine_request.id}",
                       data={"decision": "maybe"}).status_code == 302
    assert mine_request.status == "pending"
    client.post(f"/certificates/approvals/{mine_request.id}", data={"decision": "approve"})
    db.session.expire_all()
    assert db.session.get(AwardApproval, mine_request.id).status == "approved"
    replay = client.post(f"/certificates/approvals/{mine_request.id}",
                         data={"decision": "approve"}, follow_redirects=True)
    assert "already been decided" in replay.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_settings_refuse_bad_input(db, client, auth, make_person, world):
    admin = make_person(roles=("admin",))
    agent = make_person(roles=("agent",))
    auth.login(admin)
    url = f"/admin/certification/{world['path']}"
    assert "valid now" in client.get(url).get_data(as_text=True)
    tampered = client.post(url, data={"approver_id": str(agent.id), "recert_window_days": "90",
                                      "recert_grace_days": "90"})
    assert tampered.status_code == 422
    wide = client.post(url, data={"recert_window_days": "9999", "recert_grace_days": "90"})
    assert wide.status_code == 422
    assert db.session.get(CertificationSettings, world["path"]) is None
    unexplained = client.post(url, data={"require_approval": "y", "recert_window_days": "60",
                                         "recert_grace_days": "30"})
    assert unexplained.status_code == 422 and "Say why the rules change" in (
        unexplained.get_data(as_text=True))
    assert db.session.get(CertificationSettings, world["path"]) is None
    ok = client.post(url, data={"require_approval": "y", "recert_window_days": "60",
                                "recert_grace_days": "30", "reason": "Audit finding 12"})
    assert ok.status_code == 302
    assert db.session.get(CertificationSettings, world["path"]).require_approval is True
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "certification.settings"))
    assert entry.reason == "Audit finding 12"
    bad_kind = client.post(f"{url}/recert-slots", data={
        "code": "RE", "label": "Re-exam", "kind": "Bad Kind!", "pass_mark": "80"})
    assert bad_kind.status_code == 422
    bad_mark = client.post(f"{url}/recert-slots", data={
        "code": "RE", "label": "Re-exam", "kind": "quiz", "pass_mark": "180"})
    assert bad_mark.status_code == 422
    good = client.post(f"{url}/recert-slots", data={
        "code": "RE", "label": "Re-exam", "kind": "quiz", "reference": "7", "pass_mark": "80"})
    assert good.status_code == 302
    slot = db.session.scalar(select(RecertificationSlot))
    assert client.post(f"/admin/certification/999/recert-slots/{slot.id}/remove"
                       ).status_code == 404
    assert client.post(f"{url}/recert-slots/{slot.id}/remove").status_code == 302


def test_design_refuses_bad_uploads(db, client, auth, make_person):
    admin = make_person(roles=("admin",))
    auth.login(admin)
    page = client.get("/admin/certificate-design")
    assert page.status_code == 200
    form = {"template": "<p>{{ holder_name }}</p>", "primary_colour": "#123456",
            "accent_colour": "#654321", "organisation": "Service Academy",
            "signatory_name": "", "signatory_title": ""}
    svg = client.post("/admin/certificate-design", data={
        **form, "logo": (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "logo.png")},
        content_type="multipart/form-data")
    assert svg.status_code == 422 and "PNG or JPEG" in svg.get_data(as_text=True)
    unsafe = client.post("/admin/certificate-design", data={
        **form, "template": "{{ cycler.__init__.__globals__ }}"},
        content_type="multipart/form-data")
    assert unsafe.status_code == 422
    assert client.post("/admin/certificate-design", data=form,
                       content_type="multipart/form-data").status_code == 302
    assert client.get("/admin/certificate-design/sample.pdf").data.startswith(b"%PDF")


def test_batch_in_a_thread(db, client, auth, make_person, world, scores):
    hr = make_person(roles=("hr",))
    newcomer = make_person(tier_id=world["path"], team_id=world["team"], name="赵敏")
    scores(newcomer, 88)
    auth.login(hr)
    assert client.post("/certificates/batches", data={"action": "issue"}).status_code == 422
    assert client.post("/certificates/batches", data={
        "action": "issue", "team_id": "99999"}).status_code == 422
    response = client.post("/certificates/batches", data={"action": "issue",
                                                          "team_id": str(world["team"])})
    assert response.status_code == 302
    batch = db.session.scalar(select(CertificateBatch))
    progress = json.loads(client.get(f"/certificates/batches/{batch.id}.json").data)
    assert progress["status"] == "done" and progress["percent"] == 100
    assert progress["issued"] == 1
    page = client.get(f"/certificates/batches/{batch.id}").get_data(as_text=True)
    assert "Download the zip" in page and "batch-progress.js" in page
    download = client.get(f"/certificates/batches/{batch.id}/download")
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    download.close()
    names = archive.namelist()
    assert names[0] == "manifest.csv" and len(names) == 3
    assert "赵敏" in archive.read("manifest.csv").decode()
    assert all(archive.read(n).startswith(b"%PDF") for n in names[1:])


def test_batch_on_rq_with_a_real_worker(app, db, make_person, world):
    import redis
    from rq import Queue, SimpleWorker

    from certificates.services import batches

    queue = f"certificates-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL="redis://127.0.0.1:6379/0", CERTIFICATE_QUEUE=queue)
    hr = make_person(roles=("hr",))
    batch = batches.create_batch(db.session, hr, "render", None, world["path"])
    batch_id = batch.id
    db.session.commit()
    assert batches.start(batch_id) == "rq"
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    try:
        worker = SimpleWorker([Queue(queue, connection=connection)], connection=connection)
        assert worker.work(burst=True)
    finally:
        Queue(queue, connection=connection).delete(delete_jobs=True)
    db.session.expire_all()
    batch = db.session.get(CertificateBatch, batch_id)
    assert batch.status == "done", batch.error
    assert batch.total == batch.done == 1
    with zipfile.ZipFile(batches.zip_path(batch)) as archive:
        assert archive.namelist() == ["manifest.csv", f"{world['certificate'].serial}.pdf"]


def test_slot_reference_is_edited_on_the_path(db, client, auth, make_person, defaults):
    from assessments.quiz.demo import build_exam
    from lms.paths.models import AssessmentSlot

    exam = build_exam(db.session)
    db.session.commit()
    admin = make_person(roles=("admin",))
    auth.login(admin)
    slot = db.session.scalar(select(AssessmentSlot).where(AssessmentSlot.code == "PRACTICAL"))
    assert slot.reference == "tier:NEWHIRE"  # the default paths name what they read
    exam_slot = db.session.scalar(select(AssessmentSlot).where(AssessmentSlot.code == "EXAM"))
    url = f"/admin/paths/{exam_slot.path_id}/slots/{exam_slot.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'list="reference-choices"' in page and "New-hire closed-book exam" in page
    form = {"code": "EXAM", "label": "Closed-book exam", "kind": "quiz", "pass_mark": "80",
            "position": "0"}
    assert client.post(url, data={**form, "reference": "x" * 201}).status_code == 422
    # A new reference changes the rules: refused without a reason.
    assert client.post(url, data={**form, "reference": str(exam.id)}).status_code == 422
    assert client.post(url, data={**form, "reference": str(exam.id),
                                  "reason": "The exam is now the new quiz"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(AssessmentSlot, exam_slot.id).reference == str(exam.id)


def test_a_transcript_address_opens_its_check_page(db, client, world):
    from certificates.services import transcripts

    holder = world["holder"]
    address = transcripts.verify_url(holder, T0.date())
    assert address.startswith("http://localhost/verify/transcript/")
    path = address.removeprefix("http://localhost")
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Genuine transcript" in html
    assert "刘洋 &lt;script&gt;x&lt;/script&gt;" in html and world["certificate"].serial in html
    assert "Passed" in html
    assert holder.email not in html and holder.employee_id not in html
    for bad in (path[:-2] + "xx", "/verify/transcript/not-a-token", path + "x"):
        response = client.get(bad)
        assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)
