"""Who may author quizzes, take them, read results, grade essays and set accommodations."""

from sqlalchemy import false, true

from courses.policy import may_author
from lms.core import policy
from lms.people.models import Person
from lms.people.policy import LINE_READERS, may_view_person


def _quiz(actor, action: str, obj) -> bool:
    """quiz.author: set up quizzes (the course author right) — which does not include reading
    anyone's answers or results. quiz.results (obj: the Person whose attempts they are, or None
    for the results list, which shows only the people in `report_scope`): whoever may view the
    person — themselves, their mentor, their manager's line, HR and admins. quiz.override (obj:
    a Person, a Team, or None for "anyone at all"): HR and admins for anyone, mentors for their
    mentees only. quiz.take (obj: Quiz): published quizzes. quiz.attempt (obj: Attempt): one's
    own only. quiz.grade (obj: the Person whose attempt it is): admins, and mentors for their
    mentees."""
    if action == "quiz.author":
        return may_author(actor)
    if action == "quiz.results":
        if obj is None:
            return actor.has_role(*LINE_READERS)
        return may_view_person(actor, obj)
    if action == "quiz.override":
        if actor.has_role("admin", "hr"):
            return True
        if not actor.has_role("mentor"):
            return False
        return obj is None or getattr(obj, "mentor_id", None) == actor.id
    if action == "quiz.take":
        return obj is not None and obj.published
    if action == "quiz.attempt":
        return obj is not None and obj.person_id == actor.id
    if action == "quiz.grade":
        if obj is None:
            return False
        return actor.has_role("admin") or (actor.has_role("mentor")
                                           and obj.mentor_id == actor.id)
    return False


def gradeable_people_filter(actor):
    """A SQL condition on Person selecting whose essays `actor` grades (the quiz.grade rule
    as SQL): everyone's for admins, a mentor's mentees', nobody's otherwise."""
    if actor.has_role("admin"):
        return true()
    if actor.has_role("mentor"):
        return Person.mentor_id == actor.id
    return false()


# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ((
        "quiz.author", "quiz.results", "quiz.override", "quiz.take", "quiz.attempt",
        "quiz.grade",
    ), _quiz),
    # The essay grading queue: mentors see their mentees' attempts, admins everyone's.
    ("quiz.grading_queue", policy.roles("admin", "mentor")),
    # Accommodations for a whole team (mentors set them for their mentees only).
    ("quiz.override_teams", policy.roles("admin", "hr")),
)
