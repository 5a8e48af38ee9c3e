"""What courses put on people's to-do lists: a learner's unfinished courses, a manager's
team members who are overdue, HR's overdue training by team."""

from collections import Counter
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from courses.models import Course, Enrollment
from courses.services.progress import progress
from lms.core.todo import TodoItem, todo_source
from lms.people.models import Person, Team

# Open enrolments: not completed, not withdrawn, on a published course.
_OPEN = (Enrollment.withdrawn.is_(False), Enrollment.completed_at.is_(None),
         Course.status == "published", Course.published_version > 0)


@todo_source
def unfinished_courses(session, person, now: datetime) -> list[TodoItem]:
    """Every course the person is enrolled on and has not finished, with its due date."""
    rows = session.scalars(select(Enrollment).join(Course).where(
        Enrollment.person_id == person.id, *_OPEN)).all()
    if not rows:
        return []
    standing = progress(session, [person.id], [e.course_id for e in rows])
    today = now.date()
    items = []
    for enrollment in rows:
        percent = standing[(person.id, enrollment.course_id)].percent
        overdue = enrollment.due_date is not None and enrollment.due_date < today
        title = (_("Start “%(course)s”", course=enrollment.course.tr("title")) if percent == 0
                 else _("Finish “%(course)s” — %(percent)d %% done",
                        course=enrollment.course.tr("title"), percent=percent))
        items.append(TodoItem(title, url_for("courses.course_page",
                                             course_id=enrollment.course_id),
                              lane="learn", due=enrollment.due_date, overdue=overdue))
    return items


def _overdue_people(session, today, *conditions) -> list[tuple[Person, int]]:
    """(person, overdue courses) for active people matching `conditions` with any overdue."""
    rows = session.execute(
        select(Person, Enrollment.id).join(Enrollment, Enrollment.person_id == Person.id)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Person.active.is_(True), Enrollment.due_date < today, *_OPEN, *conditions)
        .order_by(Person.name)).all()
    counts = Counter(person for person, _id in rows)
    return list(counts.items())


@todo_source
def team_overdue(session, person, now: datetime) -> list[TodoItem]:
    """A manager's direct reports who are past a course due date, as one item."""
    if not person.has_role("manager"):
        return []
    late = _overdue_people(session, now.date(), Person.manager_id == person.id)
    if not late:
        return []
    names = ", ".join(p.name for p, _count in late[:5])
    title = ngettext("%(num)d person in your team is overdue on a course",
                     "%(num)d people in your team are overdue on a course", len(late))
    return [TodoItem(title, url_for("courses.team"), lane="lead", detail=names, overdue=True)]


@todo_source
def overdue_by_team(session, person, now: datetime) -> list[TodoItem]:
    """HR's view: for each team, how many people are past a course due date."""
    if not person.has_role("hr"):
        return []
    late = _overdue_people(session, now.date())
    per_team = Counter(p.team_id for p, _count in late)
    teams = {t.id: t for t in session.scalars(select(Team).where(Team.id.in_(
        [tid for tid in per_team if tid is not None])))}
    items = []
    for team_id, count in sorted(per_team.items(), key=lambda kv: -kv[1]):
        team = teams.get(team_id)
        name = team.name if team is not None else _("No team")
        title = ngettext("%(team)s: %(num)d person overdue on training",
                         "%(team)s: %(num)d people overdue on training", count, team=name)
        items.append(TodoItem(title, url_for("courses.team", team=team_id), lane="organise",
                              overdue=True))
    return items
