"""Who may read the competency matrix and edit the framework."""

from lms.core import policy

# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ("matrix.view", policy.signed_in),
    ("framework.manage", policy.roles("admin")),
)
