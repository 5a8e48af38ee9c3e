"""Classroom and live training: events with dated sessions, enrolment and waitlists,
attendance (register, QR check-in, sign-in sheet), calendar invitations and feeds, and the
programme-attendance kind that path rules read."""

from flask import Flask

from classroom import (
    blueprint,
    panels,  # noqa: F401  (the training-hours panels of the courses pages)
)
from classroom import policy as classroom_policy
from classroom.kind import MentoringKind, ProgrammeKind, RotationKind
from classroom.services import (
    invitations,  # noqa: F401  (a reminder source)
    todo,  # noqa: F401  (to-do sources)
)
from lms.core.kinds import register_kind
from lms.core.policy import register_all


def init_app(app: Flask) -> None:
    """Register the kind and the package's pages and permissions."""
    for kind in (ProgrammeKind, MentoringKind, RotationKind):
        register_kind(kind)
    app.register_blueprint(blueprint.bp)
    register_all(classroom_policy.RULES)
