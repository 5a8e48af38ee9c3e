"""Exams that measure what they claim: review options per moment (a certification exam gives
nothing away before the last attempt), other questions on a second attempt, the questions a
competency needs for a level, knowledge checks as their own evidence kind, and who may take
a quiz (refused server-side with the reason)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from assessments.quiz.models import CERTIFICATION_REVIEW, Attempt
from assessments.quiz.services import attempts, grading, quizzes, review
from assessments.quiz.services.attempts import PostedAnswer
from lms.competencies.models import Competency, CompetencyLevel, Evidence
from lms.competencies.services.evidence import check_levels, set_kind_weight
from lms.core import clock
from lms.core.errors import DomainError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RIGHT = {"refund-days": "a", "refund-proof": ["a", "b"], "points-expire": "true",
         "refund-word": "refund", "refund-hours": "48"}


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(T0)


def _take(db, person, quiz, answers=None) -> Attempt:
    attempt = attempts.start_attempt(db.session, person, quiz)
    posted = [PostedAnswer(aq.slot, aq.sequence, (answers or {}).get(aq.version.name))
              for aq in attempt.questions if (answers or {}).get(aq.version.name) is not None]
    attempts.save_answers(db.session, person, attempt.id, posted)
    attempts.submit(db.session, person, attempt.id)
    db.session.commit()
    return db.session.get(Attempt, attempt.id)


def _policy_evidence(db, attempt, kind="quiz"):
    return db.session.execute(
        select(Competency.code, Evidence.score, Evidence.weight)
        .join(Evidence, Evidence.competency_id == Competency.id)
        .where(Evidence.source_kind == kind, Evidence.source_id == str(attempt.id))).all()


# Review options


def test_a_certification_exam_shows_score_and_competencies_until_the_last_attempt(
        db, make_quiz, agent, client, auth):
    exam = make_quiz(questions=(), draws=[("Refunds", 2)], closed_book=True,
                     attempts_allowed=2, pass_mark=Decimal("80"))
    assert exam.review_options == CERTIFICATION_REVIEW
    first = _take(db, agent, exam, {})
    assert review.allowed_items(db.session, first, agent) == {"score", "competencies"}
    clock.freeze(T0 + timedelta(hours=1))  # "open": still only the score and competencies
    assert review.allowed_items(db.session, first, agent) == {"score", "competencies"}
    auth.login(agent)
    page = client.get(f"/attempts/{first.id}/review").get_data(as_text=True)
    assert "The competencies to work on" in page and "not enough evidence" in page
    assert "RIGHT-7-FEEDBACK" not in page and "Right answer" not in page
    # The second attempt is the last: now everything may be seen, for both attempts.
    second = _take(db, agent, exam, {})
    assert review.allowed_items(db.session, second, agent) == set(review.ALL_ITEMS)
    assert review.allowed_items(db.session, first, agent) == set(review.ALL_ITEMS)
    # Other questions than the first attempt's: the pool of five holds two per attempt.
    shown = [{aq.version.question_id for aq in a.questions} for a in (first, second)]
    assert not shown[0] & shown[1]


@pytest.mark.parametrize("now, last, moment", [
    (T0 + timedelta(seconds=30), False, "immediately"),
    (T0 + timedelta(hours=2), False, "open"),
    (T0 + timedelta(seconds=30), True, "final"),
    (T0 + timedelta(days=9), True, "closed"),
    (T0 + timedelta(days=9), False, "closed"),
])
def test_the_review_moment(now, last, moment):
    attempt = Attempt(state="finished", finished_at=T0)
    assert review.moment(attempt, T0 + timedelta(days=7), now, last) == moment


def test_review_options_per_moment_are_whatever_the_author_chose(db, make_quiz, agent):
    quiz = make_quiz(attempts_allowed=3, closes_at=T0 + timedelta(days=7), review_options={
        "immediately": ["score"], "open": ["score", "responses"], "final": ["right_answers"],
        "closed": ["feedback"]})
    attempt = _take(db, agent, quiz, RIGHT)
    assert review.allowed_items(db.session, attempt, agent) == {"score"}
    clock.freeze(T0 + timedelta(hours=1))
    assert review.allowed_items(db.session, attempt, agent) == {"score", "responses"}
    _take(db, agent, quiz, RIGHT)
    _take(db, agent, quiz, RIGHT)
    assert review.allowed_items(db.session, attempt, agent) == {"right_answers"}
    clock.freeze(T0 + timedelta(days=8))
    assert review.allowed_items(db.session, attempt, agent) == {"feedback"}


def test_the_author_is_told_when_attempts_cannot_differ(db, make_quiz):
    exam = make_quiz(questions=("greet-match",), draws=[("Refunds", 3)], closed_book=True,
                     attempts_allowed=2, review_options={"immediately": ["right_answers"]})
    warnings = quizzes.author_warnings(db.session, exam)
    assert any("has 5 questions: a next attempt repeats at least 1" in w for w in warnings)
    assert any("1 fixed question is the same in every attempt" in w for w in warnings)
    assert any("measures memory of the review" in w for w in warnings)
    once = make_quiz(title="Once", questions=(), draws=[("Refunds", 3)], attempts_allowed=1)
    assert quizzes.author_warnings(db.session, once) == []


# Evidence needs enough questions


def test_a_competency_level_needs_enough_questions(db, make_quiz, agent):
    three = make_quiz(questions=("refund-days", "refund-proof", "points-expire"))
    attempt = _take(db, agent, three, RIGHT)
    assert [code for code, *_rest in _policy_evidence(db, attempt)] == ["PROD-POLICY"]
    two = make_quiz(title="Two", questions=("refund-days", "refund-proof"))
    attempt = _take(db, agent, two, RIGHT)
    tally = next(iter(grading.competency_tallies(db.session, attempt).values()))
    assert (tally.items, tally.needed, tally.enough) == (2, 3, False)
    assert _policy_evidence(db, attempt) == []  # not enough evidence: no level from it
    # The minimum is the competency's own setting.
    db.session.execute(update(Competency).where(Competency.code == "PROD-POLICY")
                       .values(min_items=2))
    grading.write_evidence(db.session, attempt)
    db.session.commit()
    assert [code for code, *_rest in _policy_evidence(db, attempt)] == ["PROD-POLICY"]
    assert check_levels(db.session) == []


def test_a_failed_exam_does_not_turn_a_competency_green_from_one_right_answer(
        db, make_quiz, agent):
    exam = make_quiz(questions=("refund-days", "greet-match", "greet-essay"))
    attempt = attempts.start_attempt(db.session, agent, exam)
    attempts.submit(db.session, agent, attempt.id)
    db.session.commit()
    assert grading.competency_scores(db.session, attempt) == {}


def test_knowledge_checks_are_their_own_evidence_kind_weighing_nothing_by_default(
        db, make_quiz, agent):
    check = make_quiz(questions=("refund-days", "refund-proof", "points-expire"))
    check.lesson_key = "lesson-key-of-a-check"  # what makes a quiz a knowledge check
    attempt = _take(db, agent, check, RIGHT)
    assert [(code, weight) for code, _s, weight in _policy_evidence(db, attempt, "quiz_check")] \
        == [("PROD-POLICY", 0)]
    assert _policy_evidence(db, attempt, "quiz") == []
    assert db.session.scalar(select(CompetencyLevel).where(
        CompetencyLevel.person_id == agent.id)) is None  # weight 0: no level from a check
    # The profile policy's weight is editable; the stored levels follow.
    set_kind_weight(db.session, "quiz_check", Decimal("0.5"))
    db.session.commit()
    level = db.session.scalar(select(CompetencyLevel).where(CompetencyLevel.person_id == agent.id))
    assert level is not None and level.level == 5
    assert check_levels(db.session) == []
    with pytest.raises(DomainError):
        set_kind_weight(db.session, "quiz_check", Decimal("-1"))


# Who may take it


def _certificate(db, person, path, expires_on: date):
    from certificates.models import Certificate
    from certificates.services.rules import rules_version

    version = rules_version(db.session, path)
    db.session.add(Certificate(
        serial=f"T-{person.id}", verify_code=f"v{person.id}", achievement_key=f"{person.id}:1",
        person_id=person.id, path_id=path.id, rules_version_id=version.id,
        holder_name=person.name, path_name=path.name, issued_on=expires_on - timedelta(days=365),
        expires_on=expires_on, validity_months=12))
    db.session.commit()


def test_eligibility_refusals(db, make_quiz, make_person, defaults, client, auth):
    newhire, senior = defaults["NEWHIRE"], defaults["SENIOR"]
    reexam = make_quiz(title="Re-exam", certificate_path_id=newhire.id,
                       certificate_rule="expiring")
    new_hire = make_person(tier_id=newhire.id)
    renewing = make_person(tier_id=newhire.id)
    too_soon = make_person(tier_id=newhire.id)
    _certificate(db, renewing, newhire, T0.date() + timedelta(days=30))
    _certificate(db, too_soon, newhire, T0.date() + timedelta(days=300))
    refused = attempts.availability(db.session, reexam, new_hire)
    assert not refused.allowed and "you hold none" in refused.message
    refused = attempts.availability(db.session, reexam, too_soon)
    assert not refused.allowed and "when its recertification window opens" in refused.message
    assert attempts.availability(db.session, reexam, renewing).allowed
    # The server refuses the start itself, with the reason on the quiz's page.
    auth.login(new_hire)
    response = client.post(f"/quizzes/{reexam.id}/start")
    assert response.status_code == 302
    assert db.session.scalar(select(Attempt).where(Attempt.person_id == new_hire.id)) is None
    page = client.get(f"/quizzes/{reexam.id}").get_data(as_text=True)
    assert "you hold none" in page and "Who may take it" in page
    assert "inside its recertification window" in page
    auth.logout()
    # A tier rule.
    senior_exam = make_quiz(title="Senior case exam", tier_id=senior.id)
    refused = attempts.availability(db.session, senior_exam, new_hire)
    assert not refused.allowed and "tier" in refused.message
    with pytest.raises(DomainError):
        attempts.start_attempt(db.session, new_hire, senior_exam)
    # Half a rule is refused when saved.
    with pytest.raises(DomainError, match="Choose both"):
        quizzes.save_quiz(db.session, None, None, quizzes.QuizData(
            title="Half", certificate_rule="held"))


def test_the_upgrade_commands_rewrite_evidence_and_weights(db, make_quiz, agent, runner):
    db.session.execute(update(Competency).values(min_items=1))
    quiz = make_quiz(questions=("refund-days", "refund-proof"))
    attempt = _take(db, agent, quiz, RIGHT)
    assert [code for code, *_rest in _policy_evidence(db, attempt)] == ["PROD-POLICY"]
    # Back to the default of 3: the command re-applies the rule to past attempts.
    db.session.execute(update(Competency).values(min_items=3))
    db.session.commit()
    result = runner.invoke(args=["quiz-rewrite-evidence"])
    assert result.exit_code == 0 and "Evidence of 1 attempt(s) rewritten." in result.output
    db.session.expire_all()
    assert _policy_evidence(db, attempt) == []
    assert check_levels(db.session) == []
    result = runner.invoke(args=["evidence-weight", "quiz_check", "2"])
    assert result.exit_code == 0 and "weighs 2" in result.output
    refused = runner.invoke(args=["evidence-weight", "quiz_check", "101"])
    assert refused.exit_code != 0 and "between 0 and 100" in refused.output
