"""Reminders before the close (once per closing date), and the demo content."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from assessments.review360.models import Cycle, Rater, Subject
from assessments.review360.services import cycles
from lms.competencies.models import Evidence
from lms.core import clock
from lms.core.extensions import db
from lms.core.kinds import get_kind
from lms.notifications.models import Notification, OutboxEmail
from lms.people.models import Person
from tests.assessments.review360.conftest import answer, nominate_and_approve


def _notes(person):
    return db.session.query(Notification).filter_by(person_id=person.id).count()


def test_reminders_go_once_before_the_close_and_again_after_an_extension(world, runner):
    nominate_and_approve(world)
    answer(world, world.rater("peer", world.peers[0]), 4)
    result = runner.invoke(args=["send-360-reminders"])
    assert "0 360 reminder(s)" in result.output  # four weeks before the close
    clock.freeze(datetime(2026, 10, 29, 8, 0, tzinfo=UTC))
    before = _notes(world.peers[1])
    mails = db.session.query(OutboxEmail).count()
    result = runner.invoke(args=["send-360-reminders"])
    # self, manager, two peers, three customers (new links); the peer who answered is left.
    assert "7 360 reminder(s)" in result.output, result.output
    assert _notes(world.peers[1]) == before + 1
    assert _notes(world.peers[0]) == 1  # only the invitation
    assert db.session.query(OutboxEmail).count() > mails
    assert "0 360 reminder(s)" in runner.invoke(args=["send-360-reminders"]).output
    cycle = db.session.get(Cycle, world.cycle.id)
    cycles.extend_cycle(db.session, world.hr, cycle, date(2026, 11, 7))
    db.session.commit()
    clock.freeze(datetime(2026, 11, 5, 8, 0, tzinfo=UTC))
    assert "7 360 reminder(s)" in runner.invoke(args=["send-360-reminders"]).output


def test_subject_and_manager_are_reminded_of_nominations(world, runner):
    clock.freeze(datetime(2026, 10, 30, 8, 0, tzinfo=UTC))
    assert "1 360 reminder(s)" in runner.invoke(args=["send-360-reminders"]).output
    note = db.session.query(Notification).filter_by(person_id=world.subject_person.id).one()
    assert "Choose your 360 raters" in note.subject


@pytest.fixture
def demo_org(db):
    """The demo organisation (the session's demo template); {employee_id: Person}."""
    return {p.employee_id: p for p in db.session.scalars(select(Person))}


def test_demo_has_results_and_an_open_cycle(demo_org, db):
    # The earlier cycles are the specialists' and team leads' behind the senior and manager
    # certificates (certificates.demo_leaders), all closed.
    *earlier, closed, current = db.session.scalars(select(Cycle).order_by(Cycle.id)).all()
    assert len(earlier) == 4 and all(cycle.closed for cycle in earlier)
    assert closed.closed and not current.closed
    assert all(s.score is not None for s in closed.subjects)
    subject, manager = sorted(current.subjects, key=lambda s: s.person_id != demo_org["E0104"].id)
    assert subject.person_id == demo_org["E0104"].id and subject.nomination_state == "submitted"
    # The demo manager is evaluated too, her direct reports one of the groups.
    assert manager.person_id == demo_org["E0011"].id and manager.nomination_state == "approved"
    assert any(r.group == "direct_report" for r in manager.raters)
    assert db.session.scalar(select(func.count()).select_from(Rater).where(
        Rater.subject_id == subject.id, Rater.group == "customer")) == 4
    assert db.session.scalar(select(func.count()).select_from(Evidence).where(
        Evidence.source_kind == "review360")) > 0
    kind = get_kind("review360")()
    past = db.session.scalars(select(Subject).where(Subject.cycle_id == closed.id)).first()
    assert kind.person_result(db.session, "customer", past.person_id).score > 0
    assert [ref for ref, _ in kind.references(db.session)] == [
        "", "self", "manager", "peer", "direct_report", "customer"]
