"""Attempt services: start and resume, saving with sequences, tampering, the deadline, submit."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from assessments.quiz.models import Attempt, AttemptQuestion
from assessments.quiz.services import attempts
from assessments.quiz.services.attempts import AnswerRefused, PostedAnswer
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError, NotFound

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALL_TYPES = ("refund-days", "refund-proof", "points-expire", "refund-word", "refund-hours",
             "greet-match", "greet-essay")


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(T0)


def _slot(attempt: Attempt, name: str) -> AttemptQuestion:
    return next(aq for aq in attempt.questions if aq.version.name == name)


def _save(db, person, attempt, *answers):
    """answers: (question name, raw) or (question name, raw, sequence)."""
    posted = []
    for answer in answers:
        aq = _slot(attempt, answer[0])
        posted.append(PostedAnswer(aq.slot, answer[2] if len(answer) > 2 else aq.sequence,
                                   answer[1]))
    try:
        return attempts.save_answers(db.session, person, attempt.id, posted)
    finally:
        db.session.commit()


def _refusals(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.reason).where(
        AuditEntry.action == "quiz.answer_refused").order_by(AuditEntry.id)))


def _responses(db, attempt) -> dict:
    db.session.expire_all()
    return {aq.version.name: (aq.response, aq.sequence)
            for aq in db.session.get(Attempt, attempt.id).questions}


# Starting


def test_start_draws_fixed_and_random_questions(db, make_quiz, agent):
    quiz = make_quiz(questions=("greet-match",), draws=(("Refunds", 3),),
                     time_limit_seconds=1800, shuffle_options=True)
    attempt = attempts.start_attempt(db.session, agent, quiz, random.Random(7))
    db.session.commit()
    names = [aq.version.name for aq in attempt.questions]
    assert names[0] == "greet-match" and len(names) == len(set(names)) == 4
    assert all(aq.version.question.category.name == "Refunds" for aq in attempt.questions[1:])
    assert attempt.deadline_at == T0 + timedelta(minutes=30)
    assert (attempt.state, attempt.number) == ("in_progress", 1)
    for aq in attempt.questions:
        if aq.version.qtype in ("single", "multiple"):
            assert sorted(aq.option_order) == ["a", "b", "c"]
    match = attempt.questions[0]
    assert sorted(match.option_order) == ["p1", "p2", "p3"]


def test_start_is_idempotent_and_resumes(db, make_quiz, agent):
    quiz = make_quiz()
    first = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    clock.freeze(T0 + timedelta(minutes=10))
    again = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_close_date_caps_the_deadline(db, make_quiz, agent):
    quiz = make_quiz(time_limit_seconds=3600, closes_at=T0 + timedelta(minutes=20))
    attempt = attempts.start_attempt(db.session, agent, quiz)
    assert attempt.deadline_at == T0 + timedelta(minutes=20)


@pytest.mark.parametrize("settings, message", [
    ({"opens_at": T0 + timedelta(hours=1)}, "opens on"),
    ({"closes_at": T0}, "closed on"),
])
def test_window_is_enforced(db, make_quiz, agent, settings, message):
    quiz = make_quiz(**settings)
    with pytest.raises(DomainError, match=message):
        attempts.start_attempt(db.session, agent, quiz)


def test_attempts_allowed_and_wait_between(db, make_quiz, agent):
    quiz = make_quiz(attempts_allowed=2, attempt_wait_seconds=3600)
    first = attempts.start_attempt(db.session, agent, quiz)
    attempts.submit(db.session, agent, first.id)
    db.session.commit()
    clock.freeze(T0 + timedelta(minutes=59))
    with pytest.raises(DomainError, match="next attempt on"):
        attempts.start_attempt(db.session, agent, quiz)
    clock.freeze(T0 + timedelta(minutes=60))
    second = attempts.start_attempt(db.session, agent, quiz)
    attempts.submit(db.session, agent, second.id)
    db.session.commit()
    clock.freeze(T0 + timedelta(days=1))
    with pytest.raises(DomainError, match="all 2 attempts"):
        attempts.start_attempt(db.session, agent, quiz)


def test_unpublished_quiz_cannot_be_started(db, make_quiz, agent):
    quiz = make_quiz(publish=False)
    with pytest.raises(NotFound):
        attempts.start_attempt(db.session, agent, quiz)


# Saving


def test_saves_raise_the_sequence_and_keep_answers(db, make_quiz, agent):
    quiz = make_quiz(questions=ALL_TYPES)
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    sequences = _save(db, agent, attempt, ("refund-days", "a"), ("refund-proof", ["b", "a"]),
                      ("points-expire", "false"), ("refund-word", "  secretkeyword "),
                      ("refund-hours", "47"), ("greet-match", {"p1": "p1", "p2": ""}),
                      ("greet-essay", "Hello.\r\nI listen."))
    assert set(sequences.values()) == {1}
    saved = _responses(db, attempt)
    assert saved["refund-days"] == ({"choice": "a"}, 1)
    assert saved["refund-proof"][0]["choices"] in (["a", "b"], ["b", "a"])
    assert saved["points-expire"] == ({"answer": False}, 1)
    assert saved["refund-word"] == ({"text": "secretkeyword"}, 1)
    assert saved["refund-hours"] == ({"text": "47"}, 1)
    assert saved["greet-match"] == ({"matches": {"p1": "p1"}}, 1)
    assert saved["greet-essay"] == ({"text": "Hello.\nI listen."}, 1)
    # A change needs the new sequence; posting the same answer again changes nothing.
    attempt = db.session.get(Attempt, attempt.id)
    _save(db, agent, attempt, ("refund-days", "b"), ("points-expire", "false", 0))
    saved = _responses(db, attempt)
    assert saved["refund-days"] == ({"choice": "b"}, 2)
    assert saved["points-expire"] == ({"answer": False}, 1)
    # Clearing an answer is a change too.
    _save(db, agent, db.session.get(Attempt, attempt.id), ("refund-word", ""))
    assert _responses(db, attempt)["refund-word"] == (None, 2)


def test_a_stale_sequence_is_refused_and_nothing_changes(db, make_quiz, agent):
    quiz = make_quiz()
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    _save(db, agent, attempt, ("refund-days", "a", 0))  # tab one
    before = _responses(db, attempt)
    attempt = db.session.get(Attempt, attempt.id)
    # Tab two still shows sequence 0: its older answer must not overwrite the newer one, and
    # the other answer in the same post is not saved either.
    with pytest.raises(AnswerRefused, match="another tab") as refused:
        _save(db, agent, attempt, ("points-expire", "true", 0), ("refund-days", "b", 0))
    assert refused.value.reason == "stale"
    assert _responses(db, attempt) == before
    assert _refusals(db) == ["stale"]
    # A sequence from the future is no better.
    with pytest.raises(AnswerRefused):
        _save(db, agent, db.session.get(Attempt, attempt.id), ("refund-days", "c", 5))


@pytest.mark.parametrize("name, raw, reason", [
    ("refund-days", "p1", "invalid_answer"),            # an id of another question
    ("refund-days", ["a", "b"], "invalid_answer"),      # two picks on single choice
    ("refund-proof", ["a", "zz"], "invalid_answer"),
    ("refund-proof", ["a", "a"], "invalid_answer"),
    ("points-expire", "maybe", "invalid_answer"),
    ("greet-match", {"p9": "p1"}, "invalid_answer"),    # a prompt not in the question
    ("greet-match", {"p1": "a"}, "invalid_answer"),     # a choice not in the question
    ("refund-word", "x" * 256, "invalid_answer"),
    ("greet-essay", ["one", "two"], "invalid_answer"),
])
def test_answers_that_do_not_fit_the_question_are_refused(db, make_quiz, agent, name, raw,
                                                         reason):
    quiz = make_quiz(questions=ALL_TYPES)
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    before = _responses(db, attempt)
    with pytest.raises(AnswerRefused) as refused:
        _save(db, agent, db.session.get(Attempt, attempt.id), ("refund-days", "a"),
              (name, raw))
    assert refused.value.reason == reason
    assert _responses(db, attempt) == before
    assert _refusals(db) == [reason]


def test_a_question_not_in_the_attempt_is_refused(db, make_quiz, agent):
    attempt = attempts.start_attempt(db.session, agent, make_quiz())
    db.session.commit()
    with pytest.raises(AnswerRefused, match="not part of this attempt"):
        attempts.save_answers(db.session, agent, attempt.id, [PostedAnswer(99, 0, "a")])
    db.session.commit()
    assert _refusals(db) == ["unknown_question"]


def test_another_persons_attempt_is_refused(db, make_quiz, agent, make_person):
    attempt = attempts.start_attempt(db.session, agent, make_quiz())
    db.session.commit()
    intruder = make_person(("agent",))
    before = _responses(db, attempt)
    for action in (lambda: attempts.save_answers(db.session, intruder, attempt.id,
                                                 [PostedAnswer(1, 0, "a")]),
                   lambda: attempts.submit(db.session, intruder, attempt.id)):
        with pytest.raises(AnswerRefused, match="not yours"):
            action()
        db.session.commit()
    assert _responses(db, attempt) == before
    assert db.session.get(Attempt, attempt.id).state == "in_progress"
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "quiz.answer_refused")).all()
    assert {(e.actor_id, e.object_id, e.details["attempted"]) for e in entries} == {
        (intruder.id, str(attempt.id), "save"), (intruder.id, str(attempt.id), "submit")}


def test_a_submitted_attempt_cannot_change(db, make_quiz, agent):
    attempt = attempts.start_attempt(db.session, agent, make_quiz())
    db.session.commit()
    _save(db, agent, attempt, ("refund-days", "a"))
    attempts.submit(db.session, agent, attempt.id)
    db.session.commit()
    before = _responses(db, attempt)
    with pytest.raises(AnswerRefused, match="submitted"):
        _save(db, agent, db.session.get(Attempt, attempt.id), ("refund-days", "b"))
    assert _responses(db, attempt) == before
    assert _refusals(db) == ["finished"]


def test_submitting_twice_grades_once(db, make_quiz, agent):
    attempt = attempts.start_attempt(db.session, agent, make_quiz())
    db.session.commit()
    _, finished_now = attempts.submit(db.session, agent, attempt.id)
    db.session.commit()
    clock.freeze(T0 + timedelta(minutes=5))
    again, finished_again = attempts.submit(db.session, agent, attempt.id)
    db.session.commit()
    assert (finished_now, finished_again) == (True, False)
    assert again.finished_at == T0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "quiz.attempt_finish")) == 1


# The deadline


def test_autosubmit_finishes_with_saved_answers(db, make_quiz, agent):
    quiz = make_quiz(time_limit_seconds=600)
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    _save(db, agent, attempt, ("refund-days", "a"))
    clock.freeze(T0 + timedelta(minutes=10))
    with pytest.raises(AnswerRefused):
        _save(db, agent, db.session.get(Attempt, attempt.id), ("points-expire", "true"))
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == "finished" and attempt.finished_at == T0 + timedelta(minutes=10)
    assert _slot(attempt, "refund-days").response == {"choice": "a"}
    assert _slot(attempt, "points-expire").response is None
    assert attempt.score is not None
    assert _refusals(db) == ["finished"]


def test_grace_period_allows_submit_but_no_changes(db, make_quiz, agent):
    quiz = make_quiz(time_limit_seconds=600, overdue_handling="grace", grace_seconds=300)
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    _save(db, agent, attempt, ("refund-days", "a"))
    clock.freeze(T0 + timedelta(minutes=12))
    with pytest.raises(AnswerRefused, match="Time is up"):
        _save(db, agent, db.session.get(Attempt, attempt.id), ("refund-days", "b"))
    assert db.session.get(Attempt, attempt.id).state == "overdue"
    finished, now = attempts.submit(db.session, agent, attempt.id)
    db.session.commit()
    assert now and finished.state == "finished" and finished.score is not None
    assert _slot(finished, "refund-days").response == {"choice": "a"}


def test_after_the_grace_period_the_saved_answers_are_submitted(db, make_quiz, agent):
    quiz = make_quiz(time_limit_seconds=600, overdue_handling="grace", grace_seconds=300)
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    _save(db, agent, attempt, ("refund-days", "a"))
    clock.freeze(T0 + timedelta(minutes=16))
    with pytest.raises(AnswerRefused):
        _save(db, agent, db.session.get(Attempt, attempt.id), ("refund-days", "b"))
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == "finished" and attempt.finished_at == T0 + timedelta(minutes=10)


def test_abandon_ends_the_attempt_ungraded(db, make_quiz, agent):
    quiz = make_quiz(time_limit_seconds=600, overdue_handling="abandon")
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    clock.freeze(T0 + timedelta(minutes=11))
    attempts.touch(db.session, agent, quiz)
    db.session.commit()
    attempt = db.session.get(Attempt, attempt.id)
    assert (attempt.state, attempt.score) == ("abandoned", None)


def test_the_sweeper_finishes_attempts_nobody_came_back_to(db, make_quiz, agent,
                                                           make_person):
    quiz = make_quiz(time_limit_seconds=600)
    later = make_person(("agent",))
    gone = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    clock.freeze(T0 + timedelta(minutes=5))
    busy = attempts.start_attempt(db.session, later, quiz)
    db.session.commit()
    clock.freeze(T0 + timedelta(minutes=12))
    ids = attempts.overdue_attempt_ids(db.session)
    assert ids == [gone.id]
    assert attempts.finish_overdue(db.session, ids) == 1
    db.session.commit()
    assert db.session.get(Attempt, gone.id).state == "finished"
    assert db.session.get(Attempt, busy.id).state == "in_progress"


def test_starting_again_after_the_deadline_finishes_the_old_attempt_first(db, make_quiz,
                                                                          agent):
    quiz = make_quiz(time_limit_seconds=600, attempts_allowed=2)
    first = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    clock.freeze(T0 + timedelta(hours=1))
    second = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    assert second.id != first.id and second.number == 2
    assert db.session.get(Attempt, first.id).state == "finished"


def test_the_sweeper_command(db, runner, make_quiz, agent):
    quiz = make_quiz(time_limit_seconds=600)
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    _save(db, agent, attempt, ("refund-days", "a"))
    result = runner.invoke(args=["finish-overdue-attempts"])
    assert result.exit_code == 0 and "0 overdue attempt(s) finished." in result.output
    clock.freeze(T0 + timedelta(minutes=10))
    result = runner.invoke(args=["finish-overdue-attempts"])
    assert result.exit_code == 0 and "1 overdue attempt(s) finished." in result.output
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == "finished" and attempt.score is not None
    assert _slot(attempt, "refund-days").response == {"choice": "a"}
