"""Who may nominate, approve, respond to, confirm and read 360 reviews
(docs/360-anonymity.md)."""

from lms.core import policy
from lms.people.policy import is_in_reporting_line


def _may_review360(actor, action: str, obj) -> bool:
    """360 actions. review360.mine: one's own tasks and results page. review360.nominate (obj:
    Subject): the subject while their list is open; their manager (reporting line) until the
    cycle closes; HR and admins. review360.approve (obj: Subject): the manager's line, HR and
    admins. review360.respond (obj: Rater): one's own invitation only. review360.results (obj:
    Subject): once the cycle is closed, the subject, their manager's line, HR and admins.
    review360.confirm (obj: Subject, or the external Rater): vouch for a customer's address —
    HR and admins who will not read these results as the subject or in their reporting line,
    and never for a rater they proposed themselves (docs/360-anonymity.md)."""
    if action == "review360.mine":
        return True
    if obj is None:
        return False
    if action == "review360.respond":
        return obj.person_id == actor.id
    if action == "review360.confirm":
        rater = obj if getattr(obj, "subject_id", None) is not None else None  # else a Subject
        subject = rater.subject if rater is not None else obj
        if not actor.has_role("admin", "hr") or actor.id == subject.person_id:
            return False
        if is_in_reporting_line(subject.person, actor):
            return False
        return rater is None or rater.proposed_by_id != actor.id
    subject_person = obj.person
    is_hr = actor.has_role("admin", "hr")
    line_manager = actor.has_role("manager") and is_in_reporting_line(subject_person, actor)
    if action == "review360.nominate":
        if obj.cycle.closed:
            return False
        own = subject_person.id == actor.id and obj.nomination_state == "open"
        return own or is_hr or line_manager
    if action == "review360.approve":
        return not obj.cycle.closed and (is_hr or line_manager)
    if action == "review360.results":
        return obj.cycle.closed and (subject_person.id == actor.id or is_hr or line_manager)
    return False


# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ((
        "review360.mine", "review360.respond", "review360.confirm", "review360.nominate",
        "review360.approve", "review360.results",
    ), _may_review360),
    # 360 cycles (open, configure, extend, close, override nominations) and questionnaires.
    ("review360.manage", policy.roles("admin", "hr")),
    ("review360.questionnaires", policy.roles("admin")),
)
