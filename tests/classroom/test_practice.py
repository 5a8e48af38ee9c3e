"""The mentoring log (both confirm; N hours) and front-line rotation (a supervisor of the
team confirms; 8 h a quarter), and the kinds the path rules read."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from classroom.kind import MentoringKind, RotationKind
from classroom.services import mentoring, rotation
from classroom.services.mentoring import MeetingLog
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from tests.conftest import PASSWORD

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def pair(make_person):
    clock.freeze(NOW)
    mentor = make_person(("mentor", "agent"), name="Mia Mentor")
    mentee = make_person(name="Tim Mentee", mentor_id=mentor.id)
    return mentor, mentee


def test_meeting_counts_once_both_confirm(db, pair):
    mentor, mentee = pair
    kind = MentoringKind()
    planned = mentoring.plan_meeting(db.session, mentee, mentor, date(2026, 11, 20))
    meeting = mentoring.log_meeting(db.session, mentor, mentee, MeetingLog(
        held_on=date(2026, 11, 20), minutes=120, topics="De-escalation drill",
        actions="Listen first"))
    assert meeting.id == planned.id  # the planned meeting of that day is the one logged
    assert kind.person_result(db.session, "hours:4", mentee.id).score == Decimal(0)
    with pytest.raises(DomainError, match="nothing for you to confirm"):
        mentoring.confirm_meeting(db.session, mentor, meeting)
    mentoring.confirm_meeting(db.session, mentee, meeting)
    db.session.commit()
    assert meeting.confirmed
    result = kind.person_result(db.session, "hours:4", mentee.id)
    assert (result.score, result.passed) == (Decimal("50.00"), False)
    assert kind.person_result(db.session, "hours:2", mentee.id).passed
    assert kind.person_result(db.session, "", mentee.id).score == Decimal("10.00")  # of 20 h


def test_mentoring_refusals(db, pair, make_person):
    mentor, mentee = pair
    stranger = make_person()
    with pytest.raises(DomainError, match="not your mentor or mentee"):
        mentoring.plan_meeting(db.session, stranger, mentee, date(2026, 11, 25))
    with pytest.raises(DomainError, match="once it has been held"):
        mentoring.log_meeting(db.session, mentor, mentee, MeetingLog(
            held_on=date(2026, 11, 21), minutes=30, topics="x"))
    with pytest.raises(DomainError, match="between 1 minute and 8 hours"):
        mentoring.log_meeting(db.session, mentor, mentee, MeetingLog(
            held_on=date(2026, 11, 19), minutes=0, topics="x"))
    with pytest.raises(DomainError, match="topics"):
        mentoring.log_meeting(db.session, mentor, mentee, MeetingLog(
            held_on=date(2026, 11, 19), minutes=30, topics=" "))


def test_mentoring_pages(db, client, pair):
    mentor, mentee = pair
    client.post("/login", data={"login": mentee.email, "password": PASSWORD})
    assert client.get("/classroom/mentoring").status_code == 200
    logged = client.post("/classroom/mentoring/log", data={
        "partner_id": mentor.id, "held_on": "2026-11-19", "minutes": "45",
        "topics": "Refund policy questions"})
    assert logged.status_code == 302
    bad = client.post("/classroom/mentoring/log", data={
        "partner_id": mentor.id, "held_on": "2026-11-19", "minutes": "45", "topics": ""})
    assert bad.status_code == 422
    client.post("/logout")
    client.post("/login", data={"login": mentor.email, "password": PASSWORD})
    page = client.get("/classroom/mentoring").get_data(as_text=True)
    assert "Refund policy questions" in page and "Waiting for confirmation" in page
    meeting = mentoring.meetings_of(db.session, mentor)[0]
    assert client.post(f"/classroom/mentoring/{meeting.id}/confirm").status_code == 302
    db.session.expire_all()
    assert meeting.confirmed


@pytest.fixture
def floor(make_person, make_team):
    clock.freeze(NOW)
    team = make_team("Front line A")
    lead = make_person(("mentor", "agent"), name="Lee Lead", team_id=team.id)
    agent = make_person(name="Ava Agent", team_id=team.id)
    manager = make_person(("manager",), name="Max Manager")
    return team, lead, agent, manager


def test_rotation_shift_confirmed_by_a_supervisor_counts_this_quarter(db, floor):
    team, lead, agent, manager = floor
    kind = RotationKind()
    shift = rotation.log_shift(db.session, manager, team, date(2026, 11, 18), 300,
                               "Callers ask about points expiry")
    with pytest.raises(DomainError, match="Only a supervisor"):
        rotation.confirm_shift(db.session, agent, shift)
    assert kind.person_result(db.session, "quarter-hours:8", manager.id).score == 0
    rotation.confirm_shift(db.session, lead, shift)
    db.session.commit()
    assert kind.person_result(db.session, "quarter-hours:8", manager.id).score == Decimal(
        "62.50")
    old = rotation.log_shift(db.session, manager, team, date(2026, 9, 30), 480, "Last quarter")
    rotation.confirm_shift(db.session, lead, old)
    assert kind.person_result(db.session, None, manager.id).score == Decimal("62.50")
    rotation.confirm_shift(db.session, lead, rotation.log_shift(
        db.session, manager, team, date(2026, 10, 1), 180, "Quarter's first day"))
    assert kind.person_result(db.session, None, manager.id).passed
    assert db.session.scalar(select(AuditEntry.actor_id).where(
        AuditEntry.action == "classroom.rotation_confirm")) == lead.id


def test_rotation_refusals(db, floor, make_team):
    team, lead, _agent, manager = floor
    lonely = make_team("No supervisors")
    with pytest.raises(DomainError, match="no supervisor"):
        rotation.log_shift(db.session, manager, lonely, date(2026, 11, 18), 120, "x")
    with pytest.raises(DomainError, match="once it has been worked"):
        rotation.log_shift(db.session, manager, team, date(2026, 11, 21), 120, "x")
    with pytest.raises(DomainError, match="between 30 minutes and 12 hours"):
        rotation.log_shift(db.session, manager, team, date(2026, 11, 18), 800, "x")
    shift = rotation.log_shift(db.session, manager, team, date(2026, 11, 18), 120, "x")
    rotation.confirm_shift(db.session, lead, shift)
    with pytest.raises(DomainError, match="already confirmed"):
        rotation.confirm_shift(db.session, lead, shift)


def test_rotation_pages(db, client, floor):
    team, lead, agent, manager = floor
    client.post("/login", data={"login": agent.email, "password": PASSWORD})
    assert client.post("/classroom/rotation/log", data={}).status_code == 403
    client.post("/logout")
    client.post("/login", data={"login": manager.email, "password": PASSWORD})
    assert client.post("/classroom/rotation/log", data={
        "team_id": team.id, "worked_on": "2026-11-18", "hours": "4",
        "learned": "Queue peaks at lunch"}).status_code == 302
    client.post("/logout")
    client.post("/login", data={"login": lead.email, "password": PASSWORD})
    page = client.get("/classroom/rotation").get_data(as_text=True)
    assert "Queue peaks at lunch" in page
    shift_id = int(page.split("/classroom/rotation/", 1)[1].split("/confirm", 1)[0])
    assert client.post(f"/classroom/rotation/{shift_id}/confirm").status_code == 302
    assert rotation.confirmed_minutes(db.session, manager.id, date(2026, 10, 1),
                                      date(2026, 12, 31)) == 240


def test_quarters():
    assert rotation.quarter_of(date(2026, 11, 20)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert rotation.quarter_of(date(2026, 3, 31)) == (date(2026, 1, 1), date(2026, 3, 31))
