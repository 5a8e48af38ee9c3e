"""Grading: question, attempt and competency scores, evidence, essays, regrades, grading
methods, and the lesson a passed knowledge check completes."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from assessments.quiz.models import Attempt, QuestionVersion
from assessments.quiz.services import attempts, grading
from assessments.quiz.services.attempts import PostedAnswer
from lms.competencies.models import Competency, Evidence
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError, NotFound
from lms.core.numbers import display_score

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(T0)


def _take(db, person, quiz, answers: dict[str, object]) -> Attempt:
    """Start, answer {question name: raw} and submit; returns the finished attempt."""
    attempt = attempts.start_attempt(db.session, person, quiz)
    posted = [PostedAnswer(aq.slot, aq.sequence, answers[aq.version.name])
              for aq in attempt.questions if aq.version.name in answers]
    attempts.save_answers(db.session, person, attempt.id, posted)
    attempts.submit(db.session, person, attempt.id)
    db.session.commit()
    return db.session.get(Attempt, attempt.id)


def _evidence(db, attempt) -> dict[str, tuple[Decimal, Decimal]]:
    rows = db.session.execute(
        select(Competency.code, Evidence.score, Evidence.level)
        .join(Evidence, Evidence.competency_id == Competency.id)
        .where(Evidence.source_kind == "quiz", Evidence.source_id == str(attempt.id))).all()
    return {code: (score, level) for code, score, level in rows}


def test_attempt_score_is_exact_and_evidence_follows(db, make_quiz, agent):
    quiz = make_quiz(questions=("refund-days", "refund-proof", "points-expire",
                                "greet-match"), pass_mark=Decimal("60"))
    attempt = _take(db, agent, quiz, {
        "refund-days": "a",              # 1 of 1
        "refund-proof": ["a"],           # 0.5 of 1
        "points-expire": "false",        # 0 of 1
        "greet-match": {"p1": "p1", "p2": "p3"},  # 1 of 2 prompts right
    })
    by_name = {aq.version.name: aq.fraction for aq in attempt.questions}
    assert by_name == {"refund-days": 1, "refund-proof": Decimal("0.5"),
                       "points-expire": 0, "greet-match": Decimal("0.5")}
    assert (attempt.marks, attempt.max_marks) == (Decimal("2"), Decimal("4"))
    assert attempt.score == Decimal("50") and attempt.passed is False
    assert not attempt.needs_grading
    # PROD-POLICY: 1.5 of 3 marks = 50 % → level 3 on the 1–5 scale; ETQ-GREET is 50 % on
    # its one question, fewer than the 3 a level needs: not enough evidence, no row.
    assert _evidence(db, attempt) == {"PROD-POLICY": (Decimal("50"), Decimal("3"))}
    row = db.session.scalar(select(Evidence).where(Evidence.source_id == str(attempt.id)))
    assert row.person_id == agent.id and row.observed_at == T0 and row.weight == 1


def test_a_score_just_under_the_pass_mark_does_not_pass(db, bank, agent, make_quiz):
    # 2 of 3 marks is 66.666…: it shows as 66.7 but does not pass a 66.67 mark.
    quiz = make_quiz(questions=("refund-days", "refund-proof", "points-expire"),
                     pass_mark=Decimal("66.67"))
    attempt = _take(db, agent, quiz, {"refund-days": "a", "refund-proof": ["a", "b"],
                                      "points-expire": "false"})
    assert attempt.score == Decimal("66.6666")  # 2 / 3, cut (not rounded) to 4 places
    assert display_score(attempt.score) == "66.7"
    assert attempt.passed is False


def test_display_rounds_once_half_up():
    assert display_score(Decimal("79.995")) == "80.0"
    assert display_score(Decimal("79.94")) == "79.9"
    assert grading.display_marks(Decimal("0.50000000")) == "0.5"
    assert grading.display_marks(Decimal("2.00")) == "2"
    assert grading.level_for(Decimal("72"), 1, 5) == Decimal("3.88")
    assert grading.level_for(Decimal("0"), 1, 5) == 1 and grading.level_for(
        Decimal("100"), 1, 5) == 5


def test_unanswered_questions_earn_nothing(db, make_quiz, agent):
    attempt = _take(db, agent, make_quiz(), {})
    assert attempt.score == 0 and attempt.passed is False
    assert all(aq.fraction == 0 for aq in attempt.questions)


@pytest.fixture
def mentor_and_mentee(make_person):
    mentor = make_person(("mentor", "agent"), name="Mia Mentor")
    mentee = make_person(("agent",), name="Tim Mentee", mentor_id=mentor.id)
    return mentor, mentee


@pytest.mark.usefixtures("one_question_per_level")
def test_essays_wait_for_a_mentor_then_the_score_is_final(db, make_quiz, mentor_and_mentee,
                                                          make_person):
    mentor, mentee = mentor_and_mentee
    quiz = make_quiz(questions=("refund-days", "greet-essay"), pass_mark=Decimal("50"))
    attempt = _take(db, mentee, quiz, {"refund-days": "a", "greet-essay": "I smile."})
    assert attempt.needs_grading and attempt.score is None and attempt.passed is None
    assert _evidence(db, attempt) == {}
    assert grading.grading_queue(db.session, mentor) == [attempt]
    assert grading.grading_queue(db.session, make_person(("mentor",))) == []
    assert grading.grading_queue(db.session, make_person(("admin",))) == [attempt]
    assert grading.grading_queue(db.session, make_person(("manager",))) == []
    essay = next(aq for aq in attempt.questions if aq.version.qtype == "essay")
    with pytest.raises(NotFound):
        grading.grade_essay(db.session, make_person(("mentor",)), essay, Decimal("1"))
    with pytest.raises(DomainError, match="between 0 and 2"):
        grading.grade_essay(db.session, mentor, essay, Decimal("2.5"))
    clock.freeze(T0 + timedelta(hours=3))
    grading.grade_essay(db.session, mentor, essay, Decimal("1"), "Warm, but no name.")
    db.session.commit()
    attempt = db.session.get(Attempt, attempt.id)
    assert not attempt.needs_grading
    assert attempt.score == Decimal("66.6666") and attempt.passed  # 2 of 3 marks
    assert essay.feedback == "Warm, but no name." and essay.graded_by_id == mentor.id
    assert set(_evidence(db, attempt)) == {"PROD-POLICY", "ETQ-GREET"}
    assert grading.grading_queue(db.session, mentor) == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "quiz.grade_essay"))
    assert entry.actor_id == mentor.id and entry.details["mark"] == "1"


def test_an_empty_essay_needs_no_grader(db, make_quiz, agent):
    attempt = _take(db, agent, make_quiz(questions=("refund-days", "greet-essay")),
                    {"refund-days": "a"})
    assert not attempt.needs_grading and attempt.score == Decimal("33.3333")


def _new_version(db, question, **changes) -> QuestionVersion:
    old = question.versions[-1]
    version = QuestionVersion(question_id=question.id, number=old.number + 1, qtype=old.qtype,
                              name=old.name, text=old.text, default_mark=old.default_mark,
                              data=changes.pop("data", old.data), **changes)
    db.session.add(version)
    db.session.commit()
    return version


@pytest.mark.usefixtures("one_question_per_level")
def test_a_new_version_never_changes_past_attempts_but_a_regrade_does(db, bank, make_quiz,
                                                                      agent, make_person):
    quiz = make_quiz(questions=("refund-days", "points-expire"), pass_mark=Decimal("100"))
    first = _take(db, agent, quiz, {"refund-days": "b", "points-expire": "true"})
    assert first.score == Decimal("50")
    # The key was wrong: thirty days is right. A new version alone changes nothing.
    question = bank.questions["refund-days"]
    old = question.versions[-1]
    corrected = _new_version(db, question, data={"options": [
        {"id": "a", "text": "Seven days", "fraction": "0", "feedback": ""},
        {"id": "b", "text": "Thirty days", "fraction": "1", "feedback": "Right."},
        {"id": "c", "text": "Never", "fraction": "0", "feedback": ""},
        {"id": "d", "text": "Ninety days", "fraction": "0", "feedback": ""}]})
    assert db.session.get(Attempt, first.id).score == Decimal("50")
    author = make_person(("admin",))
    with pytest.raises(DomainError, match="reason|corrected"):
        grading.regrade(db.session, author, quiz, old, corrected, " ")
    with pytest.raises(DomainError, match="same question"):
        grading.regrade(db.session, author, quiz, old,
                        bank.version("points-expire"), "wrong key")
    changed = grading.regrade(db.session, author, quiz, old, corrected,
                              "Refund window is thirty days")
    db.session.commit()
    assert [a.id for a in changed] == [first.id]
    first = db.session.get(Attempt, first.id)
    assert first.score == Decimal("100") and first.passed
    aq = next(aq for aq in first.questions if aq.version.question_id == question.id)
    assert aq.question_version_id == corrected.id
    assert aq.option_order[-1] == "d" and sorted(aq.option_order) == ["a", "b", "c", "d"]
    assert _evidence(db, first)["PROD-POLICY"] == (Decimal("100"), Decimal("5"))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "quiz.regrade"))
    assert entry.reason == "Refund window is thirty days" and entry.actor_id == author.id
    assert entry.details["before"] == {"score": "50.0000", "passed": False}
    assert entry.details["after"] == {"score": "100.0000", "passed": True}
    # New attempts draw the newest version.
    other = make_person(("agent",))
    fresh = attempts.start_attempt(db.session, other, quiz)
    assert corrected.id in {aq.question_version_id for aq in fresh.questions}


@pytest.mark.parametrize("method, expected", [
    ("highest", Decimal("100")), ("last", Decimal("50")), ("first", Decimal("0")),
    ("average", Decimal("50")),
])
def test_grading_methods(db, make_quiz, agent, method, expected):
    quiz = make_quiz(questions=("refund-days", "points-expire"), grading_method=method,
                     pass_mark=Decimal("50"))
    _take(db, agent, quiz, {"refund-days": "b", "points-expire": "false"})      # 0
    _take(db, agent, quiz, {"refund-days": "a", "points-expire": "true"})       # 100
    _take(db, agent, quiz, {"refund-days": "a", "points-expire": "false"})      # 50
    grade = grading.quiz_grade(db.session, quiz, agent.id)
    assert grade.score == expected
    assert grade.passed is (expected >= 50)


def test_no_grade_before_a_graded_attempt(db, make_quiz, agent):
    quiz = make_quiz(questions=("greet-essay",), grading_method="last")
    assert grading.quiz_grade(db.session, quiz, agent.id) == grading.QuizGrade(None, None)
    _take(db, agent, quiz, {"greet-essay": "Hello"})
    assert grading.quiz_grade(db.session, quiz, agent.id).score is None


def test_passing_a_knowledge_check_completes_its_lesson(db, make_quiz, make_person, bank):
    from courses.models import Lesson, LessonCompletion
    from courses.services.content_files import import_starter_courses

    import_starter_courses(db.session)
    db.session.commit()
    lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Greeting and closing"))
    learner = make_person(("agent",))  # no tier: not enrolled in the course
    quiz = make_quiz(questions=("refund-days",), lesson_key=lesson.key)
    _take(db, learner, quiz, {"refund-days": "a"})
    assert db.session.scalar(select(LessonCompletion)) is None  # not enrolled: nothing
    from lms.paths.models import CertificationPath

    enrolled = make_person(("agent",), tier_id=db.session.scalar(
        select(CertificationPath.id).where(CertificationPath.code == "NEWHIRE")))
    _take(db, enrolled, quiz, {"refund-days": "b"})
    assert db.session.scalar(select(LessonCompletion)) is None  # failed: nothing
    clock.freeze(T0 + timedelta(minutes=5))
    _take(db, enrolled, quiz, {"refund-days": "a"})
    completion = db.session.scalar(select(LessonCompletion))
    assert (completion.person_id, completion.lesson_key, completion.method) == \
        (enrolled.id, lesson.key, "quiz")
