"""Answering: drafts, one submission, ratings on the scale, only one's own questionnaire."""

from datetime import UTC, datetime

import pytest

from assessments.review360.models import Answer
from assessments.review360.services import responses
from lms.core import clock
from lms.core.errors import DomainError
from lms.core.extensions import db
from tests.assessments.review360.conftest import answer, nominate_and_approve


def _ratings(world, value):
    return {str(i.id): str(value) for i in world.subject.version.items if i.kind == "rating"}


def test_draft_then_submit_once(world):
    nominate_and_approve(world)
    rater = world.rater("peer", world.peers[0])
    first = world.subject.version.items[0]
    responses.save(db.session, world.peers[0], rater, {str(first.id): "4"})
    db.session.commit()
    assert responses.draft_values(rater) == {first.id: "4"}
    with pytest.raises(DomainError, match="Answer every statement"):
        responses.save(db.session, world.peers[0], rater, {str(first.id): "4"}, submit=True)
    db.session.rollback()
    posted = _ratings(world, "na")
    responses.save(db.session, world.peers[0], rater, posted, submit=True)
    db.session.commit()
    with pytest.raises(DomainError, match="already submitted"):
        responses.save(db.session, world.peers[0], rater, _ratings(world, 5), submit=True)
    db.session.rollback()
    assert {a.rating for a in db.session.query(Answer)} == {None}


@pytest.mark.parametrize("value", ["0", "6", "-1", "4.5", "five", "1e1", "9" * 30])
def test_ratings_off_the_scale_are_refused(world, value):
    nominate_and_approve(world)
    rater = world.rater("peer", world.peers[0])
    posted = _ratings(world, 3)
    posted[next(iter(posted))] = value
    with pytest.raises(DomainError, match="from 1 to 5"):
        responses.save(db.session, world.peers[0], rater, posted, submit=True)
    db.session.rollback()
    assert db.session.query(Answer).count() == 0


def test_items_of_another_questionnaire_are_refused(world):
    nominate_and_approve(world)
    rater = world.rater("peer", world.peers[0])
    posted = _ratings(world, 3)
    posted["999999"] = "3"
    with pytest.raises(DomainError, match="does not match"):
        responses.save(db.session, world.peers[0], rater, posted)
    posted = {"abc": "3"}
    with pytest.raises(DomainError, match="does not match"):
        responses.save(db.session, world.peers[0], rater, posted)


def test_only_the_invited_rater_answers(world):
    nominate_and_approve(world)
    rater = world.rater("peer", world.peers[0])
    with pytest.raises(DomainError, match="not yours"):
        responses.save(db.session, world.outsider, rater, _ratings(world, 3))
    with pytest.raises(DomainError, match="not yours"):
        responses.save(db.session, None, rater, _ratings(world, 3), external=True)
    customer = world.rater("customer", email="c0@customer.example")
    with pytest.raises(DomainError, match="not yours"):
        responses.save(db.session, world.peers[0], customer, _ratings(world, 3))


def test_uninvited_and_closed_are_refused(world):
    from assessments.review360.services import nominations

    nominations.propose(db.session, world.subject_person, world.subject, "peer",
                        world.peers[0].id)
    rater = world.rater("peer", world.peers[0])
    with pytest.raises(DomainError, match="not been sent"):
        responses.save(db.session, world.peers[0], rater, _ratings(world, 3))
    db.session.rollback()
    nominate_and_approve(world, peers=3)
    clock.freeze(datetime(2026, 11, 1, 0, 0, tzinfo=UTC))
    with pytest.raises(DomainError, match="has closed"):
        answer(world, world.rater("self"), 3)
