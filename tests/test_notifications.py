"""Notifications: the in-app list, the outbox, SMTP delivery after commit, reminders."""

import email
import socketserver
import threading
from datetime import UTC, date, datetime, timedelta
from email import policy as email_policy

import pytest
from sqlalchemy import func, select

from lms.core import clock
from lms.notifications import services
from lms.notifications.models import Notification, OutboxEmail


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept mail: EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink ready")
        body: list[bytes] | None = None
        while line := self.rfile.readline():
            if body is not None:
                if line.rstrip(b"\r\n") == b".":
                    self.server.messages.append(email.message_from_bytes(
                        b"".join(body), policy=email_policy.default))
                    body = None
                    self.reply("250 queued")
                else:
                    body.append(line[1:] if line.startswith(b"..") else line)
                continue
            command = line[:4].upper()
            if command == b"EHLO":
                self.reply("250-sink")
                self.reply("250 8BITMIME")
            elif command in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.reply("250 ok")
            elif command == b"DATA":
                body = []
                self.reply("354 go ahead")
            elif command == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class SMTPSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list = []


@pytest.fixture
def sink():
    server = SMTPSink()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def smtp(app, sink, monkeypatch):
    """SMTP pointed at the sink, plain (no STARTTLS), with a public address for links."""
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": sink.server_address[1],
                       "SMTP_STARTTLS": False, "SMTP_FROM": "academy@example.com",
                       "PUBLIC_URL": "https://academy.example.com"}.items():
        monkeypatch.setitem(app.config, key, value)
    return sink


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_without_smtp_mail_stays_in_the_outbox(db, make_person):
    agent = make_person(name="Ana")
    note = services.notify(db.session, agent, "test", "Hello Ana", "Body text", "/my-path")
    db.session.commit()
    assert note.read_at is None and note.link == "/my-path"
    mail = db.session.scalar(select(OutboxEmail))
    assert (mail.to_address, mail.subject, mail.sent_at) == (agent.email, "Hello Ana", None)
    assert mail.body.startswith("Body text\n\n") and mail.body.rstrip().endswith("/my-path")


def test_with_smtp_mail_is_sent_after_commit(db, make_person, smtp):
    agent = make_person(name="李娜")
    services.notify(db.session, agent, "test", "欢迎 — welcome", "第一课已开放。", "/my-path")
    assert smtp.messages == []  # nothing leaves before the transaction is committed
    db.session.commit()
    (message,) = smtp.messages
    assert message["To"] == agent.email and message["From"] == "academy@example.com"
    assert message["Subject"] == "欢迎 — welcome"
    text = message.get_content()
    assert "第一课已开放。" in text and "https://academy.example.com/my-path" in text
    mail = db.session.scalar(select(OutboxEmail))
    assert mail.sent_at is not None and mail.error == ""


def test_a_confidential_mail_loses_its_link_once_sent(db, smtp):
    """A one-time link goes out once; the stored copy keeps the text without it."""
    services.queue_email(db.session, "kunde@customer.example", "Feedback", "Dear customer,",
                         "/360/r/SECRET-TOKEN", confidential=True)
    db.session.commit()
    (message,) = smtp.messages
    assert "https://academy.example.com/360/r/SECRET-TOKEN" in message.get_content()
    db.session.expire_all()
    mail = db.session.scalar(select(OutboxEmail))
    assert mail.sent_at is not None and mail.confidential
    assert "SECRET-TOKEN" not in mail.body
    assert mail.body == f"Dear customer,\n\n{services.LINK_REMOVED}\n"


def test_rolled_back_notifications_send_nothing(db, make_person, smtp):
    agent = make_person()
    services.notify(db.session, agent, "test", "Never", "", "")
    db.session.rollback()
    make_person()  # another transaction commits
    assert smtp.messages == []
    assert count(db, OutboxEmail) == 0 and count(db, Notification) == 0


def test_a_failed_send_is_recorded_and_retried_by_the_command(app, db, make_person, sink,
                                                              monkeypatch, runner):
    agent = make_person()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    closed = socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler)
    monkeypatch.setitem(app.config, "SMTP_PORT", closed.server_address[1])
    closed.server_close()  # nothing listens there any more
    services.notify(db.session, agent, "test", "Try me", "body", "")
    db.session.commit()
    mail = db.session.scalar(select(OutboxEmail))
    assert mail.sent_at is None and "ConnectionRefusedError" in mail.error
    monkeypatch.setitem(app.config, "SMTP_PORT", sink.server_address[1])
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 earlier e-mail(s) sent again" in result.output
    assert [m["Subject"] for m in sink.messages] == ["Try me"]
    db.session.expire_all()
    assert db.session.scalar(select(OutboxEmail)).sent_at is not None


def test_dedupe_key_sends_once(db, make_person):
    agent = make_person()
    assert services.notify(db.session, agent, "r", "Once", "", "", dedupe_key="k1") is not None
    assert services.notify(db.session, agent, "r", "Once", "", "", dedupe_key="k1") is None
    assert services.notify(db.session, make_person(), "r", "Once", "", "", dedupe_key="k1")
    db.session.commit()
    assert count(db, Notification) == 2 and count(db, OutboxEmail) == 2


def _notes(db, person, n=3, prefix="Message"):
    made = [services.notify(db.session, person, "test", f"{prefix} {i}", f"Body {i}",
                            "/courses" if i else "//evil.example/phish") for i in range(n)]
    db.session.commit()
    return made


def test_list_mark_read_and_header_count(client, auth, db, make_person):
    agent = make_person()
    first, second, third = _notes(db, agent)
    auth.login(agent)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Message 2" in page and "Body 1" in page
    assert 'class="badge badge-count">3' in page
    assert client.post(f"/notifications/{second.id}/read").status_code == 302
    assert db.session.get(Notification, second.id).read_at is not None
    response = client.post(f"/notifications/{third.id}/read", data={"open": "1"})
    assert response.headers["Location"] == "/courses"
    # A stored link to another site is never followed.
    response = client.post(f"/notifications/{first.id}/read", data={"open": "1"})
    assert response.headers["Location"] == "/notifications"
    page = client.get("/notifications").get_data(as_text=True)
    assert "badge-count" not in page


def test_mark_all_read_touches_only_ones_own(client, auth, db, make_person):
    agent, other = make_person(), make_person()
    _notes(db, agent)
    theirs = _notes(db, other, 1, prefix="Private")[0]
    auth.login(agent)
    client.post("/notifications/read-all")
    assert count(db, Notification, Notification.read_at.is_(None)) == 1
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None
    page = client.get("/notifications").get_data(as_text=True)
    assert "Message 0" in page and "Private 0" not in page


def test_outbox_is_for_admins(client, auth, db, make_person):
    _notes(db, make_person(email="to.someone@example.com"), 1)
    for role, status in (("agent", 403), ("hr", 403), ("admin", 200)):
        auth.login(make_person(roles=(role,)))
        response = client.get("/admin/outbox")
        assert response.status_code == status
        if status == 200:
            page = response.get_data(as_text=True)
            assert "to.someone@example.com" in page and "No SMTP server is configured" in page
        auth.logout()


def test_signed_out_notification_pages_go_to_login(client):
    for method, url in (("GET", "/notifications"), ("POST", "/notifications/read-all"),
                        ("GET", "/admin/outbox")):
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_send_reminders_command(db, make_person, runner):
    from courses.services import enrolment
    from courses.services import versions as course_services

    clock.freeze(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    course = course_services.create_course(db.session, None, "R-1", "Reminded course")
    module = course_services.add_module(db.session, None, course.versions[0], "M")
    course_services.add_lesson(db.session, None, module, "L", "text", 5)
    course_services.publish(db.session, None, course)
    agent = make_person(locale="zh_Hans_CN")
    enrolment.enrol(db.session, None, agent, course, date(2026, 11, 25))
    db.session.commit()
    assert "1 reminder(s) made" in runner.invoke(args=["send-reminders"]).output
    assert "0 reminder(s) made" in runner.invoke(args=["send-reminders"]).output
    clock.freeze(datetime(2026, 11, 26, 9, 0, tzinfo=UTC) + timedelta(hours=1))
    assert "1 reminder(s) made" in runner.invoke(args=["send-reminders"]).output
    kinds = sorted(db.session.scalars(select(Notification.kind).where(
        Notification.person_id == agent.id)))
    assert kinds == ["due-soon", "enrolment", "overdue"]


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_enrolment_messages_reach_each_person_in_their_language(app, db, make_person, locale):
    """Enrolment and due-date messages are written in the recipient's language (the e-mail
    and the stored text), and the list shows each in the language the reader uses now."""
    from flask_babel import force_locale

    from courses.services import enrolment
    from courses.services import versions as course_services

    clock.freeze(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    course = course_services.create_course(db.session, None, "L-1", "Refund basics")
    course.set_translation("zh_Hans_CN", "title", "退款基础")
    module = course_services.add_module(db.session, None, course.versions[0], "M")
    course_services.add_lesson(db.session, None, module, "L", "text", 5)
    course_services.publish(db.session, None, course)
    agent = make_person(locale=locale)
    # Enrolled by someone reading the other language.
    with app.test_request_context(), force_locale("en" if locale != "en" else "zh_Hans_CN"):
        enrolment.enrol(db.session, None, agent, course, date(2026, 11, 25))
    db.session.commit()
    enrolment.due_date_reminders(db.session, date(2026, 11, 24))
    notes = db.session.scalars(select(Notification).where(
        Notification.person_id == agent.id).order_by(Notification.id)).all()
    title = "退款基础" if locale == "zh_Hans_CN" else "Refund basics"
    assert [n.kind for n in notes] == ["enrolment", "due-soon"]
    assert all(title in n.subject for n in notes)
    mails = db.session.scalars(select(OutboxEmail.subject).where(
        OutboxEmail.to_address == agent.email)).all()
    assert mails == [n.subject for n in notes]
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert all("退款基础" in n.tr("subject") for n in notes)
    with app.test_request_context(), force_locale("en"):
        assert all("Refund basics" in n.tr("subject") for n in notes)
