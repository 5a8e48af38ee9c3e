"""Who may author, take, see, grade, moderate and lead role-play submissions."""

from sqlalchemy import false, or_, true

from courses.policy import may_author
from lms.people.policy import is_in_reporting_line, reporting_line_ids


def _may_roleplay(actor, action: str, obj) -> bool:
    """Role-play actions. Leads are admins, and managers for submissions whose agent or
    assigned mentor is in their reporting line (see `is_roleplay_lead`).
    roleplay.author: scenarios and rubrics (the course author right). roleplay.take (obj:
    Scenario): published ones. roleplay.own (obj: Submission): the agent's own (never a
    calibration reference). roleplay.view (obj: Submission): the agent, the assigned mentors,
    leads; every mentor for a calibration reference. roleplay.grade (obj: Submission): the
    assigned primary or second mentor, never the agent; any mentor for a reference recording.
    roleplay.customer (obj: Submission): the assigned mentor of a mentor-played chat.
    roleplay.lead (obj: Submission, or None for "leads anything"). roleplay.moderate (obj:
    Submission): a lead who is neither the agent nor one of its graders. roleplay.live (obj:
    the agent): admins, and the agent's own mentor (not every mentor of the team), who run
    and grade the session.
    roleplay.queue: mentors and leads. roleplay.agreement / roleplay.calibrate: leads."""
    if action == "roleplay.author":
        return may_author(actor)
    if action == "roleplay.queue":
        return actor.has_role("mentor", "admin", "manager")
    if action in ("roleplay.agreement", "roleplay.calibrate"):
        return actor.has_role("admin", "manager")
    if obj is None:
        return action == "roleplay.lead" and actor.has_role("admin", "manager")
    if action == "roleplay.take":
        return bool(obj.published)
    if action == "roleplay.live":
        if actor.id == obj.id or not obj.active:
            return False
        if actor.has_role("admin"):
            return True
        return actor.has_role("mentor") and obj.mentor_id == actor.id
    if action == "roleplay.own":
        return obj.person_id == actor.id and not obj.is_reference
    if action == "roleplay.lead":
        return is_roleplay_lead(actor, obj)
    if action == "roleplay.view":
        if obj.is_reference:
            return actor.has_role("mentor") or is_roleplay_lead(actor, obj)
        return actor.id in (obj.person_id, obj.mentor_id, obj.second_mentor_id) \
            or is_roleplay_lead(actor, obj)
    if action == "roleplay.grade":
        if not actor.has_role("mentor") or actor.id == obj.person_id:
            return False
        return obj.is_reference or actor.id in (obj.mentor_id, obj.second_mentor_id)
    if action == "roleplay.customer":
        return obj.customer_side == "mentor" and obj.mentor_id == actor.id \
            and actor.id != obj.person_id
    if action == "roleplay.moderate":
        graders = {g.grader_id for g in obj.grades if g.role in ("primary", "second")}
        return is_roleplay_lead(actor, obj) and actor.id != obj.person_id \
            and actor.id not in graders
    return False


def is_roleplay_lead(actor, submission) -> bool:
    """Admins lead every submission; a manager leads those whose agent or assigned mentor is
    in their reporting line (a mentor's manager reassigns and moderates that mentor's work)."""
    if actor.has_role("admin"):
        return True
    if not actor.has_role("manager"):
        return False
    return any(person is not None and is_in_reporting_line(person, actor)
               for person in (submission.person, submission.mentor))


def roleplay_lead_filter(actor, person_column, mentor_column):
    """A SQL condition selecting the submissions `actor` leads (same rule as
    `is_roleplay_lead`, the reporting line resolved once): true for admins, false for
    people who lead nothing."""
    if actor.has_role("admin"):
        return true()
    if not actor.has_role("manager"):
        return false()
    line = reporting_line_ids(actor.id)
    return or_(person_column.in_(line), mentor_column.in_(line))


# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ((
        "roleplay.author", "roleplay.queue", "roleplay.agreement", "roleplay.calibrate",
        "roleplay.lead", "roleplay.take", "roleplay.live", "roleplay.own", "roleplay.view",
        "roleplay.grade", "roleplay.customer", "roleplay.moderate",
    ), _may_roleplay),
)
