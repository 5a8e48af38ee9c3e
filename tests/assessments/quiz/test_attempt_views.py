"""Attempt pages through the client: taking a quiz with and without the autosave endpoint,
no keys in the page before review allows, tampered posts, races, grading and access."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from assessments.quiz.models import Attempt, AttemptQuestion
from assessments.quiz.services import attempts
from lms.core import clock
from lms.core.audit import AuditEntry
from tests.conftest import PASSWORD

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALL_TYPES = ("refund-days", "refund-proof", "points-expire", "refund-word", "refund-hours",
             "greet-match", "greet-essay")
# What must never reach the browser before review allows it: feedback texts, the short
# answer's and the number's keys, and fractions.
SECRETS = ("RIGHT-7-FEEDBACK", "WRONG-30", "PHOTO-FEEDBACK", "TF-RIGHT", "TF-WRONG",
           "SECRETKEYWORD", "SA-FEEDBACK", "GENERAL-REFUND-FEEDBACK", "fraction", "tolerance",
           '"48"', ">48<")
NOTHING = {}
EVERYTHING = {m: ["score", "responses", "right_answers", "feedback"]
              for m in ("immediately", "open", "closed")}


def _no_secrets(text: str) -> None:
    leaked = [s for s in SECRETS if s.lower() in text.lower()]
    assert not leaked, leaked


def _slots(db, attempt_id: int) -> dict[str, AttemptQuestion]:
    db.session.expire_all()
    return {aq.version.name: aq for aq in db.session.get(Attempt, attempt_id).questions}


def _start(client, quiz) -> int:
    response = client.post(f"/quizzes/{quiz.id}/start")
    assert response.status_code == 302
    match = re.search(r"/attempts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _field(aq, raw, sequence: int | None = None) -> dict:
    """The form fields a page posts for one answer (by default with the stored sequence)."""
    name = f"q{aq.slot}"
    sequence = aq.sequence if sequence is None else sequence
    if isinstance(raw, dict):
        return {f"{name}.{k}": v for k, v in raw.items()} | {f"seq{aq.slot}": sequence}
    return {name: raw, f"seq{aq.slot}": sequence}


@pytest.fixture
def signed_in(client, agent):
    clock.freeze(T0)
    assert client.post("/login", data={"login": agent.email, "password": PASSWORD}) \
        .status_code == 302
    return client


def test_take_a_quiz_with_the_plain_form(db, signed_in, make_quiz, agent):
    client = signed_in
    quiz = make_quiz(questions=ALL_TYPES, time_limit_seconds=1800, review_options=EVERYTHING)
    page = client.get(f"/quizzes/{quiz.id}")
    assert page.status_code == 200 and b"Start attempt 1" in page.data
    attempt_id = _start(client, quiz)
    page = client.get(f"/attempts/{attempt_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    _no_secrets(html)
    assert "Seven days" in html and "Time left" in html and 'name="seq1"' in html
    slots = _slots(db, attempt_id)
    form = {}
    for name, raw in (("refund-days", "a"), ("refund-proof", ["a", "b"]),
                      ("points-expire", "true"), ("refund-word", "secretkeyword"),
                      ("refund-hours", "47.5"), ("greet-match", {"p1": "p1", "p2": "p2"}),
                      ("greet-essay", "I greet them by name.")):
        form |= _field(slots[name], raw)
    saved = client.post(f"/attempts/{attempt_id}", data=form | {"action": "save"})
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/attempts/{attempt_id}")
    # Reloading shows every answer again.
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'value="secretkeyword"' in html and "I greet them by name." in html
    assert re.search(r'id="q\d+-a" value="a" checked', html)
    finish = client.post(f"/attempts/{attempt_id}", data=form | {"action": "finish"})
    assert finish.headers["Location"].endswith(f"/attempts/{attempt_id}/summary")
    summary = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert "You answered 7 of 7 questions." in summary
    done = client.post(f"/attempts/{attempt_id}/submit")
    assert done.headers["Location"].endswith(f"/attempts/{attempt_id}/review")
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Waiting for a mentor" in review  # the essay
    assert "RIGHT-7-FEEDBACK" in review and "SECRETKEYWORD" in review
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state == "finished" and attempt.needs_grading


def test_autosave_endpoint_and_stale_second_tab(db, signed_in, make_quiz):
    client = signed_in
    quiz = make_quiz(questions=ALL_TYPES)
    attempt_id = _start(client, quiz)
    day = _slots(db, attempt_id)["refund-days"]
    url = f"/attempts/{attempt_id}/autosave"
    first = client.post(url, data=_field(day, "a"))
    assert first.status_code == 200
    assert first.json == {"ok": True, "sequences": {str(day.slot): 1}, "message": "Saved"}
    _no_secrets(first.get_data(as_text=True))
    # The second tab still holds sequence 0.
    stale = client.post(url, data=_field(day, "b", 0))
    assert stale.status_code == 409 and stale.json["reason"] == "stale"
    assert "another tab" in stale.json["message"]
    assert _slots(db, attempt_id)["refund-days"].response == {"choice": "a"}
    # The plain form from that tab is refused the same way, with a message on the page.
    refused = client.post(f"/attempts/{attempt_id}",
                          data=_field(day, "b", 0) | {"action": "save"}, follow_redirects=True)
    assert "another tab" in refused.get_data(as_text=True)
    assert _slots(db, attempt_id)["refund-days"].response == {"choice": "a"}


@pytest.mark.parametrize("case", [
    "unknown_question", "foreign_option", "other_matching_prompt", "malformed_sequence",
])
def test_tampered_posts_change_nothing(db, signed_in, make_quiz, case):
    client = signed_in
    quiz = make_quiz(questions=ALL_TYPES)
    attempt_id = _start(client, quiz)
    slots = _slots(db, attempt_id)
    before = {n: (aq.response, aq.sequence) for n, aq in slots.items()}
    day, match = slots["refund-days"], slots["greet-match"]
    payload = {
        "unknown_question": {"q99": "a", "seq99": "0"} | _field(day, "a"),
        "foreign_option": _field(day, "p1"),
        "other_matching_prompt": _field(match, {"p1": "p1", "zz": "p2"}),
        "malformed_sequence": {f"q{day.slot}": "a", f"seq{day.slot}": "latest"},
    }[case]
    for url in (f"/attempts/{attempt_id}/autosave", f"/attempts/{attempt_id}"):
        response = client.post(url, data=payload)
        if case == "malformed_sequence":
            assert response.status_code == 400
        elif url.endswith("autosave"):
            assert response.status_code == 422
            assert response.json["ok"] is False and "nothing was saved" in \
                response.json["message"]
        else:
            assert response.status_code == 302
    after = {n: (aq.response, aq.sequence) for n, aq in _slots(db, attempt_id).items()}
    assert after == before
    if case != "malformed_sequence":
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "quiz.answer_refused")) == 2


def test_another_persons_attempt(db, client, make_quiz, agent, make_person):
    clock.freeze(T0)
    quiz = make_quiz()
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    intruder = make_person(("agent",))
    client.post("/login", data={"login": intruder.email, "password": PASSWORD})
    aq = attempt.questions[0]
    for url in (f"/attempts/{attempt.id}", f"/attempts/{attempt.id}/summary",
                f"/attempts/{attempt.id}/review"):
        assert client.get(url).status_code == 404
    saved = client.post(f"/attempts/{attempt.id}/autosave", data=_field(aq, "a"))
    assert saved.status_code == 403 and "not yours" in saved.json["message"]
    page = client.post(f"/attempts/{attempt.id}", data=_field(aq, "a"), follow_redirects=True)
    assert "not yours" in page.get_data(as_text=True)
    submitted = client.post(f"/attempts/{attempt.id}/submit", follow_redirects=True)
    assert "not yours" in submitted.get_data(as_text=True)
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == "in_progress" and all(q.response is None for q in attempt.questions)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "quiz.answer_refused", AuditEntry.actor_id == intruder.id)) == 3


def test_after_submission_and_after_the_deadline(db, signed_in, make_quiz):
    client = signed_in
    quiz = make_quiz(time_limit_seconds=600, overdue_handling="grace", grace_seconds=120,
                     attempts_allowed=2)
    first = _start(client, quiz)
    aq = _slots(db, first)["refund-days"]
    client.post(f"/attempts/{first}/submit")
    late = client.post(f"/attempts/{first}/autosave", data=_field(aq, "b"))
    assert late.status_code == 422 and late.json["reason"] == "finished"
    assert late.json["redirect"].endswith(f"/attempts/{first}")
    second = _start(client, quiz)
    aq = _slots(db, second)["refund-days"]
    assert client.post(f"/attempts/{second}/autosave", data=_field(aq, "a")).status_code == 200
    clock.freeze(T0 + timedelta(minutes=11))  # in the grace period
    aq = _slots(db, second)["refund-days"]
    grace = client.post(f"/attempts/{second}/autosave", data=_field(aq, "b"))
    assert grace.status_code == 422 and "Time is up" in grace.json["message"]
    assert client.get(f"/attempts/{second}").headers["Location"].endswith("/summary")
    summary = client.get(f"/attempts/{second}/summary").get_data(as_text=True)
    assert "can still submit" in summary
    clock.freeze(T0 + timedelta(minutes=13))  # after deadline + grace
    after = client.post(f"/attempts/{second}/autosave", data=_field(aq, "c"))
    assert after.status_code == 422 and after.json["reason"] == "finished"
    attempt = db.session.get(Attempt, second)
    assert attempt.state == "finished"
    assert _slots(db, second)["refund-days"].response == {"choice": "a"}


def test_the_quiz_page_finishes_an_overdue_attempt(db, signed_in, make_quiz):
    client = signed_in
    quiz = make_quiz(time_limit_seconds=600, review_options=EVERYTHING)
    attempt_id = _start(client, quiz)
    aq = _slots(db, attempt_id)["refund-days"]
    client.post(f"/attempts/{attempt_id}/autosave", data=_field(aq, "a"))
    clock.freeze(T0 + timedelta(days=1))
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "Submitted" in page and "33.3 %" in page
    assert db.session.get(Attempt, attempt_id).state == "finished"


@pytest.mark.parametrize("options, shown, hidden", [
    (NOTHING, ["not available at this time"], ["RIGHT-7-FEEDBACK", "Score", "Seven days"]),
    ({"immediately": ["score"]}, ["33.3 %"], ["RIGHT-7-FEEDBACK", "Right answer"]),
    ({"immediately": ["responses", "feedback"]},
     ["Your answer", "RIGHT-7-FEEDBACK", "GENERAL-REFUND-FEEDBACK"], ["33.3", "Right answer"]),
    ({"immediately": ["right_answers"]}, ["Right answer", "True"], ["RIGHT-7-FEEDBACK"]),
    ({"open": ["score", "feedback"]}, ["not available at this time"], ["RIGHT-7-FEEDBACK"]),
])
def test_review_shows_only_what_the_options_allow(db, signed_in, make_quiz, options, shown,
                                                  hidden):
    client = signed_in
    quiz = make_quiz(review_options=options)
    attempt_id = _start(client, quiz)
    day = _slots(db, attempt_id)["refund-days"]
    client.post(f"/attempts/{attempt_id}/autosave", data=_field(day, "a"))
    client.post(f"/attempts/{attempt_id}/submit")
    html = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html
    # Two hours later the "immediately" options no longer apply; "open" ones do.
    clock.freeze(T0 + timedelta(hours=2))
    later = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    if "open" in options:
        assert "RIGHT-7-FEEDBACK" in later
    else:
        assert "not available at this time" in later


@pytest.mark.commits  # threads with connections of their own
def test_racing_starts_and_submits_make_one_attempt(app, db, make_quiz, agent):
    clock.freeze(T0)
    quiz = make_quiz()
    clients = [app.test_client() for _ in range(6)]
    for client in clients:
        client.post("/login", data={"login": agent.email, "password": PASSWORD})
    start = f"/quizzes/{quiz.id}/start"
    with ThreadPoolExecutor(max_workers=6) as pool:
        locations = list(pool.map(lambda c: c.post(start).headers["Location"], clients))
    assert len(set(locations)) == 1
    attempt_id = int(locations[0].rsplit("/", 1)[1])
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda c: c.post(f"/attempts/{attempt_id}/submit")
                                 .status_code, clients))
    assert statuses == [302] * 6
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "quiz.attempt_finish")) == 1


@pytest.mark.commits  # threads with connections of their own
def test_racing_saves_of_one_answer_keep_one(app, db, make_quiz, agent):
    """Six tabs post a change from the same page at once: one wins, five are stale."""
    clock.freeze(T0)
    quiz = make_quiz()
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    aq = attempt.questions[0]
    url, name = f"/attempts/{attempt.id}/autosave", aq.version.name
    posts = [_field(aq, option, 0) for option in aq.option_order * 2][:6]
    clients = [app.test_client() for _ in range(6)]
    for client in clients:
        client.post("/login", data={"login": agent.email, "password": PASSWORD})
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda pair: pair[0].post(url, data=pair[1]).status_code,
                                 zip(clients, posts, strict=True)))
    assert set(statuses) <= {200, 409}
    # The winner's answer is stored once; a tab that posted the same answer is told it is
    # saved (nothing to change); every other tab is refused as stale.
    accepted = {post[next(k for k in post if k.startswith("q"))]
                for post, status in zip(posts, statuses, strict=True) if status == 200}
    stored = _slots(db, attempt.id)[name]
    assert len(accepted) == 1 and stored.sequence == 1
    assert stored.response == {"choice": accepted.pop()}


def test_grading_queue_and_essay_grade(db, client, make_quiz, make_person):
    clock.freeze(T0)
    mentor = make_person(("mentor", "agent"), name="Mia Mentor")
    mentee = make_person(("agent",), name="Tim Mentee", mentor_id=mentor.id)
    quiz = make_quiz(questions=("refund-days", "greet-essay"), pass_mark=Decimal("50"))
    attempt = attempts.start_attempt(db.session, mentee, quiz)
    essay = next(aq for aq in attempt.questions if aq.version.qtype == "essay")
    attempts.save_answers(db.session, mentee, attempt.id,
                          [attempts.PostedAnswer(essay.slot, 0, "Good morning, Mr Li.")])
    attempts.submit(db.session, mentee, attempt.id)
    db.session.commit()
    client.post("/login", data={"login": mentor.email, "password": PASSWORD})
    queue = client.get("/grading/quizzes").get_data(as_text=True)
    assert "Tim Mentee" in queue
    page = client.get(f"/grading/attempts/{attempt.id}").get_data(as_text=True)
    assert "Good morning, Mr Li." in page
    url = f"/grading/attempts/{attempt.id}/questions/{essay.slot}"
    bad = client.post(url, data={f"q{essay.slot}-mark": "3"})
    assert bad.status_code == 422 and "between 0 and 2" in bad.get_data(as_text=True)
    good = client.post(url, data={f"q{essay.slot}-mark": "1.5",
                                  f"q{essay.slot}-comment": "Name used, well done."})
    assert good.status_code == 302
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt.id)
    assert graded.score == Decimal("50") and graded.passed and not graded.needs_grading
    assert "Tim Mentee" not in client.get("/grading/quizzes").get_data(as_text=True)


@pytest.mark.parametrize("role, status", [
    ("agent", 403), ("manager", 403), ("hr", 403), ("mentor", 200), ("admin", 200),
])
def test_grading_queue_access(client, make_person, role, status):
    person = make_person((role,))
    client.post("/login", data={"login": person.email, "password": PASSWORD})
    assert client.get("/grading/quizzes").status_code == status


def test_signed_out_people_are_sent_to_sign_in(client, make_quiz):
    quiz = make_quiz()
    for url in ("/quizzes", f"/quizzes/{quiz.id}", "/attempts/1", "/attempts/1/review",
                "/grading/quizzes", "/author/quizzes"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.post(f"/quizzes/{quiz.id}/start").status_code == 302
    assert client.post("/attempts/1/autosave").status_code in (302, 401)


def test_csrf_is_required_for_autosave(db, make_app, database_url, make_quiz, agent):
    app = make_app({"TESTING": True, "SECRET_KEY": "test-secret", "CHECK_SCHEMA": False,
                    "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": True,
                    "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    quiz = make_quiz()
    attempt = attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    client = app.test_client()
    def token() -> str:
        page = client.get("/quizzes" if signed else "/login").get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    signed = False
    client.post("/login", data={"csrf_token": token(), "login": agent.email,
                                "password": PASSWORD})
    signed = True
    aq = attempt.questions[0]
    without = client.post(f"/attempts/{attempt.id}/autosave", data=_field(aq, "a"))
    assert without.status_code == 400
    with_header = client.post(f"/attempts/{attempt.id}/autosave", data=_field(aq, "a"),
                              headers={"X-CSRFToken": token()})
    assert with_header.status_code == 200


def test_during_the_attempt_only_answered_questions_show_what_is_allowed(db, signed_in,
                                                                        make_quiz):
    client = signed_in
    quiz = make_quiz(questions=("refund-days", "points-expire"),
                     review_options={"during": ["score", "feedback", "right_answers"]})
    attempt_id = _start(client, quiz)
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    _no_secrets(html)
    day = _slots(db, attempt_id)["refund-days"]
    client.post(f"/attempts/{attempt_id}", data=_field(day, "b") | {"action": "save"})
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "WRONG-30" in html and "GENERAL-REFUND-FEEDBACK" in html
    assert "Incorrect" in html and "Right answer: Seven days" in html
    assert "TF-RIGHT" not in html and "TF-WRONG" not in html  # not answered yet


@pytest.fixture
def moodle_extras(db, bank):
    """refund-days carries Moodle's combined feedback and two hints (stored as imported)."""
    version = bank.questions["refund-days"].versions[-1]
    version.data = {**version.data, "hints": ["HINT-ONE: count the days.", "HINT-TWO"],
                    "combined_feedback": {"correctfeedback": "COMBINED-RIGHT",
                                          "partiallycorrectfeedback": "COMBINED-PARTLY",
                                          "incorrectfeedback": "COMBINED-WRONG"}}
    db.session.commit()


@pytest.mark.usefixtures("moodle_extras")
@pytest.mark.parametrize("options, shown, hidden", [
    (EVERYTHING, ["COMBINED-WRONG"], ["COMBINED-RIGHT", "COMBINED-PARTLY", "HINT-ONE"]),
    ({"immediately": ["score", "responses"]}, [], ["COMBINED-", "HINT-"]),
])
def test_combined_feedback_on_review_only_when_feedback_is_allowed(db, signed_in, make_quiz,
                                                                   options, shown, hidden):
    client = signed_in
    quiz = make_quiz(questions=("refund-days", "points-expire"), review_options=options)
    attempt_id = _start(client, quiz)
    day = _slots(db, attempt_id)["refund-days"]
    client.post(f"/attempts/{attempt_id}/autosave", data=_field(day, "b"))
    client.post(f"/attempts/{attempt_id}/submit")
    html = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html


@pytest.mark.usefixtures("moodle_extras")
def test_hints_while_answering_when_the_quiz_gives_feedback_as_you_go(db, signed_in,
                                                                      make_quiz):
    client = signed_in
    quiz = make_quiz(questions=("refund-days",), review_options={"during": ["feedback"]})
    attempt_id = _start(client, quiz)
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "HINT-" not in html and "COMBINED-" not in html  # nothing before an answer
    day = _slots(db, attempt_id)["refund-days"]
    client.post(f"/attempts/{attempt_id}", data=_field(day, "b") | {"action": "save"})
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Hint:" in html and "HINT-ONE: count the days." in html and "COMBINED-WRONG" in html
    assert "HINT-TWO" not in html
    day = _slots(db, attempt_id)["refund-days"]
    client.post(f"/attempts/{attempt_id}", data=_field(day, "a") | {"action": "save"})
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "COMBINED-RIGHT" in html and "HINT-" not in html
    # A quiz that gives no feedback while answering shows no hint.
    quiet = make_quiz(questions=("refund-days",), review_options=EVERYTHING)
    attempt_id = _start(client, quiet)
    day = _slots(db, attempt_id)["refund-days"]
    client.post(f"/attempts/{attempt_id}", data=_field(day, "b") | {"action": "save"})
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "HINT-" not in html and "COMBINED-" not in html
