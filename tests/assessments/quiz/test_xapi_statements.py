"""A finished quiz attempt becomes xAPI statements in the outbox (sending them is tested in
tests/reports/test_xapi.py against a real LRS): one "answered" per answered question, then
"completed" and "passed" or "failed" with the score."""

import pytest
from sqlalchemy import select

from assessments.quiz.forms import PostedAnswer
from assessments.quiz.services import attempts
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
