"""Who may read notices and the outgoing mail."""

from lms.core import policy

# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ("notifications.view", policy.signed_in),
    ("notifications.outbox", policy.roles("admin")),
)
