"""Who may see the System page (deployment checks: fonts, database, settings, storage,
Redis, SMTP)."""

from lms.core import policy

# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ("system.view", policy.roles("admin")),
    ("system.organisation", policy.roles("admin")),
)
