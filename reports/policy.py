"""Who may read reports, a person's report page, the audit log, and manage API tokens."""

from lms.core import policy
from lms.people.policy import LINE_READERS, may_view_person


def _person_report(actor, action, person) -> bool:
    """A person's report page, evidence and review pack: whoever may view the person."""
    return person is not None and may_view_person(actor, person)


# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    # HR reports (dashboard, heat map, exports): who sees whom is `report_scope`, so a manager
    # reads their line, a mentor their mentees; agents have their own pages instead.
    ("reports.view", policy.roles(*LINE_READERS)),
    ("reports.person", _person_report),
    ("audit.view", policy.roles("admin")),
    # Personal access tokens for the read API (created for a person, seeing what they see).
    ("api_tokens.manage", policy.roles("admin")),
)
