"""Who may upload SCORM packages and who may play them."""

from courses.policy import may_author
from lms.core import policy


def _author(actor, action, obj) -> bool:
    """scorm.author: upload and list packages (the course author right)."""
    return may_author(actor)


def _play(actor, action, attempt) -> bool:
    """scorm.play: anyone signed in may launch a package; an attempt is its learner's own."""
    return attempt is None or attempt.person_id == actor.id


RULES = (
    ("scorm.author", _author),
    ("scorm.play", policy.signed_in),
    ("scorm.attempt", _play),
)
