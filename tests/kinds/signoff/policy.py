"""Who may see the sign-off page."""

from lms.core import policy

RULES = (("signoff.view", policy.roles("admin", "mentor")),)
