"""Who may browse, learn, author and enrol others in courses, and read their files."""

from sqlalchemy import select

from courses.models import Enrollment
from lms.core import policy
from lms.core.extensions import db
from lms.people.policy import is_in_reporting_line


def may_author(actor) -> bool:
    """Admins always; mentors only while they hold the author right (`can_author`)."""
    return actor.has_role("admin") or (actor.has_role("mentor") and bool(actor.can_author))


def _author(actor, action, obj) -> bool:
    return may_author(actor)


def _learn(actor, action, enrolment) -> bool:
    """obj: the actor's enrolment in the course (or None). Only one's own, not withdrawn."""
    return enrolment is not None and enrolment.person_id == actor.id and not enrolment.withdrawn


def _self_enrol(actor, action, course) -> bool:
    return course is not None and course.self_enrol and course.published_version > 0 \
        and course.status == "published"


def _read_attachment(actor, action, attachment) -> bool:
    """Authors (who may edit every course) and admins; otherwise only people enrolled (not
    withdrawn) in the course, and only for files of a published version."""
    if attachment is None:
        return False
    if may_author(actor):
        return True
    version = attachment.lesson.module.version
    if version.is_draft:
        return False
    return db.session.scalar(
        select(Enrollment.id).where(
            Enrollment.person_id == actor.id, Enrollment.course_id == version.course_id,
            Enrollment.withdrawn.is_(False),
        )
    ) is not None


def _enrol_others(actor, action, person) -> bool:
    """HR and admins enrol anyone; managers their reporting line; mentors their mentees.
    Without a person: whether the actor may enrol anybody at all (to offer the screen)."""
    if actor.has_role("admin", "hr"):
        return person is None or person.active
    if not actor.has_role("manager", "mentor"):
        return False
    if person is None:
        return True
    if not person.active or person.id == actor.id:
        return False
    if actor.has_role("mentor") and person.mentor_id == actor.id:
        return True
    return actor.has_role("manager") and is_in_reporting_line(person, actor)


# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ("courses.browse", policy.signed_in),
    # Enrol a whole team; the members enrolled are those courses.enrol_others allows.
    ("courses.enrol_team", policy.roles("admin", "hr", "manager")),
    ("courses.manage_authors", policy.roles("admin")),
    ("courses.author", _author),
    ("courses.learn", _learn),
    ("courses.self_enrol", _self_enrol),
    ("courses.read_attachment", _read_attachment),
    ("courses.enrol_others", _enrol_others),
)
