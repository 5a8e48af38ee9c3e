"""Who may define KPIs and import their values."""

from lms.core import policy
from lms.kpis.services.plans import may_update
from lms.people.policy import may_view_person


def _plan_view(actor, _action, plan) -> bool:
    return may_view_person(actor, plan.person)


def _plan_update(actor, _action, plan) -> bool:
    return may_update(actor, plan)


# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ("kpis.manage", policy.roles("admin")),
    ("kpis.import", policy.roles("admin", "hr")),
    ("plans.list", policy.signed_in),
    ("plans.view", _plan_view),
    ("plans.update", _plan_update),
    ("plans.report", policy.roles("admin", "hr")),
    ("plans.settings", policy.roles("admin")),
)
