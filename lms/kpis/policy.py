"""Who may define KPIs and import their values."""

from lms.core import policy

# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ("kpis.manage", policy.roles("admin")),
    ("kpis.import", policy.roles("admin", "hr")),
)
