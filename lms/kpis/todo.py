"""What improvement plans put on home to-do lists: each owner's check-ins (due every few
days, a setting, overdue once missed), the person's own open plan by its due date, and for a
manager who does not own it, a plan of their line that ran past its due date."""

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from lms.core.todo import TodoItem, todo_source
from lms.kpis.models import ImprovementPlan
from lms.kpis.services.plans import next_checkin, plan_settings
from lms.people.policy import reporting_line_ids


def _open(where) -> Select:
    return (select(ImprovementPlan).where(ImprovementPlan.status == "open", where)
            .options(selectinload(ImprovementPlan.checkins),
                     selectinload(ImprovementPlan.person))
            .order_by(ImprovementPlan.due_on, ImprovementPlan.id))


@todo_source
def plan_work(session, person, now: datetime) -> list[TodoItem]:
    """Check-ins the person owes, their own plan, and their line's overdue plans."""
    today = now.date()
    items = []
    days = None
    for plan in session.scalars(_open(ImprovementPlan.owner_id == person.id)):
        days = days or plan_settings(session).checkin_days
        due = min(next_checkin(plan, days), plan.due_on)
        items.append(TodoItem(
            _("Check in on %(name)s's improvement plan", name=plan.person.name),
            url_for("kpis.plan_page", plan_id=plan.id), lane="lead", due=due,
            overdue=due < today))
    for plan in session.scalars(_open(ImprovementPlan.person_id == person.id)):
        items.append(TodoItem(_("Work on your improvement plan"),
                              url_for("kpis.plan_page", plan_id=plan.id), lane="learn",
                              due=plan.due_on, overdue=plan.due_on < today))
    if person.has_role("manager"):
        for plan in session.scalars(_open(
                ImprovementPlan.person_id.in_(reporting_line_ids(person.id))).where(
                ImprovementPlan.due_on < today, ImprovementPlan.owner_id != person.id)):
            items.append(TodoItem(
                _("%(name)s's improvement plan is past its due date", name=plan.person.name),
                url_for("kpis.plan_page", plan_id=plan.id), lane="lead", due=plan.due_on,
                overdue=True))
    return items
