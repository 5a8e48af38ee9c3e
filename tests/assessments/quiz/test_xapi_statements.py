"""A finished quiz attempt becomes xAPI statements in the outbox (sending them is tested in
tests/reports/test_xapi.py against a real LRS): one "answered" per answered question, then
"completed" and "passed" or "failed" with the score; an essay graded later adds only its own
"scored" statement."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from assessments.quiz.forms import PostedAnswer
from assessments.quiz.services import attempts, grading
from reports.models import XapiStatement


@pytest.fixture
def app_config(app_config):
    return {**app_config, "XAPI_ENDPOINT": "http://127.0.0.1:9/xAPI/",
            "PUBLIC_URL": "https://academy.example.com"}


def test_a_graded_attempt_is_told_to_the_lrs(db, make_quiz, agent):
    quiz = make_quiz(questions=("refund-days", "points-expire"))
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    days = next(aq for aq in attempt.questions if aq.version.name == "refund-days")
    right = next(o["id"] for o in days.version.data["options"] if o["fraction"] == "1")
    attempts.save_answers(db.session, agent, attempt.id,
                          [PostedAnswer(days.slot, days.sequence, right)])
    attempts.submit(db.session, agent, attempt.id)
    db.session.commit()
    rows = [r.statement for r in db.session.scalars(select(XapiStatement)
                                                    .order_by(XapiStatement.id))]
    verbs = [r["verb"]["display"]["en-US"] for r in rows]
    assert verbs == ["answered", "completed", "failed"]
    answered, completed, failed = rows
    assert answered["object"]["id"] == (f"https://academy.example.com/quizzes/{quiz.id}"
                                        f"/questions/{days.version.question_id}")
    assert answered["result"]["score"]["scaled"] == 1
    assert completed["result"]["score"]["raw"] == 50 and completed["result"]["success"] is False
    assert failed["actor"]["mbox"] == f"mailto:{agent.email}"


def _verbs(db, after: int = 0) -> list[tuple[str, str]]:
    """(verb, last part of the object IRI) of the outbox rows after id `after`."""
    return [(r.statement["verb"]["display"]["en-US"], r.statement["object"]["id"]
             .rsplit("/", 2)[-2] + "/" + r.statement["object"]["id"].rsplit("/", 1)[-1])
            for r in db.session.scalars(select(XapiStatement).where(XapiStatement.id > after)
                                        .order_by(XapiStatement.id))]


def test_grading_an_essay_later_tells_only_the_essay_and_the_outcome(db, make_quiz,
                                                                     make_person):
    mentor = make_person(("mentor", "agent"), name="Mia Mentor")
    mentee = make_person(("agent",), name="Tim Mentee", mentor_id=mentor.id)
    quiz = make_quiz(questions=("refund-days", "greet-essay"), pass_mark=Decimal("50"))
    attempt = attempts.start_attempt(db.session, mentee, quiz)
    by_name = {aq.version.name: aq for aq in attempt.questions}
    days, essay = by_name["refund-days"], by_name["greet-essay"]
    right = next(o["id"] for o in days.version.data["options"] if o["fraction"] == "1")
    attempts.save_answers(db.session, mentee, attempt.id, [
        PostedAnswer(days.slot, days.sequence, right),
        PostedAnswer(essay.slot, essay.sequence, "I greet them by name.")])
    attempts.submit(db.session, mentee, attempt.id)
    db.session.commit()
    days_q, essay_q = (f"questions/{aq.version.question_id}" for aq in (days, essay))
    # Submitted: both answers told once; the outcome waits for the essay's grade.
    assert _verbs(db) == [("answered", days_q), ("answered", essay_q)]
    told = [r.statement for r in db.session.scalars(select(XapiStatement)
                                                    .order_by(XapiStatement.id))]
    assert "score" in told[0]["result"] and "score" not in told[1]["result"]
    last = db.session.scalar(select(func.max(XapiStatement.id)))

    grading.grade_essay(db.session, mentor, essay, Decimal("1"))
    db.session.commit()
    quiz_iri = f"quizzes/{quiz.id}"
    assert _verbs(db, last) == [("scored", essay_q), ("completed", quiz_iri),
                                ("passed", quiz_iri)]
    scored = db.session.scalars(select(XapiStatement).where(XapiStatement.id > last)
                                .order_by(XapiStatement.id)).first().statement
    assert scored["result"]["score"]["scaled"] == 0.5
    last = db.session.scalar(select(func.max(XapiStatement.id)))

    # A changed grade: the essay's new score only; the attempt was told already.
    grading.grade_essay(db.session, mentor, essay, Decimal("2"))
    db.session.commit()
    assert _verbs(db, last) == [("scored", essay_q)]
