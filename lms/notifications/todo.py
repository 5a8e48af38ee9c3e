"""Notices that are themselves something to do: a result to read stays on the to-do list
until it is opened (opening marks it read and follows its link)."""

from datetime import datetime

from sqlalchemy import select

from lms.core.todo import TodoItem, todo_source
from lms.notifications.models import Notification

# Kinds whose notice carries news the person should read (a graded role-play's feedback);
# reminders and requests are not here: their own sources list the work itself.
READ_KINDS = ("roleplay.graded",)
LIMIT = 10


@todo_source
def results_to_read(session, person, now: datetime) -> list[TodoItem]:
    """The newest unread result notices, each opened (and marked read) in one click."""
    unread = session.scalars(select(Notification).where(
        Notification.person_id == person.id, Notification.read_at.is_(None),
        Notification.kind.in_(READ_KINDS))
        .order_by(Notification.created_at.desc()).limit(LIMIT)).all()
    return [TodoItem(notice.tr("subject"), notice.link, lane="learn",
                     notification_id=notice.id) for notice in unread]
