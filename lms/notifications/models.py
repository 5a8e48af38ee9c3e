"""In-app notifications and the e-mail outbox."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db
from lms.core.i18n import Translated


class Notification(Translated, db.Model):
    """A message in a person's in-app list. `dedupe_key` makes a reminder send only once.

    `subject` and `body` hold the text as sent (in the recipient's language, like the
    e-mail); `translations` holds it in every language the site speaks, so the list shows
    it in whichever language the reader uses now."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("person_id", "dedupe_key"),
        Index("ix_notification_person_read", "person_id", "read_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxEmail(db.Model):
    """An e-mail: sent through SMTP when configured, otherwise kept here for admins to read."""

    __tablename__ = "outbox_email"
    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(Text, default="")
    # Holds a one-time link (an external 360 rater's): the outbox page never shows its text,
    # and the link is struck from the stored body once the mail is sent.
    confidential: Mapped[bool] = mapped_column(default=False)
    # Text files sent with the mail (a training invitation's .ics): [{"filename",
    # "content_type", "text"}].
    attachments: Mapped[list] = mapped_column(JSON, default=list)
