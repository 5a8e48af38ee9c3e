"""Nominations, approval, links; refusals change nothing."""

from datetime import UTC, date, datetime

import pytest

from assessments.review360.models import Rater
from assessments.review360.services import cycles, nominations
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.notifications.models import Notification, OutboxEmail
from tests.assessments.review360.conftest import nominate_and_approve


def _raters(world):
    return sorted((r.group, r.person_id, r.external_email, r.state)
                  for r in db.session.query(Rater).filter_by(subject_id=world.subject.id))


def test_subject_starts_with_self_and_manager(world):
    assert [(r.group, r.person_id) for r in world.subject.raters] == [
        ("self", world.subject_person.id), ("manager", world.manager.id)]


@pytest.mark.parametrize("group, kwargs, message", [
    ("peer", {"person": "subject"}, "Nobody rates themself"),
    ("peer", {"person": None}, "Choose an active colleague"),
    ("manager", {"person": "peer"}, "does not rate this person"),
    ("self", {"person": "peer"}, "does not rate this person"),
    ("direct_report", {"person": "peer"}, "does not rate this person"),
    ("12; DROP TABLE", {"person": "peer"}, "does not rate this person"),
    ("customer", {"name": "A", "email": "not-an-address"}, "valid e-mail"),
    ("customer", {"name": "", "email": "a@b.example"}, "required"),
])
def test_bad_nominations_are_refused(world, group, kwargs, message):
    before = _raters(world)
    person = {"subject": world.subject_person, "peer": world.peers[0], None: None}.get(
        kwargs.get("person"))
    with pytest.raises(DomainError, match=message):
        nominations.propose(db.session, world.subject_person, world.subject, group,
                            person.id if person else None, kwargs.get("name", ""),
                            kwargs.get("email", ""))
    db.session.rollback()
    assert _raters(world) == before


def test_a_nominee_twice_and_outsiders_are_refused(world):
    nominations.propose(db.session, world.subject_person, world.subject, "peer",
                        world.peers[0].id)
    with pytest.raises(DomainError, match="already a rater"):
        nominations.propose(db.session, world.subject_person, world.subject, "peer",
                            world.peers[0].id)
    with pytest.raises(DomainError, match="may not change"):
        nominations.propose(db.session, world.outsider, world.subject, "peer",
                            world.peers[1].id)
    with pytest.raises(DomainError, match="Only their manager"):
        nominations.approve(db.session, world.outsider, world.subject)


def test_submit_needs_the_minimum_and_tells_the_manager(world):
    nominations.propose(db.session, world.subject_person, world.subject, "peer",
                        world.peers[0].id)
    with pytest.raises(DomainError, match="at least 3"):
        nominations.submit(db.session, world.subject_person, world.subject)
    db.session.rollback()
    with pytest.raises(DomainError, match="not sent their nominations"):
        nominations.approve(db.session, world.manager, world.subject)
    nominate_and_approve(world, peers=3, customers=3)
    note = db.session.query(Notification).filter_by(person_id=world.manager.id).first()
    assert "赵敏" in note.subject
    assert {r.state for r in world.subject.raters} == {"invited"}


def test_approval_invites_people_and_mails_links_stored_as_hashes(world):
    nominate_and_approve(world)
    assert len(world.links) == 3
    for rater in world.subject.raters:
        if rater.external:
            token = world.links[rater.external_email]
            assert rater.token_hash == nominations.hash_token(token)
            assert token not in rater.token_hash
        else:
            assert db.session.query(Notification).filter_by(person_id=rater.person_id).count()
    mails = db.session.query(OutboxEmail).filter(
        OutboxEmail.to_address.like("%@customer.example")).all()
    assert len(mails) == 3
    assert all("/360/r/" in m.body for m in mails)
    audit = " ".join(str(e.details) for e in db.session.query(AuditEntry))
    assert not any(token in audit for token in world.links.values())


def test_manager_can_change_the_list_and_hr_can_override(world):
    nominations.propose(db.session, world.subject_person, world.subject, "peer",
                        world.peers[0].id)
    # HR approves a list the subject never sent; later additions are invited at once.
    links = nominations.approve(db.session, world.hr, world.subject)
    assert links == []
    added = nominations.propose(db.session, world.manager, world.subject, "peer",
                                world.peers[1].id)
    assert added.state == "invited"
    with pytest.raises(DomainError, match="may not change"):
        nominations.propose(db.session, world.subject_person, world.subject, "peer",
                            world.peers[2].id)
    nominations.withdraw(db.session, world.manager, added)
    with pytest.raises(DomainError, match="belong to every cycle"):
        nominations.withdraw(db.session, world.hr, world.rater("self"))


def test_links_die_after_use_expiry_and_resend(world):
    nominate_and_approve(world)
    token = world.links["c0@customer.example"]
    rater = nominations.rater_for_token(db.session, token)
    assert rater.external_email == "c0@customer.example"
    with pytest.raises(nominations.DeadLink) as unknown:
        nominations.rater_for_token(db.session, token[:-2] + "xx")
    assert unknown.value.reason == "unknown"
    new = nominations.resend_link(db.session, world.hr, rater)
    with pytest.raises(nominations.DeadLink):
        nominations.rater_for_token(db.session, token)
    assert nominations.rater_for_token(db.session, new.token) is rater
    clock.freeze(datetime(2026, 10, 19, 9, 1, tzinfo=UTC))  # 14 days after sending
    with pytest.raises(nominations.DeadLink) as expired:
        nominations.rater_for_token(db.session, new.token)
    assert expired.value.reason == "expired"


def test_extension_moves_the_close_later_only(world):
    nominate_and_approve(world)
    with pytest.raises(DomainError, match="after 2026-10-31"):
        cycles.extend_cycle(db.session, world.hr, world.cycle, date(2026, 10, 20))
    cycles.extend_cycle(db.session, world.hr, world.cycle, date(2026, 11, 30))
    assert world.cycle.closes_on == date(2026, 11, 30)


@pytest.mark.parametrize("changes, field", [
    ({"closes_on": date(2026, 9, 1)}, "closes_on"),
    ({"anonymity_threshold": 1}, "anonymity_threshold"),
    ({"weights": {"self": 10, "manager": 20, "peer": 30, "customer": 30,
                  "direct_report": 40}}, "weight_self"),
    ({"weights": {"self": -5, "manager": 35, "peer": 30, "customer": 40,
                  "direct_report": 40}}, "weight_self"),
])
def test_bad_cycle_settings_are_refused(world, changes, field):
    from decimal import Decimal

    data = cycles.CycleData(title="X", opens_on=date(2026, 10, 1),
                            closes_on=date(2026, 10, 31))
    for key, value in changes.items():
        if key == "weights":
            value = {k: Decimal(v) for k, v in value.items()}
        setattr(data, key, value)
    with pytest.raises(DomainError) as error:
        cycles.create_cycle(db.session, world.hr, data)
    assert error.value.field == field
