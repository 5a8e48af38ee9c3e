"""Notifications: the in-app list and e-mail. Callers own the commit.

`notify` writes a Notification and an OutboxEmail in the caller's transaction. When SMTP is
configured (SMTP_HOST), the e-mails of a transaction are sent right after it commits, so no
database transaction is held open while talking to the mail server; a failure is written on
the row and `flask --app lms send-reminders` tries again. Without SMTP the outbox is where the
mail stays, for admins to read at /admin/outbox.

Reminders: packages register a reminder source (a function taking a session and today's date
that calls `notify` with a dedupe key); the `send-reminders` command runs them all.
"""

import smtplib
import ssl
from collections.abc import Callable
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, has_app_context
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.orm import Session

from lms.core import clock
from lms.core.database import insert_rows
from lms.core.extensions import db
from lms.core.i18n import LANGUAGE_NAMES, in_language, language_of
from lms.core.urls import public_url
from lms.notifications.models import Notification, OutboxEmail
from lms.system.services.organisation import sender_name

# session.info key: ids of outbox rows written in the current transaction.
_PENDING = "lms_outbox_pending"
# A failed send is tried again by the reminders command for this long.
RETRY_WINDOW = timedelta(days=2)

ReminderSource = Callable[[Session, date], int]
_reminder_sources: list[ReminderSource] = []


Message = Callable[[], tuple[str, str]]


def in_every_language(message: Message) -> dict[str, tuple[str, str]]:
    """{language: (subject, body)}: `message` composed once per language the site speaks."""
    texts = {}
    for language in LANGUAGE_NAMES:
        with in_language(language):
            subject, body = message()
            texts[language] = (str(subject)[:300], str(body))
    return texts


def notify(session, person, kind: str, subject: "str | Message", body: str = "",
           link: str = "", dedupe_key: str | None = None,
           attachments: list[dict] | None = None) -> Notification | None:
    """Put a message in `person`'s in-app list and queue it as e-mail (with `attachments`:
    text files as {"filename", "content_type", "text"}, e.g. an .ics). `subject` may be a
    function returning (subject, body): it is then written in every language, the e-mail
    and the stored text in the recipient's (`language_of`), and the list shows the reader's.
    With a `dedupe_key` the same message is sent at most once per person (returns None when
    it already was)."""
    if dedupe_key is not None and session.scalar(
        select(Notification.id).where(Notification.person_id == person.id,
                                      Notification.dedupe_key == dedupe_key)
    ) is not None:
        return None
    texts = in_every_language(subject) if callable(subject) else None
    subject, body = _addressed(person, subject, body, texts)
    notification = Notification(person_id=person.id, kind=kind, subject=subject,
                                body=body, link=link, dedupe_key=dedupe_key,
                                created_at=clock.now(), translations=_translations(texts))
    session.add(notification)
    if person.email:
        email = OutboxEmail(to_address=person.email, subject=subject,
                            body=_email_body(body, link), created_at=clock.now(),
                            attachments=list(attachments or []))
        session.add(email)
        session.flush()
        session.info.setdefault(_PENDING, []).append(email.id)
    else:
        session.flush()
    return notification


def notify_many(session, people: list, kind: str, subject: "str | Message", body: str = "",
                link: str = "") -> None:
    """The same message to each of `people`, as `notify` sends it (no dedupe key, no
    attachments), in a fixed number of statements: a message function is composed once
    per language, not once per person, and the rows go in as batched inserts (a plan or a
    tier enrolling thousands)."""
    if not people:
        return
    session.flush()
    texts = in_every_language(subject) if callable(subject) else None
    # One object for every row: the bulk insert serialises a shared JSON value once.
    translations = _translations(texts)
    now, notices, emails = clock.now(), [], []
    for person in people:
        shown, text = _addressed(person, subject, body, texts)
        notices.append({"person_id": person.id, "kind": kind, "subject": shown, "body": text,
                        "link": link, "dedupe_key": None, "created_at": now,
                        "translations": translations})
        if person.email:
            emails.append({"to_address": person.email, "subject": shown,
                           "body": _email_body(text, link), "created_at": now,
                           "attachments": []})
    connection = session.connection()
    insert_rows(connection, Notification.__table__, notices)
    if emails:
        # Only the ids, in any order: the rows to send after the commit.
        table = OutboxEmail.__table__
        session.info.setdefault(_PENDING, []).extend(
            connection.scalars(insert(table).returning(table.c.id), emails))


def _addressed(person, subject, body: str, texts) -> tuple[str, str]:
    """(subject, body) of a message to `person`: in their language when the message was
    composed in every one (`texts`)."""
    if texts is None:
        return subject[:300], body
    subject, body = texts[language_of(person)]
    return subject[:300], body


def _translations(texts) -> dict:
    """A notification's other languages: every language's (subject, body), when composed in
    every one."""
    if texts is None:
        return {}
    return {language: {"subject": s, "body": b} for language, (s, b) in texts.items()}


def queue_email(session, to_address: str, subject: str, body: str,
                link: str = "", confidential: bool = False) -> OutboxEmail:
    """Queue an e-mail to an address without an account (an external 360 rater); sent after
    the caller's commit like `notify`'s. `confidential`: the link is a secret (a one-time
    link): the outbox page never shows the text, and the link is struck from the stored
    body once the mail has gone out."""
    email = OutboxEmail(to_address=to_address, subject=subject[:300],
                        body=_email_body(body, link), created_at=clock.now(),
                        confidential=confidential)
    session.add(email)
    session.flush()
    session.info.setdefault(_PENDING, []).append(email.id)
    return email


def _email_body(body: str, link: str) -> str:
    if not link:
        return body
    return f"{body}\n\n{_absolute(link)}\n"


LINK_REMOVED = "[link removed after sending]"


def strip_link(body: str) -> str:
    """A sent confidential e-mail's text without its link (the last paragraph, see
    `_email_body`)."""
    text, _sep, _link = body.rstrip("\n").rpartition("\n\n")
    return f"{text}\n\n{LINK_REMOVED}\n" if text else LINK_REMOVED


def _absolute(link: str) -> str:
    """Links are stored as site paths; e-mail needs the whole address (from PUBLIC_URL,
    never the request's Host header)."""
    return public_url(link) if has_app_context() and link.startswith("/") else link


def unread_count(session, person_id: int) -> int:
    """How many of the person's notifications are unread (one indexed count)."""
    return session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.person_id == person_id, Notification.read_at.is_(None))
    ) or 0


def mark_read(session, person, notification_id: int) -> Notification | None:
    """Mark one of the person's own notifications read; None when it is not theirs."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.person_id != person.id:
        return None
    if notification.read_at is None:
        notification.read_at = clock.now()
        session.flush()
    return notification


def mark_all_read(session, person) -> int:
    """Mark every unread notification of the person read; returns how many."""
    result = session.execute(
        update(Notification)
        .where(Notification.person_id == person.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return result.rowcount or 0


# Reminders


def reminder_source(function: ReminderSource) -> ReminderSource:
    """Register a reminder source for the send-reminders command (refuses duplicates)."""
    if function in _reminder_sources:
        raise ValueError(f"reminder source {function.__name__} is already registered")
    _reminder_sources.append(function)
    return function


def send_reminders(session, today: date) -> int:
    """Run every registered reminder source; returns how many notifications were made."""
    return sum(source(session, today) for source in _reminder_sources)


# E-mail delivery


def smtp_configured(config) -> bool:
    return bool(config.get("SMTP_HOST"))


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids and has_app_context() and smtp_configured(current_app.config):
        deliver(ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop(_PENDING, None)


def deliver(ids: list[int]) -> int:
    """Send the outbox rows `ids` that are still unsent; returns how many went out. Reads and
    writes in two short transactions of their own, with the SMTP conversation between."""

    with Session(db.engine) as reader:
        found = list(reader.scalars(
            select(OutboxEmail).where(OutboxEmail.id.in_(ids), OutboxEmail.sent_at.is_(None))
        ))
        rows = [(r.id, r.to_address, r.subject, r.body, r.attachments or []) for r in found]
        secret = {r.id: r.body for r in found if r.confidential}
        sender = sender_name(reader) if rows else ""
    if not rows:
        return 0
    results = _send(current_app.config, rows, sender)
    with Session(db.engine) as writer:
        for outbox_id, error in results.items():
            values = {"sent_at": None if error else clock.now(), "error": error or ""}
            if not error and outbox_id in secret:
                values["body"] = strip_link(secret[outbox_id])
            writer.execute(update(OutboxEmail).where(OutboxEmail.id == outbox_id)
                           .values(**values))
        writer.commit()
    return sum(1 for error in results.values() if not error)


def retry_failed(session) -> list[int]:
    """Ids of recent e-mails whose sending failed, for `deliver` after the caller commits."""
    return list(session.scalars(
        select(OutboxEmail.id).where(
            OutboxEmail.sent_at.is_(None), OutboxEmail.error != "",
            OutboxEmail.created_at >= clock.now() - RETRY_WINDOW,
        )
    ))


def _send(config, rows, sender_name: str = "") -> dict[int, str]:
    """{outbox id: error text or ""} after one SMTP session for all rows."""
    results: dict[int, str] = {}
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]),
                          timeout=config["SMTP_TIMEOUT"]) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            for outbox_id, to_address, subject, body, attachments in rows:
                try:
                    smtp.send_message(_message(config, to_address, subject, body,
                                               attachments, sender_name))
                    results[outbox_id] = ""
                except smtplib.SMTPException as error:
                    results[outbox_id] = f"{type(error).__name__}: {error}"[:1000]
    except (OSError, smtplib.SMTPException) as error:
        for outbox_id, *_ in rows:
            results.setdefault(outbox_id, f"{type(error).__name__}: {error}"[:1000])
    return results


def _message(config, to_address: str, subject: str, body: str,
             attachments: list[dict] = (), sender_name: str = "") -> EmailMessage:
    message = EmailMessage()
    # The organisation's name (its default language's) as the sender people see.
    message["From"] = formataddr((sender_name, config["SMTP_FROM"])) if sender_name \
        else config["SMTP_FROM"]
    message["To"] = to_address
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["SMTP_FROM"].rpartition("@")[2] or None)
    message.set_content(body)
    for item in attachments:
        maintype, _sep, subtype = item["content_type"].partition("/")
        message.add_attachment(item["text"], subtype=subtype, filename=item["filename"])
    return message
