"""A test-only assessment kind: a mentor's sign-off, scored 0–100.

It exists to prove what docs/architecture.md promises: a new kind is one folder (this one)
and one line in `lms.app.PACKAGES` (tests/test_layout.py adds it to an app's PACKAGES).
"""

from flask import Flask

from lms.core.kinds import register_kind
from lms.core.policy import register_all
from tests.kinds.signoff import blueprint
from tests.kinds.signoff import policy as signoff_policy
from tests.kinds.signoff.kind import SignoffKind


def init_app(app: Flask) -> None:
    """Register the kind, its page and its permission."""
    register_kind(SignoffKind)
    app.register_blueprint(blueprint.bp)
    register_all(signoff_policy.RULES)
