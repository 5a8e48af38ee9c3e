"""Who may read and edit the certification paths."""

from lms.core import policy

# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ("paths.view", policy.signed_in),
    ("paths.manage", policy.roles("admin")),
)
