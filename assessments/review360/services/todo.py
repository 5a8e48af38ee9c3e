"""What 360 reviews put on to-do lists: forms to answer, nominations to send, and a manager's
nominations to approve — each while its cycle takes responses."""

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assessments.review360.models import Cycle, Rater, Subject
from assessments.review360.services.cycles import accepting_responses, closes_at
from lms.core.todo import TodoItem, todo_source
from lms.people.models import Person


@todo_source
def forms_to_answer(session, person, now: datetime) -> list[TodoItem]:
    """Each invited rating of a colleague not yet submitted, due when the cycle closes."""
    raters = session.scalars(select(Rater).join(Subject).join(Cycle).where(
        Rater.person_id == person.id, Rater.state == "invited", Cycle.closed_at.is_(None))
        .options(selectinload(Rater.response),
                 selectinload(Rater.subject).selectinload(Subject.person))).all()
    return [TodoItem(_("Answer the 360 review of %(name)s", name=rater.subject.person.name),
                     url_for("review360.respond", rater_id=rater.id), lane="review",
                     due=rater.subject.cycle.closes_on)
            for rater in raters
            if not rater.submitted and accepting_responses(rater.subject.cycle, now)]


@todo_source
def nominations(session, person, now: datetime) -> list[TodoItem]:
    """The person's own nominations still to send, and (managers) their reports' to approve."""
    subjects = session.scalars(select(Subject).join(Cycle).join(
        Person, Person.id == Subject.person_id).where(
        Cycle.closed_at.is_(None),
        ((Subject.person_id == person.id) & (Subject.nomination_state == "open"))
        | ((Person.manager_id == person.id) & (Subject.nomination_state == "submitted")))
        .options(selectinload(Subject.person))).all()
    items = []
    for subject in subjects:
        if now >= closes_at(subject.cycle):
            continue
        if subject.person_id == person.id:
            title = _("Nominate your raters for “%(cycle)s”", cycle=subject.cycle.tr("title"))
            lane = "review"
        else:
            title = _("Approve the 360 raters %(name)s nominated", name=subject.person.name)
            lane = "lead"
        items.append(TodoItem(title, url_for("review360.subject_detail", subject_id=subject.id),
                              lane=lane, due=subject.cycle.closes_on))
    return items
