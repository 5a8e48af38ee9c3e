"""Who may schedule, enrol, sign up, take attendance and read registers of classroom
training."""

from lms.core import policy
from lms.people.policy import is_in_reporting_line


def _may_classroom(actor, action: str, obj) -> bool:
    """classroom.enrol_person (obj: Person): HR and admins anyone; a manager the people in
    their reporting line. classroom.register (obj: TrainingSession): its trainers, HR and
    admins. classroom.signup (obj: TrainingEvent): anyone, when the event allows self
    sign-up and is not cancelled. classroom.cancel_place (obj: EventEnrolment): the person
    themselves, HR and admins, the person's line manager."""
    if obj is None:
        return False
    is_hr = actor.has_role("admin", "hr")
    if action == "classroom.enrol_person":
        return is_hr or (actor.has_role("manager") and is_in_reporting_line(obj, actor))
    if action == "classroom.register":
        return is_hr or any(t.id == actor.id for t in obj.trainers)
    if action == "classroom.signup":
        return obj.self_signup and not obj.cancelled
    if action == "classroom.cancel_place":
        return (obj.person_id == actor.id or is_hr
                or (actor.has_role("manager") and is_in_reporting_line(obj.person, actor)))
    return False


# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    (("classroom.enrol_person", "classroom.register", "classroom.signup",
      "classroom.cancel_place"), _may_classroom),
    # Schedule, change and cancel events and sessions.
    ("classroom.manage", policy.roles("admin", "hr")),
    # Enrol people (which people: classroom.enrol_person).
    ("classroom.enrol", policy.roles("admin", "hr", "manager")),
    ("classroom.view", policy.signed_in),
    # Training hours of the people in one's report scope; the yearly target.
    ("classroom.hours_report", policy.roles("admin", "hr", "manager")),
    ("classroom.configure", policy.roles("admin", "hr")),
    # Log one's own front-line rotation shifts.
    ("classroom.rotation", policy.roles("manager")),
)
