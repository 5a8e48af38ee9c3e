"""The path-stage condition: an exam "at the assessment stage" of a path is for people who
completed its required courses and hold no valid certificate of it; "in training" for those
who have not completed them. Refused server-side with the reason, stated to authors."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from assessments.quiz.models import Attempt
from assessments.quiz.services import attempts, quizzes
from courses.models import Enrollment, PathCourse
from lms.core import clock, eligibility
from lms.core.errors import DomainError
from tests.assessments.quiz.test_measure import _certificate
from tests.courses.conftest import make_course  # noqa: F401  (a fixture)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(T0)


@pytest.fixture
def training(db, defaults, make_course):  # noqa: F811  (the imported fixture)
    """The new-hire path with one required published course; complete(person) finishes it."""
    course = make_course("NH-1", publish=True)
    db.session.add(PathCourse(path_id=defaults["NEWHIRE"].id, course_id=course.id,
                              required=True, position=0))
    db.session.commit()

    def complete(person):
        # People on the tier are enrolled in its required courses when they are made.
        enrolment = db.session.scalar(select(Enrollment).where(
            Enrollment.person_id == person.id, Enrollment.course_id == course.id))
        if enrolment is None:
            enrolment = Enrollment(person_id=person.id, course_id=course.id)
            db.session.add(enrolment)
        enrolment.completed_at, enrolment.completed_version = T0, 1
        db.session.commit()

    return complete


def test_stage_of_a_person(db, defaults, make_person, training):
    newhire = defaults["NEWHIRE"]
    trainee, ready, holder = (make_person(tier_id=newhire.id) for _ in range(3))
    training(ready)
    training(holder)
    _certificate(db, holder, newhire, T0.date() + timedelta(days=200))
    assert [eligibility.stage_of(db.session, p.id, newhire.id, T0.date())
            for p in (trainee, ready, holder)] == ["training", "assessment", "certified"]


def test_an_exam_for_the_assessment_stage(db, defaults, make_person, make_quiz, training,
                                          client, auth):
    newhire = defaults["NEWHIRE"]
    exam = make_quiz(title="New-hire exam", stage_path_id=newhire.id, stage="assessment")
    trainee, ready, holder = (make_person(tier_id=newhire.id) for _ in range(3))
    training(ready)
    training(holder)
    _certificate(db, holder, newhire, T0.date() + timedelta(days=200))
    refused = attempts.availability(db.session, exam, trainee)
    assert not refused.allowed and "completed the required courses" in refused.message
    refused = attempts.availability(db.session, exam, holder)
    assert not refused.allowed and "already hold a valid one" in refused.message
    assert attempts.availability(db.session, exam, ready).allowed
    with pytest.raises(DomainError, match="finish them first"):
        attempts.start_attempt(db.session, trainee, exam)
    db.session.rollback()
    # The server refuses the start itself, with the reason and the rule on the quiz's page.
    auth.login(trainee)
    assert client.post(f"/quizzes/{exam.id}/start").status_code == 302
    assert db.session.scalar(select(Attempt).where(Attempt.person_id == trainee.id)) is None
    page = client.get(f"/quizzes/{exam.id}").get_data(as_text=True)
    assert "finish them first" in page
    assert "at the assessment stage of the New hire" in page


def test_a_check_for_people_in_training(db, defaults, make_person, make_quiz, training):
    newhire = defaults["NEWHIRE"]
    check = make_quiz(title="Drill", stage_path_id=newhire.id, stage="training")
    trainee, done = make_person(tier_id=newhire.id), make_person(tier_id=newhire.id)
    training(done)
    assert attempts.availability(db.session, check, trainee).allowed
    refused = attempts.availability(db.session, check, done)
    assert not refused.allowed and "still in training" in refused.message


def test_the_author_sees_the_rule_and_half_a_rule_is_refused(db, defaults, make_quiz,
                                                             make_person, client, auth):
    newhire = defaults["NEWHIRE"]
    exam = make_quiz(title="New-hire exam", stage_path_id=newhire.id, stage="assessment")
    auth.login(make_person(("admin",)))
    page = client.get(f"/author/quizzes/{exam.id}").get_data(as_text=True)
    assert "Who may take it" in page and "at the assessment stage of the New hire" in page
    for half in ({"stage": "training"}, {"stage_path_id": newhire.id}):
        with pytest.raises(DomainError, match="the stage of it") as refused:
            quizzes.save_quiz(db.session, None, None, quizzes.QuizData(title="Half", **half))
        assert refused.value.field == "stage"
