"""Who may configure identity providers, sign-in settings and SCIM tokens: administrators."""

from lms.core import policy

# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ("identity.manage", policy.roles("admin")),
)
