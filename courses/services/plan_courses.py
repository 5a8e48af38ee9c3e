"""Improvement-plan practice from courses: the published courses tagged with a plan's weak
competencies, the person enrolled in each with the plan's due date (registered with the
improvement loop, which sits below courses and so cannot enrol anyone itself)."""

from collections import defaultdict

from sqlalchemy import select

from courses.models import Course, CourseCompetency
from courses.services.enrolment import course_link, enrol_people
from lms.core import clock
from lms.kpis.services import plans

# At most this many courses are assigned per plan update: a focus, not a curriculum.
MAX_COURSES = 3


@plans.plan_assigner
def assign_courses(session, targets: list[plans.PlanTarget],
                   competency_ids: list[int]) -> dict[int, list[plans.Step]]:
    """Enrol each plan's person in the courses on its new weak competencies, due with the
    plan (an enrolment already there keeps its history and takes the plan's due date): one
    enrolment call per course and due date, whatever the number of plans."""
    tagged = select(CourseCompetency.course_id).where(
        CourseCompetency.competency_id.in_(competency_ids))
    courses = session.scalars(select(Course).where(
        Course.id.in_(tagged), Course.status == "published", Course.published_version > 0)
        .order_by(Course.id).limit(MAX_COURSES)).all()
    if not courses:
        return {}
    # A plan already past its due date (a trigger merged into it late) sets no due date: an
    # enrolment may not be due in the past.
    today = clock.today()
    by_due: dict = defaultdict(list)
    for target in targets:
        by_due[target.due_on if target.due_on >= today else None].append(target.person)
    for course in courses:
        for due, people in by_due.items():
            enrol_people(session, None, people, course, due_date=due)
    steps = [plans.Step("course", course.id, course.title, course_link(course.id),
                        plans.titles_of(course)) for course in courses]
    return {target.id: steps for target in targets}
