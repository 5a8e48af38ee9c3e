"""What both package journeys do around the player: find the demo agent a lesson to put the
package on, reach into the player's frame, and wait for the frame's asynchronous commits."""

import time

import pytest
from sqlalchemy import select

from assessments.scorm.models import ScormAttempt, ScormPackage
from courses.models import Course, Enrollment
from courses.services import progress
from lms.core.extensions import db
from lms.people.models import Person


def agent_lesson(app):
    """A lesson of a published course the demo agent is enrolled in and has not done."""
    with app.app_context():
        agent = db.session.scalar(select(Person).where(Person.email == "agent@demo.example"))
        for enrollment in db.session.scalars(select(Enrollment).where(
                Enrollment.person_id == agent.id, Enrollment.completed_at.is_(None))):
            course = db.session.get(Course, enrollment.course_id)
            outline = progress.outline(db.session, [course.id]).get(course.id, [])
            standing = progress.progress(db.session, [agent.id], [course.id],
                                         with_keys=True)[(agent.id, course.id)]
            if progress.unmet_prerequisites(db.session, agent.id, course):
                continue
            for lesson in progress.lessons_of(outline):
                if lesson.key not in standing.done_keys:
                    return agent.id, course.id, lesson.key
        db.session.remove()
    pytest.fail("the demo agent has no unfinished lesson (the demo data should give one)")


def frame(page):
    return page.raw.frame_locator("#scorm-frame")


def wait_for(app, check, what: str, seconds: float = 10):
    """Poll the database until `check(attempt)` holds (the frame commits asynchronously)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            attempt = db.session.scalars(select(ScormAttempt)).first()
            ok = attempt is not None and check(attempt)
            db.session.remove()
        if ok:
            return
        time.sleep(0.2)
    pytest.fail(f"the package never {what}")


def package_id(app) -> int:
    """The id of the one package the journey uploaded."""
    with app.app_context():
        found = db.session.scalars(select(ScormPackage.id)).one()
        db.session.remove()
    return found
