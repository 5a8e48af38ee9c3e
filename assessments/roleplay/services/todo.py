"""What role-plays put on a mentor's to-do list: each submission to grade by its feedback
deadline (overdue first), and each chat waiting for the mentor's customer lines."""

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _

from assessments.roleplay.services.queue import queue_for
from lms.core.todo import TodoItem, todo_source


@todo_source
def grading_queue(session, person, now: datetime) -> list[TodoItem]:
    """The mentor's own queue, one item per submission, due at the feedback SLA."""
    if not person.has_role("mentor"):
        return []
    items = []
    for row in queue_for(session, person, now):
        submission = row.submission
        names = {"name": submission.person.name, "title": submission.scenario.display_title()}
        if row.role == "customer":
            # The mentor's side of the chat is on the grading page.
            items.append(TodoItem(_("Play the customer in %(name)s's chat “%(title)s”", **names),
                                  url_for("roleplay.grade_page", submission_id=submission.id),
                                  lane="review"))
            continue
        title = (_("Give the second grade: %(name)s, “%(title)s”", **names) if row.role == "second"
                 else _("Grade %(name)s's role-play “%(title)s”", **names))
        items.append(TodoItem(title, url_for("roleplay.grade_page", submission_id=submission.id),
                              lane="review", due=row.due_at, overdue=row.overdue,
                              detail=_("Draft saved") if row.draft else ""))
    return items
