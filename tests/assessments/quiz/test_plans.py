"""The improvement loop from quizzes: a failed certification exam opens exactly one plan on
the competencies it scored below the pass mark (failing it again extends the same plan), the
courses on them are assigned with the plan's due date, and passing the exam later closes the
plan in time. A lesson's knowledge check opens nothing."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from assessments.quiz.models import Attempt
from assessments.quiz.services import attempts
from assessments.quiz.services.attempts import PostedAnswer
from courses.models import Enrollment
from courses.services import authoring, versions
from lms.competencies.models import Competency
from lms.core import clock
from lms.kpis.models import ImprovementPlan

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUESTIONS = ("refund-days", "refund-proof", "points-expire")
RIGHT = {"refund-days": "a", "refund-proof": ["a", "b"], "points-expire": "true"}
WRONG = {"refund-days": "b", "refund-proof": ["c"], "points-expire": "false"}


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(T0)


def _take(db, person, quiz, answers) -> Attempt:
    attempt = attempts.start_attempt(db.session, person, quiz)
    attempts.save_answers(db.session, person, attempt.id, [
        PostedAnswer(aq.slot, aq.sequence, answers[aq.version.name])
        for aq in attempt.questions if aq.version.name in answers])
    attempts.submit(db.session, person, attempt.id)
    db.session.commit()
    return db.session.get(Attempt, attempt.id)


def _plans(db, person):
    return db.session.scalars(select(ImprovementPlan).where(
        ImprovementPlan.person_id == person.id)).all()


@pytest.fixture
def policy_course(db):
    """A published course that trains policy knowledge (PROD-POLICY)."""
    policy = db.session.scalar(select(Competency).where(Competency.code == "PROD-POLICY"))
    course = authoring.save_course(db.session, None, None, authoring.CourseData(
        code="POL-1", title="Refund policy refresher", competency_ids=[policy.id]))
    module = authoring.add_module(db.session, None, course, "Module one")
    authoring.save_lesson(db.session, None, module, None, authoring.LessonData(
        title="Refunds", body="# Refunds\n\nSeven days.", minutes=5))
    versions.publish(db.session, None, course, "first")
    db.session.commit()
    return course, policy


def test_a_failed_exam_opens_one_plan_and_passing_it_closes_the_plan(
        db, make_quiz, make_person, policy_course):
    course, policy = policy_course
    mentor = make_person(("mentor",), name="Mia Mentor")
    agent = make_person(("agent",), name="Ada Agent", mentor_id=mentor.id)
    quiz = make_quiz(questions=QUESTIONS, title="Policy exam")
    assert _take(db, agent, quiz, WRONG).passed is False
    [plan] = _plans(db, agent)
    assert (plan.trigger, plan.status, plan.owner_id) == ("quiz", "open", mentor.id)
    assert plan.competency_ids == [policy.id]
    [follow_up] = plan.follow_ups()
    assert (follow_up.kind, follow_up.reference_id, follow_up.met_on) == ("quiz", quiz.id, None)
    # The course on the weak competency is assigned, due with the plan.
    enrolment = db.session.scalar(select(Enrollment).where(
        Enrollment.person_id == agent.id, Enrollment.course_id == course.id))
    assert enrolment is not None and enrolment.due_date == plan.due_on
    assert [(i.kind, i.reference_id) for i in plan.practice()] == [("course", course.id)]

    clock.freeze(T0 + timedelta(days=3))
    _take(db, agent, quiz, WRONG)                # failing again extends the same plan
    [again] = _plans(db, agent)
    assert again.id == plan.id and len(again.follow_ups()) == 1
    assert [t["kind"] for t in again.triggers()] == ["quiz", "quiz"]

    clock.freeze(T0 + timedelta(days=10))
    assert _take(db, agent, quiz, RIGHT).passed is True
    db.session.refresh(plan)
    assert (plan.status, plan.closed_reason, plan.closed_in_time) == (
        "closed", "followed_up", True)
    assert plan.follow_ups()[0].met_on == (T0 + timedelta(days=10)).date()


def test_passing_an_exam_without_a_plan_opens_nothing(db, make_quiz, make_person):
    agent = make_person(("agent",))
    _take(db, agent, make_quiz(questions=QUESTIONS), RIGHT)
    assert _plans(db, agent) == []


def test_a_failed_knowledge_check_opens_no_plan(db, make_quiz, make_person):
    agent = make_person(("agent",))
    quiz = make_quiz(questions=QUESTIONS)
    quiz.lesson_key = "lesson-1"
    db.session.commit()
    assert _take(db, agent, quiz, WRONG).passed is False
    assert _plans(db, agent) == []


def test_a_plan_closed_after_its_due_date_is_late(db, make_quiz, make_person):
    agent = make_person(("agent",))
    quiz = make_quiz(questions=QUESTIONS, pass_mark=Decimal("80"))
    _take(db, agent, quiz, WRONG)
    [plan] = _plans(db, agent)
    clock.freeze(T0 + timedelta(days=45))
    _take(db, agent, quiz, RIGHT)
    db.session.refresh(plan)
    assert plan.status == "closed" and plan.closed_in_time is False
