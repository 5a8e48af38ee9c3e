"""The font check, documents refused for text no font draws, the System page and `doctor`.

The machine without the Noto fonts is real: `only_dejavu_fonts` points fontconfig at a
configuration that lists DejaVu alone, for the check and for WeasyPrint alike.
"""

import base64
import logging
import subprocess
import threading
import uuid

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text

from lms import create_app
from lms.core import fonts
from lms.core.pdf import PDF_FONT_STACK, MissingGlyphs, document_text, html_to_pdf
from lms.core.schema import head_revisions
from lms.notifications.models import Notification
from lms.system.services.checks import run_checks
from tests.test_notifications import SMTPSink

REDIS = "redis://127.0.0.1:6379/0"


def _document(body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>标题</title>"
            f"<style>body {{ font-family: {PDF_FONT_STACK}; }}</style></head>"
            f"<body>{body}</body></html>")


def _results(app, area=None):
    return {(r.area, r.name): r for r in run_checks(app) if area is None or r.area == area}


# What fontconfig says


def test_this_machine_draws_every_listed_script_with_its_own_font(app):
    found = {c.script.key: c for c in fonts.script_coverage()}
    assert set(found) == {s.key for s in fonts.SCRIPTS}
    assert {key: c.status for key, c in found.items()} == dict.fromkeys(found, "ok")
    assert found["chinese"].drawn_with == "Noto Sans CJK SC"
    assert found["thai"].drawn_with == "Noto Sans Thai"


def test_with_dejavu_alone_latin_stands_in_and_chinese_is_missing(app, only_dejavu_fonts):
    coverage = fonts.coverage()
    assert coverage.config_file == str(only_dejavu_fonts)
    assert coverage.draws("Z") and coverage.draws("ü") and not coverage.draws("陈")
    assert coverage.missing("Zoë 陈静 陈 สม\u200d ") == ["陈", "静", "ส", "ม"]
    found = {c.script.key: c for c in fonts.script_coverage()}
    assert (found["latin"].status, found["latin"].drawn_with) == ("fallback", "DejaVu Sans")
    assert (found["chinese"].status, found["chinese"].drawn_with) == ("missing", None)
    assert found["devanagari"].status == "missing"


def test_the_check_follows_the_configuration_back(app, only_dejavu_fonts, monkeypatch):
    assert not fonts.coverage().draws("陈")
    monkeypatch.delenv("FONTCONFIG_FILE")
    assert fonts.coverage().draws("陈")


def test_document_text_is_what_the_page_shows_css_content_and_svg_charts_included():
    svg = ("<svg xmlns='http://www.w3.org/2000/svg'><style>.x{}</style>"
           "<text>王芳 &amp; co</text></svg>")
    encoded = base64.b64encode(svg.encode()).decode()
    shown = document_text(_document(
        "<style>h1::before { content: 'ሀ'; }</style><p style=\"x: y\">Zoë &lt;b&gt;</p>"
        f"<p><img src='data:image/svg+xml;base64,{encoded}'>"
        f"<img src='data:image/svg+xml,%3Csvg%3E%3Ctext%3E李娜%3C/text%3E%3C/svg%3E'>"))
    assert "Zoë <b>" in shown and "王芳 & co" in shown and "李娜" in shown
    assert "font-family" not in shown and "标题" not in shown
    assert "ሀ" in shown  # CSS generated content is printed too


# Refused documents


def test_a_chinese_name_is_refused_without_a_cjk_font(app, only_dejavu_fonts):
    with pytest.raises(MissingGlyphs) as refused:
        html_to_pdf(_document("<h1>Certificate</h1><p>Awarded to 陈静 (Hotline)</p>"))
    error = refused.value
    assert (error.text, error.script.key, error.chars) == ("陈静", "chinese", ["陈", "静"])
    assert error.message == (
        "“陈静” needs a font for Chinese (Noto Sans CJK SC) that is not installed on the "
        "server, so the document was not made; tell your administrator.")
    with force_locale("zh_Hans_CN"):
        assert error.describe().startswith("“陈静”需要")
        assert "Noto Sans CJK SC" in error.describe()


def test_a_script_outside_the_list_names_its_characters(app, only_dejavu_fonts):
    with pytest.raises(MissingGlyphs) as refused:
        html_to_pdf(_document("<p>Abebe ሀሁ</p>"))
    assert refused.value.script is None
    assert "U+1200 U+1201" in refused.value.message


def test_latin_text_still_prints_with_dejavu_alone(app, only_dejavu_fonts, tmp_path):
    pdf = html_to_pdf(_document("<p>Certificate for Zoë Müller</p>"))
    path = tmp_path / "latin.pdf"
    path.write_bytes(pdf)
    used = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                          check=True).stdout
    assert "DejaVu" in used and "Noto" not in used  # WeasyPrint saw the same configuration


def test_transcript_download_is_refused_and_the_admins_told_once(
        client, auth, db, make_person, only_dejavu_fonts):
    admin = make_person(roles=("admin",), name="Admin Ann")
    chinese_admin = make_person(roles=("admin",), name="Admin Bo", locale="zh_Hans_CN")
    gone = make_person(roles=("admin",), name="Gone Admin")
    gone.active = False
    db.session.commit()
    agent = make_person(name="陈静")
    auth.login(agent)
    response = client.get(f"/people/{agent.id}/transcript.pdf")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "The document could not be made" in page
    assert "“陈静” needs a font for Chinese (Noto Sans CJK SC)" in page
    assert client.get(f"/people/{agent.id}/transcript.pdf").status_code == 503
    alerts = db.session.scalars(select(Notification).where(
        Notification.kind == "system.fonts").order_by(Notification.person_id)).all()
    assert [a.person_id for a in alerts] == [admin.id, chinese_admin.id]  # once each
    assert alerts[0].subject == "A document was refused: no font for Chinese"
    assert "apt-get install fonts-noto-cjk" in alerts[0].body
    assert alerts[0].link == "/admin/system"
    assert "中文" in alerts[1].subject


def test_the_refusal_speaks_the_requesters_language(client, auth, make_person,
                                                    only_dejavu_fonts):
    agent = make_person(name="Zoë Müller", locale="zh_Hans_CN")
    auth.login(agent)
    response = client.get(f"/people/{agent.id}/transcript.pdf")
    assert response.status_code == 503  # the transcript's own Chinese headings need CJK too
    page = response.get_data(as_text=True)
    assert "未能生成该文档" in page and "需要中文字体（Noto Sans CJK SC）" in page


def test_transcript_prints_when_the_fonts_are_there(client, auth, make_person):
    agent = make_person(name="陈静")
    auth.login(agent)
    response = client.get(f"/people/{agent.id}/transcript.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


# Start-up


def test_start_up_warns_about_missing_fonts(app_config, only_dejavu_fonts, caplog):
    with caplog.at_level(logging.WARNING):
        create_app({**app_config, "TESTING": False, "PUBLIC_URL": "https://academy.example"})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("nothing on this machine draws chinese" in w
               and "apt-get install fonts-noto-cjk fonts-noto-core" in w for w in warnings)


def test_start_up_is_quiet_when_the_fonts_are_there(app_config, caplog):
    with caplog.at_level(logging.WARNING):
        create_app({**app_config, "TESTING": False, "PUBLIC_URL": "https://academy.example"})
    assert not [r for r in caplog.records if "PDF fonts" in r.getMessage()]


# The System page


def test_system_page_in_english_and_chinese(client, auth, make_person, only_dejavu_fonts):
    admin = make_person(roles=("admin",))
    auth.login(admin)
    page = client.get("/admin/system").get_data(as_text=True)
    assert "PDF fonts" in page and "Chinese" in page
    assert "No installed font can draw it" in page and "apt-get install fonts-noto-cjk" in page
    assert "Needs action" in page and "STORAGE_DIR" in page and "SMTP_HOST" in page
    assert 'href="/admin/system"' in page  # in the admin menu
    client.post("/language", data={"lang-locale": "zh_Hans_CN", "next": "/"})
    page = client.get("/admin/system").get_data(as_text=True)
    assert "PDF 字体" in page and "中文" in page and "需要处理" in page


def test_system_page_is_for_admins_only(client, auth, make_person):
    auth.login(make_person(roles=("hr",)))
    assert client.get("/admin/system").status_code == 403


# The checks and doctor


@pytest.fixture
def stamped(app, db):
    """The database marked as made by the migrations (the test templates use create_all);
    the next test starts from a fresh copy of the template."""
    db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL "
                            "PRIMARY KEY)"))
    for revision in head_revisions():
        db.session.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
    db.session.commit()


@pytest.fixture
def deployed(app, stamped, monkeypatch, tmp_path):
    """Settings as a production site has them."""
    monkeypatch.setitem(app.config, "SECRET_KEY", "k" * 40)
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://academy.example.com")
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "storage"))
    return app


def test_doctor_passes_on_a_complete_deployment(runner, deployed):
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "[ok] Chinese — OK: Drawn with Noto Sans CJK SC." in result.output
    assert "[ok] Schema — OK" in result.output
    assert "Everything needed is in place." in result.output


def test_doctor_fails_without_the_fonts_and_speaks_chinese(runner, deployed,
                                                           only_dejavu_fonts):
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "[XX] Chinese — Needs action" in result.output
    assert "[!!] Latin — Warning: Drawn with DejaVu Sans" in result.output
    assert "5 checks failed." in result.output  # Chinese, Japanese, Korean, Thai, Devanagari
    chinese = runner.invoke(args=["doctor", "--language", "zh_Hans_CN"])
    assert chinese.exit_code == 1 and "需要处理" in chinese.output
    assert runner.invoke(args=["doctor", "--language", "fr"]).exit_code == 2


def test_schema_behind_the_code_fails(app, db):
    (schema,) = [r for r in run_checks(app) if r.name == "Schema"]
    assert schema.status == "failed" and "flask --app lms db upgrade" in schema.detail


def test_settings_outside_debug(app, monkeypatch):
    monkeypatch.setitem(app.config, "SECRET_KEY", "dev-only-change-me")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    found = _results(app, "Settings")
    assert found["Settings", "SECRET_KEY"].status == "failed"
    assert found["Settings", "PUBLIC_URL"].status == "failed"
    monkeypatch.setitem(app.config, "SECRET_KEY", "short-but-set")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "academy.example.com")
    found = _results(app, "Settings")
    assert found["Settings", "SECRET_KEY"].status == "warning"
    assert "not an http:// or https:// address" in found["Settings", "PUBLIC_URL"].detail
    monkeypatch.setattr(app, "debug", True)
    assert {r.status for r in _results(app, "Settings").values()} == {"skipped"}


def test_storage_that_cannot_take_a_file_fails(app, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(blocker / "storage"))
    (storage,) = _results(app, "Storage").values()
    assert storage.status == "failed" and "is not writable" in storage.detail
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "new" / "storage"))
    (storage,) = _results(app, "Storage").values()
    assert storage.status == "ok" and list((tmp_path / "new" / "storage").iterdir()) == []


def test_redis_and_smtp_are_checked_only_when_set(app, monkeypatch):
    found = _results(app)
    assert found["Background jobs", "REDIS_URL"].status == "skipped"
    assert found["Outgoing e-mail", "SMTP_HOST"].status == "skipped"
    assert found["Background jobs", "Certificate batch worker"].status == "skipped"
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 1)
    found = _results(app)
    assert found["Background jobs", "REDIS_URL"].status == "failed"
    assert found["Background jobs", "Certificate batch worker"].status == "failed"
    assert found["Outgoing e-mail", "SMTP_HOST"].status == "failed"
    assert "127.0.0.1:1" in found["Outgoing e-mail", "SMTP_HOST"].detail


def test_smtp_that_answers_passes(app, monkeypatch):
    sink = SMTPSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    try:
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": sink.server_address[1],
                           "SMTP_STARTTLS": False}.items():
            monkeypatch.setitem(app.config, key, value)
        (smtp,) = _results(app, "Outgoing e-mail").values()
    finally:
        sink.shutdown()
        sink.server_close()
        thread.join()
    assert smtp.status == "ok" and sink.messages == []  # connected, sent nothing


def test_queued_batches_need_a_listening_worker(app, db, make_person, defaults, monkeypatch):
    import redis
    from rq import Queue, Worker

    from certificates.services import batches

    queue_name = f"certificates-doctor-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS)
    monkeypatch.setitem(app.config, "CERTIFICATE_QUEUE", queue_name)
    connection = redis.Redis.from_url(REDIS)
    queue = Queue(queue_name, connection=connection)
    worker = Worker([queue], connection=connection, name=f"doctor-{uuid.uuid4().hex[:8]}")
    try:
        found = _results(app, "Background jobs")
        assert found["Background jobs", "REDIS_URL"].status == "ok"
        assert found["Background jobs", "Certificate batch worker"].status == "ok"
        queue.enqueue("os.getpid")
        worker_check = _results(app)["Background jobs", "Certificate batch worker"]
        assert worker_check.status == "failed"
        assert "1 batch waits" in worker_check.detail
        assert "certificates-worker" in worker_check.detail
        worker.register_birth()
        worker_check = _results(app)["Background jobs", "Certificate batch worker"]
        assert worker_check.status == "ok" and "1 worker listens" in worker_check.detail
        worker.register_death()
        queue.empty()
        assert _results(app)["Background jobs", "Certificate batch worker"].status == "ok"
        # A batch row still "queued" counts too (its job lost with a flushed Redis, say).
        batches.create_batch(db.session, make_person(roles=("hr",)), "render", None,
                             defaults["NEWHIRE"].id)
        db.session.commit()
        worker_check = _results(app)["Background jobs", "Certificate batch worker"]
        assert worker_check.status == "failed" and "1 batch waits" in worker_check.detail
    finally:
        worker.register_death()
        queue.delete(delete_jobs=True)
