"""The cheap autosave: an accepted answer costs two SQL statements, the signed-in person
included, and refuses everything the full path refuses (other people's attempts, sessions
that ended, replayed and stale posts, finished attempts, a submit racing the save)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from assessments.quiz.models import Attempt
from assessments.quiz.services import attempts
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.extensions import db as _db
from lms.people.services import directory
from tests.assessments.quiz.test_attempt_views import ALL_TYPES, T0, _field, _slots, _start
from tests.conftest import PASSWORD
from tests.databases import someone_waits_for_a_lock


@pytest.fixture
def taking(client, agent, make_quiz, db):
    """(client signed in as the agent, the attempt id) of a timed quiz with every type."""
    clock.freeze(T0)
    assert client.post("/login", data={"login": agent.email, "password": PASSWORD}) \
        .status_code == 302
    quiz = make_quiz(questions=ALL_TYPES, time_limit_seconds=1800)
    return client, _start(client, quiz)


def _refusals(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "quiz.answer_refused"))


@pytest.mark.parametrize("name, raw", [
    ("refund-days", "a"), ("refund-proof", ["a", "b"]), ("points-expire", "true"),
    ("refund-word", "receipt"), ("greet-match", {"p1": "p1", "p2": "p2"}),
    ("greet-essay", "I greet them by name."),
])
def test_an_accepted_save_costs_two_statements(db, taking, count_queries, name, raw):
    client, attempt_id = taking
    aq = _slots(db, attempt_id)[name]
    post, slot = _field(aq, raw), aq.slot
    db.session.rollback()
    with count_queries() as counter:
        saved = client.post(f"/attempts/{attempt_id}/autosave", data=post)
    assert saved.status_code == 200 and saved.json["sequences"] == {str(slot): 1}
    # One read (the answers' questions, the attempt, its owner with roles: the signed-in
    # person) and one UPDATE that also checks the sequence and that the attempt is open.
    assert counter.count == 2
    stored = _slots(db, attempt_id)[name]
    assert stored.sequence == 1 and stored.response is not None
    assert stored.saved_at == T0


def test_the_answer_is_in_the_readers_language_without_another_read(db, client, make_person,
                                                                     make_quiz, count_queries):
    clock.freeze(T0)
    agent = make_person(("agent",), locale="zh_Hans_CN")
    client.post("/login", data={"login": agent.email, "password": PASSWORD})
    attempt_id = _start(client, make_quiz())
    post = _field(_slots(db, attempt_id)["refund-days"], "a")
    db.session.rollback()
    with count_queries() as counter:
        saved = client.post(f"/attempts/{attempt_id}/autosave", data=post)
    assert saved.json["message"] == "已保存" and counter.count == 2


def test_an_unchanged_answer_reposted_is_one_statement(db, taking, count_queries):
    client, attempt_id = taking
    aq = _slots(db, attempt_id)["refund-days"]
    first, slot = _field(aq, "a"), aq.slot
    assert client.post(f"/attempts/{attempt_id}/autosave", data=first).status_code == 200
    db.session.rollback()
    with count_queries() as counter:  # the page's retry after a lost answer
        again = client.post(f"/attempts/{attempt_id}/autosave", data=first)
    assert again.status_code == 200 and again.json["sequences"] == {str(slot): 1}
    assert counter.count == 1


@pytest.mark.commits  # on PostgreSQL, the save's statements each commit on their own
def test_a_replayed_older_answer_is_refused(db, taking):
    client, attempt_id = taking
    aq = _slots(db, attempt_id)["refund-days"]
    url = f"/attempts/{attempt_id}/autosave"
    older = _field(aq, "a")
    assert client.post(url, data=older).status_code == 200
    assert client.post(url, data=_field(aq, "b", 1)).status_code == 200
    replayed = client.post(url, data=older)
    assert replayed.status_code == 409 and replayed.json["reason"] == "stale"
    stored = _slots(db, attempt_id)["refund-days"]
    assert (stored.response, stored.sequence) == ({"choice": "b"}, 2)
    assert _refusals(db) == 1


@pytest.mark.parametrize("ending", ["sign_out_everywhere", "deactivated", "password_changed"])
def test_a_session_that_ended_saves_nothing(db, taking, agent, make_person, ending):
    client, attempt_id = taking
    aq = _slots(db, attempt_id)["refund-days"]
    person = db.session.merge(agent)
    if ending == "sign_out_everywhere":
        directory.end_sessions(db.session, person)
    elif ending == "deactivated":
        directory.set_active(db.session, make_person(("admin",)), person, False)
    else:
        directory.set_password(db.session, person, "another-password-2026")
    db.session.commit()
    refused = client.post(f"/attempts/{attempt_id}/autosave", data=_field(aq, "a"))
    assert refused.status_code in (302, 401)
    assert "/login" in refused.headers.get("Location", "/login")
    stored = _slots(db, attempt_id)["refund-days"]
    assert (stored.response, stored.sequence) == (None, 0)


@pytest.mark.parametrize("who, status, reason", [
    ("owner", 200, None), ("another agent", 403, "not_yours"), ("their mentor", 403, "not_yours"),
    ("an admin", 403, "not_yours"), ("signed out", 302, None),
])
def test_who_may_save_into_an_attempt(db, client, agent, make_person, make_quiz, who, status,
                                      reason):
    clock.freeze(T0)
    attempt = attempts.start_attempt(db.session, agent, make_quiz())
    db.session.commit()
    aq = attempt.questions[0]
    people = {"owner": agent, "another agent": make_person(("agent",)),
              "their mentor": make_person(("mentor",)), "an admin": make_person(("admin",))}
    if who in people:
        client.post("/login", data={"login": people[who].email, "password": PASSWORD})
    response = client.post(f"/attempts/{attempt.id}/autosave",
                           data=_field(aq, aq.option_order[0]))
    assert response.status_code == status
    if reason:
        assert response.json["reason"] == reason
    stored = _slots(db, attempt.id)[aq.version.name]
    assert stored.sequence == (1 if who == "owner" else 0)


def test_past_the_deadline_the_full_path_finishes_the_attempt(db, taking):
    client, attempt_id = taking
    aq = _slots(db, attempt_id)["refund-days"]
    assert client.post(f"/attempts/{attempt_id}/autosave", data=_field(aq, "a")) \
        .status_code == 200
    clock.freeze(T0 + timedelta(minutes=31))
    late = client.post(f"/attempts/{attempt_id}/autosave", data=_field(aq, "b", 1))
    assert late.status_code == 422 and late.json["reason"] == "finished"
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state == "finished" and attempt.score is not None
    assert _slots(db, attempt_id)["refund-days"].response == {"choice": "a"}


@pytest.mark.commits  # the save runs in a thread with a connection of its own
def test_a_save_racing_a_submit_is_not_kept(app, db, agent, make_quiz):
    """The submit locks the attempt and finishes it; the save, which read the attempt as
    open, must not write into it once the submit commits."""
    clock.freeze(T0)
    attempt = attempts.start_attempt(db.session, agent, make_quiz())
    db.session.commit()
    attempt_id, aq = attempt.id, attempt.questions[0]
    post = _field(aq, aq.option_order[0])
    client = app.test_client()
    client.post("/login", data={"login": agent.email, "password": PASSWORD})
    reading = threading.Event()

    def save():
        reading.set()
        return client.post(f"/attempts/{attempt_id}/autosave", data=post)

    with _db.engine.connect() as submitter:
        submitter.execute(text("UPDATE quiz_attempt SET state = 'finished', finished_at = "
                               "started_at WHERE id = :id"), {"id": attempt_id})
        with ThreadPoolExecutor(max_workers=1) as pool:
            saving = pool.submit(save)
            assert reading.wait(10)
            if _db.engine.dialect.name == "postgresql":
                assert someone_waits_for_a_lock(), "the save never waited for the submit"
            else:
                time.sleep(0.3)  # SQLite: the save waits for the write lock
            submitter.commit()
            saved = saving.result(timeout=30)
    assert saved.status_code == 422 and saved.json["reason"] == "finished"
    db.session.rollback()
    stored = _slots(db, attempt_id)[aq.version.name]
    assert (stored.response, stored.sequence) == (None, 0)
