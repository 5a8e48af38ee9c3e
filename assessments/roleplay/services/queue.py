"""The grading queue and the overdue-feedback reminders.

A mentor's queue: submissions they grade (primary, not yet graded; or second, their blind
grade not yet released) and mentor-played chats waiting for their customer lines. Leads also
get, page by page, every open submission they lead (unassigned ones included) and those to
moderate. Oldest first, each with its age against the scenario's feedback SLA.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from assessments.roleplay.models import Grade, Scenario, Submission
from assessments.roleplay.policy import roleplay_lead_filter
from assessments.roleplay.services import submissions as subs
from lms.core import clock
from lms.core.extensions import db
from lms.notifications.services import notify, reminder_source
from lms.people.models import Person


@dataclass(frozen=True)
class QueueRow:
    submission: Submission
    role: str                  # "primary" | "second" | "customer" | "lead" | "moderation"
    due_at: datetime | None
    age_hours: Decimal | None
    overdue: bool
    draft: bool                # the viewer has a draft grade


def _load(stmt):
    return stmt.options(selectinload(Submission.grades), selectinload(Submission.scenario),
                        selectinload(Submission.person), selectinload(Submission.mentor))


def queue_for(session, actor, now: datetime | None = None) -> list[QueueRow]:
    """The actor's own work: submissions they grade (primary, not yet graded; or second,
    their blind grade not yet released) and mentor-played chats waiting for their lines."""
    now = now or clock.now()
    open_states = Submission.state.in_(subs.OPEN_STATES)
    mine = session.scalars(_load(select(Submission).where(
        Submission.is_reference.is_(False),
        or_(Submission.mentor_id == actor.id, Submission.second_mentor_id == actor.id),
        or_(open_states, Submission.second_mentor_id == actor.id))
        .order_by(Submission.submitted_at, Submission.id))).all()
    rows: list[QueueRow] = []
    for submission in mine:
        own_grade = next((g for g in submission.grades if g.grader_id == actor.id
                          and g.role in ("primary", "second")), None)
        if submission.state == "in_progress":
            if submission.customer_side == "mentor" and submission.mentor_id == actor.id:
                rows.append(_row(submission, "customer", now, False))
            continue
        role = "primary" if submission.mentor_id == actor.id else "second"
        if role == "primary" and submission.state == "graded":
            continue
        if role == "second" and own_grade is not None and own_grade.state == "released":
            continue
        rows.append(_row(submission, role, now, own_grade is not None))
    rows.sort(key=lambda r: (r.role == "customer", r.submission.submitted_at or now,
                             r.submission.id))
    return rows


@dataclass(frozen=True)
class LedQueue:
    rows: list[QueueRow]
    total: int
    overdue: int
    unassigned: int
    page: int
    pages: int


def led_queue(session, actor, page: int = 1, per_page: int = 50,
              now: datetime | None = None) -> LedQueue:
    """The submissions a lead leads that wait for a grade or a moderation (other than their
    own work), those to moderate first, then oldest first; one page of them, with counts of
    all (overdue, unassigned)."""
    now = now or clock.now()
    condition = and_(
        Submission.is_reference.is_(False),
        or_(Submission.state == "submitted", Submission.needs_moderation.is_(True)),
        or_(Submission.mentor_id.is_(None), Submission.mentor_id != actor.id),
        or_(Submission.second_mentor_id.is_(None), Submission.second_mentor_id != actor.id),
        roleplay_lead_filter(actor, Submission.person_id, Submission.mentor_id))
    summary = session.execute(
        select(Submission.submitted_at, Scenario.sla_hours, Submission.state,
               Submission.mentor_id)
        .join(Scenario, Scenario.id == Submission.scenario_id).where(condition)).all()
    overdue = sum(1 for at, hours, state, _m in summary if state == "submitted" and at
                  and now > at + timedelta(hours=hours))
    unassigned = sum(1 for _a, _h, _s, mentor_id in summary if mentor_id is None)
    pages = max((len(summary) + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    # The summary counted them already, so the page is read without a second count.
    found = db.paginate(_load(select(Submission).where(condition).order_by(
        Submission.needs_moderation.desc(), Submission.submitted_at, Submission.id)),
        page=page, per_page=per_page, error_out=False, count=False)
    rows = [_row(s, "moderation" if s.needs_moderation else "lead", now, False)
            for s in found]
    return LedQueue(rows, len(summary), overdue, unassigned, page, pages)


def _row(submission: Submission, role: str, now: datetime, draft: bool) -> QueueRow:
    sla_applies = role in ("primary", "lead")
    return QueueRow(submission, role, subs.due_at(submission), subs.age_hours(submission, now),
                    sla_applies and subs.is_overdue(submission, now), draft)


def mentors(session) -> list[Person]:
    """Active mentors, by name (for the reassign and second-grade choices)."""
    return list(session.scalars(subs._active_mentors(session).order_by(Person.name)))


@reminder_source
def overdue_feedback(session, today) -> int:
    """Tell the assigned mentor, and leads (admins, the mentor's manager), about each
    submission past its feedback SLA; once per submission and person."""
    now = clock.now()
    made = 0
    waiting = session.scalars(_load(select(Submission).where(
        Submission.state == "submitted", Submission.is_reference.is_(False)))).all()
    admins = None
    for submission in waiting:
        if not subs.is_overdue(submission, now):
            continue
        if admins is None:
            from lms.people.models import PersonRole

            admins = list(session.scalars(select(Person).join(PersonRole).where(
                PersonRole.role == "admin", Person.active.is_(True))))
        told = [submission.mentor] if submission.mentor is not None else []
        if submission.mentor is not None and submission.mentor.manager is not None:
            told.append(submission.mentor.manager)
        told.extend(admins)
        subject = _("Role-play feedback overdue: %(name)s, %(title)s",
                    name=submission.person.name, title=submission.scenario.title)
        body = _("Feedback was due %(due)s (UTC), %(hours)d hours after submission.",
                 due=subs.due_at(submission).strftime("%Y-%m-%d %H:%M"),
                 hours=submission.scenario.sla_hours)
        for person in {p.id: p for p in told if p.active}.values():
            if notify(session, person, "roleplay.overdue", subject, body,
                      link=f"/roleplays/submissions/{submission.id}/grade" if person.id ==
                      submission.mentor_id else "/roleplays/queue",
                      dedupe_key=f"roleplay-overdue-{submission.id}") is not None:
                made += 1
    return made


def drafts_of(session, actor, submission_ids: list[int]) -> set[int]:
    """Which of these submissions the actor has a draft grade for."""
    if not submission_ids:
        return set()
    return set(session.scalars(select(Grade.submission_id).where(
        Grade.grader_id == actor.id, Grade.state == "draft",
        Grade.submission_id.in_(submission_ids))))
