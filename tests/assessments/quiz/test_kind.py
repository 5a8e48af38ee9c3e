"""The "quiz" assessment kind: registered at app start, results read from attempts."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from assessments.quiz.kind import QuizKind
from assessments.quiz.models import Attempt
from assessments.quiz.services import attempts
from assessments.quiz.services.attempts import PostedAnswer
from lms.core import clock
from lms.core.kinds import AssessmentResult, get_kind, register_kind

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_registered_under_quiz(app):
    assert get_kind("quiz") is QuizKind
    assert str(QuizKind.label) == "Quiz or exam"
    with pytest.raises(ValueError, match="already registered"):
        register_kind(type("Impostor", (QuizKind,), {}))


def _answer(db, person, attempt, answers):
    posted = [PostedAnswer(aq.slot, aq.sequence, answers[aq.version.name])
              for aq in attempt.questions if aq.version.name in answers]
    attempts.save_answers(db.session, person, attempt.id, posted)
    db.session.commit()


@pytest.mark.usefixtures("one_question_per_level")
def test_result_of_an_attempt(db, make_quiz, agent):
    clock.freeze(T0)
    quiz = make_quiz(questions=("refund-days", "greet-match"), pass_mark=Decimal("50"))
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    kind = QuizKind()
    assert kind.result(db.session, attempt.id) is None  # still open
    assert kind.result(db.session, 999) is None
    _answer(db, agent, attempt, {"refund-days": "a", "greet-match": {"p1": "p2"}})
    attempts.submit(db.session, agent, attempt.id)
    db.session.commit()
    assert kind.result(db.session, attempt.id) == AssessmentResult(
        score=Decimal("50"), passed=True,
        competency_scores={"PROD-POLICY": Decimal("100"), "ETQ-GREET": Decimal("0")},
        observed_at=T0)  # when it was obtained: the recertification window reads it


def test_result_finishes_an_overdue_attempt(db, make_quiz, agent):
    clock.freeze(T0)
    quiz = make_quiz(questions=("refund-days",), time_limit_seconds=600)
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    _answer(db, agent, attempt, {"refund-days": "a"})
    clock.freeze(T0 + timedelta(hours=2))
    result = QuizKind().result(db.session, attempt.id)
    db.session.commit()
    assert result.score == Decimal("100") and result.passed
    assert db.session.get(Attempt, attempt.id).finished_at == T0 + timedelta(minutes=10)


@pytest.mark.usefixtures("one_question_per_level")
def test_person_result_follows_the_grading_method(db, make_quiz, agent):
    clock.freeze(T0)
    quiz = make_quiz(questions=("refund-days", "points-expire"), grading_method="average",
                     pass_mark=Decimal("75"))
    kind = QuizKind()
    assert kind.person_result(db.session, quiz.id, agent.id) is None
    for answers in ({"refund-days": "a", "points-expire": "true"},
                    {"refund-days": "b", "points-expire": "true"}):
        attempt = attempts.start_attempt(db.session, agent, quiz)
        _answer(db, agent, attempt, answers)
        attempts.submit(db.session, agent, attempt.id)
        db.session.commit()
    result = kind.person_result(db.session, quiz.id, agent.id)
    assert result.score == Decimal("75") and result.passed
    assert result.competency_scores == {"PROD-POLICY": Decimal("75")}


def test_person_result_of_an_unknown_or_malformed_reference_is_none(db, agent):
    kind = QuizKind()
    assert kind.person_result(db.session, "999999", agent.id) is None
    assert kind.person_result(db.session, "not-a-number", agent.id) is None
    assert kind.person_result(db.session, None, agent.id) is None


def test_references_list_every_quiz_by_id(db, make_quiz):
    quiz = make_quiz()
    assert (str(quiz.id), quiz.title) in QuizKind().references(db.session)
