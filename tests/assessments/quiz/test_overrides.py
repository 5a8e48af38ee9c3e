"""Per-person and per-team overrides: who may set them, what they change, the audit."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from assessments.quiz.models import QuizOverride
from assessments.quiz.services import attempts, quizzes
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def org(make_person, make_team):
    department = make_team("Service centre")
    team = make_team("Hotline", parent_id=department.id)
    mentor = make_person(("mentor", "agent"), name="Mia Mentor")
    mentee = make_person(("agent",), name="Tim Mentee", mentor_id=mentor.id, team_id=team.id)
    other = make_person(("agent",), name="Olga Other", team_id=team.id)
    return {
        "department": department, "team": team, "mentor": mentor, "mentee": mentee,
        "other": other, "hr": make_person(("hr",)), "manager": make_person(("manager",)),
        "agent": make_person(("agent",)),
    }


def _set(db, actor, quiz, reason="Dyslexia: extra time agreed with HR", **fields):
    override = quizzes.save_override(db.session, actor, quiz,
                                     quizzes.OverrideData(reason=reason, **fields))
    db.session.commit()
    return override


def test_person_override_beats_team_override_beats_quiz(db, make_quiz, org):
    quiz = make_quiz(time_limit_seconds=1800, attempts_allowed=1, closes_at=T0)
    _set(db, org["hr"], quiz, team_id=org["department"].id, time_limit_seconds=2400,
         attempts_allowed=3)
    _set(db, org["hr"], quiz, team_id=org["team"].id, time_limit_seconds=2700)
    _set(db, org["mentor"], quiz, person_id=org["mentee"].id, time_limit_seconds=3600)
    mentee = quizzes.rules_for(db.session, quiz, org["mentee"])
    assert (mentee.time_limit_seconds, mentee.attempts_allowed, mentee.closes_at) == \
        (3600, 3, T0)
    other = quizzes.rules_for(db.session, quiz, org["other"])
    assert (other.time_limit_seconds, other.attempts_allowed) == (2700, 3)
    outsider = quizzes.rules_for(db.session, quiz, org["agent"])
    assert (outsider.time_limit_seconds, outsider.attempts_allowed) == (1800, 1)


def test_setting_again_replaces_and_audits_before_and_after(db, make_quiz, org):
    quiz = make_quiz(time_limit_seconds=1800)
    _set(db, org["hr"], quiz, person_id=org["mentee"].id, time_limit_seconds=2400)
    _set(db, org["hr"], quiz, person_id=org["mentee"].id, time_limit_seconds=3000,
         reason="More time after review")
    rows = db.session.scalars(select(QuizOverride)).all()
    assert [(r.person_id, r.time_limit_seconds) for r in rows] == [(org["mentee"].id, 3000)]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "quiz.override")
                                 .order_by(AuditEntry.id)).all()
    assert [e.reason for e in entries] == ["Dyslexia: extra time agreed with HR",
                                           "More time after review"]
    assert entries[1].details["before"]["time_limit_seconds"] == 2400
    assert entries[1].details["after"]["time_limit_seconds"] == 3000
    quizzes.delete_override(db.session, org["hr"], rows[0], "no longer needed")
    db.session.commit()
    assert db.session.scalar(select(QuizOverride)) is None
    assert db.session.scalar(select(AuditEntry.reason).where(
        AuditEntry.action == "quiz.override_delete")) == "no longer needed"


@pytest.mark.parametrize("actor, target, allowed", [
    ("hr", "mentee", True), ("hr", "team", True),
    ("mentor", "mentee", True), ("mentor", "other", False), ("mentor", "team", False),
    ("manager", "mentee", False), ("agent", "mentee", False), ("mentee", "mentee", False),
])
def test_who_may_set_an_override(db, make_quiz, org, actor, target, allowed):
    quiz = make_quiz(time_limit_seconds=1800)
    key = "team_id" if target == "team" else "person_id"
    if allowed:
        _set(db, org[actor], quiz, **{key: org[target].id, "time_limit_seconds": 2400})
        return
    with pytest.raises(DomainError):
        _set(db, org[actor], quiz, **{key: org[target].id, "time_limit_seconds": 2400})
    db.session.rollback()
    assert db.session.scalar(select(QuizOverride)) is None


@pytest.mark.parametrize("fields, message", [
    ({}, "either a person or a team"),
    ({"person_id": -1, "attempts_allowed": 2}, "Unknown"),
    ({"person_id": "mentee"}, "at least one"),
    ({"person_id": "mentee", "attempts_allowed": 2, "reason": " "}, "reason"),
    ({"person_id": "mentee", "time_limit_seconds": -60}, "time limit"),
    ({"person_id": "mentee", "opens_at": T0, "closes_at": T0 - timedelta(days=1)}, "close"),
])
def test_bad_overrides_are_refused(db, make_quiz, org, fields, message):
    quiz = make_quiz()
    if fields.get("person_id") == "mentee":
        fields["person_id"] = org["mentee"].id
    fields.setdefault("reason", "extra time")
    with pytest.raises(DomainError, match=message):
        quizzes.save_override(db.session, org["hr"], quiz, quizzes.OverrideData(**fields))


def test_an_override_changes_a_new_attempt(db, make_quiz, org):
    quiz = make_quiz(time_limit_seconds=1800, attempts_allowed=1,
                     closes_at=T0 + timedelta(days=1))
    _set(db, org["hr"], quiz, person_id=org["mentee"].id, time_limit_seconds=2700,
         attempts_allowed=2, closes_at=T0 + timedelta(days=7))
    clock.freeze(T0)
    first = attempts.start_attempt(db.session, org["mentee"], quiz)
    assert first.deadline_at == T0 + timedelta(seconds=2700)
    attempts.submit(db.session, org["mentee"], first.id)
    clock.freeze(T0 + timedelta(days=3))
    second = attempts.start_attempt(db.session, org["mentee"], quiz)
    assert second.number == 2
    db.session.commit()
    # Without the override: one attempt, closed after a day.
    assert not attempts.availability(db.session, quiz, org["other"]).allowed


# The accommodations page


def _login(client, person):
    from tests.conftest import PASSWORD

    assert client.post("/login", data={"login": person.email, "password": PASSWORD}) \
        .status_code == 302


@pytest.mark.parametrize("role, status", [
    ("agent", 403), ("manager", 403), ("mentor", 200), ("hr", 200),
])
def test_accommodations_page_access(client, make_quiz, org, role, status):
    quiz = make_quiz()
    _login(client, org[role])
    assert client.get(f"/quizzes/{quiz.id}/overrides").status_code == status


def test_a_mentor_sets_extra_time_for_a_mentee_only(db, client, make_quiz, org):
    quiz = make_quiz(time_limit_seconds=1800)
    _login(client, org["mentor"])
    page = client.get(f"/quizzes/{quiz.id}/overrides").get_data(as_text=True)
    assert "Tim Mentee" in page and "Olga Other" not in page
    assert 'name="team_id"' not in page  # teams are for HR and admins
    saved = client.post(f"/quizzes/{quiz.id}/overrides", data={
        "person_id": org["mentee"].id, "time_limit_minutes": "45",
        "reason": "Reading accommodation"})
    assert saved.status_code == 302
    refused = client.post(f"/quizzes/{quiz.id}/overrides", data={
        "person_id": org["other"].id, "time_limit_minutes": "45", "reason": "Please"})
    assert refused.status_code == 422
    rows = db.session.scalars(select(QuizOverride)).all()
    assert [(r.person_id, r.time_limit_seconds, r.created_by_id) for r in rows] == [
        (org["mentee"].id, 2700, org["mentor"].id)]
    page = client.get(f"/quizzes/{quiz.id}/overrides").get_data(as_text=True)
    assert "Reading accommodation" in page and "45 minutes" in page
    assert client.post(f"/quiz-overrides/{rows[0].id}/delete",
                       data={"reason": "done"}).status_code == 302
    assert db.session.scalar(select(QuizOverride)) is None


def test_hr_sets_a_team_override(db, client, make_quiz, org):
    quiz = make_quiz(attempts_allowed=1)
    _login(client, org["hr"])
    assert client.post(f"/quizzes/{quiz.id}/overrides", data={
        "team_id": org["team"].id, "attempts_allowed": "3",
        "reason": "System outage during the first window"}).status_code == 302
    assert quizzes.rules_for(db.session, quiz, org["other"]).attempts_allowed == 3
