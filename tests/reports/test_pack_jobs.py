"""A team's review packs as a background job: on RQ with a real worker, in a thread without
Redis; its page and file only for whoever asked; failures and replaced files shown."""

import io
import uuid
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms.core.audit import AuditEntry
from lms.people.models import PersonRole
from reports.models import ReviewPackJob
from reports.services import pack_jobs, review_pack
from tests.reports.heatmap_world import build


@pytest.fixture
def world(db, defaults, make_person, make_team):
    return build(db, defaults, make_person, make_team)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _job(db, job_id: int) -> ReviewPackJob:
    db.session.expire_all()
    return db.session.get(ReviewPackJob, job_id)


def test_on_rq_with_a_real_worker_in_the_language_asked(app, db, client, auth, world):
    import redis
    from rq import Queue, SimpleWorker

    queue = f"packs-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL="redis://127.0.0.1:6379/0", CERTIFICATE_QUEUE=queue)
    world.hr.locale = "zh_Hans_CN"
    db.session.commit()
    auth.login(world.hr)
    first = client.post(f"/reports/teams/{world.team_a.id}/review-packs")
    assert first.status_code == 302
    page = first.headers["Location"]
    # Asked again while it waits: the same job, not a second one.
    assert client.post(f"/reports/teams/{world.team_a.id}/review-packs") \
        .headers["Location"] == page
    waiting = client.get(page + ".json").get_json()
    assert waiting["status"] == "queued" and waiting["total"] == 4 and waiting["percent"] == 0
    assert "排队" in client.get(page).get_data(as_text=True)
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    try:
        assert Queue(queue, connection=connection).count == 1
        worker = SimpleWorker([Queue(queue, connection=connection)], connection=connection)
        assert worker.work(burst=True)
    finally:
        Queue(queue, connection=connection).delete(delete_jobs=True)
    job = db.session.scalar(select(ReviewPackJob))
    job = _job(db, job.id)
    assert job.status == "done", job.error
    assert job.total == job.done == 4 and job.locale == "zh_Hans_CN"
    assert job.file_name == f"review-packs-team-{world.team_a.id}-Alpha-" \
                            f"{job.created_at.date().isoformat()}.zip"
    progress = client.get(page + ".json").get_json()
    assert progress["percent"] == 100 and progress["finished"] and progress["downloadable"]
    with client.get(page + "/download") as download:
        assert download.headers["Cache-Control"] == "private, no-store"
        assert job.file_name in download.headers["Content-Disposition"]
        archive = zipfile.ZipFile(io.BytesIO(download.data))
        text = _text(archive.read("A0001.pdf"))
    assert "评估资料包" in text and "王小明" in text  # rendered in the worker, in Chinese
    assert len(archive.namelist()) == 4
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "reports.review_packs"))
    assert entry.actor_id == world.hr.id and entry.details["people"] == 4


def test_only_whoever_asked_follows_and_downloads(db, client, auth, world, make_person):
    auth.login(world.manager)
    page = client.post(f"/reports/teams/{world.team_a.id}/review-packs").headers["Location"]
    html = client.get(page).get_data(as_text=True)
    assert "Download the zip" in html and "batch-progress.js" in html
    assert "3 of 3 packs" in html and "Done" in html
    for url in (page, page + ".json", page + "/download"):
        with client.get(url) as response:
            assert response.status_code == 200
    auth.logout()

    # Another HR reader, the mentor of the team, the agent in it: as if there were no job.
    for other in (make_person(roles=("hr",)), world.mentor, world.a1):
        auth.login(other)
        for url in (page, page + ".json", page + "/download"):
            with client.get(url) as response:
                assert response.status_code == 404, (other.name, url)
        auth.logout()

    # The manager who asked, no longer a manager: no longer theirs to download.
    db.session.execute(PersonRole.__table__.delete().where(
        PersonRole.person_id == world.manager.id))
    db.session.commit()
    auth.login(world.manager)
    with client.get(page + "/download") as response:
        assert response.status_code == 404


def test_a_newer_zip_replaces_the_older_file(db, client, auth, world):
    auth.login(world.hr)
    first = client.post(f"/reports/teams/{world.team_b.id}/review-packs").headers["Location"]
    old = _job(db, int(first.rsplit("/", 1)[1]))
    old_file = pack_jobs.zip_path(old)
    assert old_file.exists()
    second = client.post(f"/reports/teams/{world.team_b.id}/review-packs").headers["Location"]
    assert second != first
    assert not old_file.exists() and _job(db, old.id).file_name == ""
    assert client.get(first + "/download").status_code == 404
    assert "A newer zip of this team replaced this one." in client.get(first).get_data(
        as_text=True)
    with client.get(second + "/download") as response:
        assert response.status_code == 200


def test_a_failure_is_shown_on_the_page(db, client, auth, world, monkeypatch):
    def broken(session, person, today=None):
        raise RuntimeError("the PDF renderer is out of paper")

    monkeypatch.setattr(review_pack, "pack_html", broken)
    auth.login(world.hr)
    page = client.post(f"/reports/teams/{world.team_b.id}/review-packs").headers["Location"]
    progress = client.get(page + ".json").get_json()
    assert progress["status"] == "failed" and progress["finished"]
    assert not progress["downloadable"]
    html = client.get(page).get_data(as_text=True)
    assert "out of paper" in html and "Failed" in html
    assert client.get(page + "/download").status_code == 404
    job = _job(db, progress["id"])
    assert not pack_jobs.zip_path(job).exists()
    assert not pack_jobs.zip_path(job).with_suffix(".part").exists()


def test_a_reader_who_lost_the_right_gets_a_failed_job(app, db, world, make_person):
    manager = world.manager
    job_id, new = pack_jobs.request_packs(db.session, manager, world.team_a, "zh_Hans_CN")
    assert new
    db.session.execute(PersonRole.__table__.delete().where(PersonRole.person_id == manager.id))
    db.session.commit()
    with app.test_request_context():
        pack_jobs.run_job(job_id)
    job = _job(db, job_id)
    assert job.status == "failed" and job.error == "您已无权查看报表。"  # in the asker's language


def test_a_large_team_renders_in_a_pool_of_processes(app, db, world, monkeypatch, tmp_path):
    monkeypatch.setattr(pack_jobs, "POOL_FROM", 2)
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 2)
    ids = [world.a1.id, world.a2.id, world.b1.id, world.manager.id, world.mentor.id]
    seen = []
    target = tmp_path / "packs.zip"
    pack_jobs.write_packs(db.session, ids, target, seen.append)
    assert seen == [1, 2, 3, 4, 5]
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert names[:3] == ["A0001.pdf", "A0002-Zoe-b-Muller-b.pdf", "B0001-Bravo-Person.pdf"]
        assert len(names) == 5 and all(archive.read(n).startswith(b"%PDF") for n in names)
        assert "王小明" in _text(archive.read("A0001.pdf"))
