"""Who runs mystery-shopper programmes and who sees a visit's result."""

from lms.core import policy
from lms.people.policy import may_view_person


def _may_see_visit(actor, _action, visit) -> bool:
    """An answered visit: the agent, whoever may see the agent (their manager's line, their
    mentor, HR, admins). Before it is answered only HR and admins see it."""
    if visit is None:
        return False
    if actor.has_role("admin", "hr"):
        return True
    return visit.status == "answered" and may_view_person(actor, visit.agent)


# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ("mystery.manage", policy.roles("admin", "hr")),
    # The visits list: HR and admins every team, managers their reporting line.
    ("mystery.list", policy.roles("admin", "hr", "manager")),
    ("mystery.mine", policy.signed_in),
    ("mystery.visit", _may_see_visit),
)
