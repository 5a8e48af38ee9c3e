"""Aggregation: weights, thresholds and anonymity; stored results, evidence and the kind."""

from decimal import Decimal

import pytest

from assessments.review360.services import cycles, results
from assessments.review360.services.results import ResultsNotReady, to_score
from lms.competencies.models import Evidence
from lms.competencies.services.evidence import profiles
from lms.core.extensions import db
from lms.core.kinds import get_kind
from lms.core.signals import result_recorded
from tests.assessments.review360.conftest import answer, nominate_and_approve


def test_rating_scale_converts_to_0_100():
    assert [to_score(Decimal(r), 1, 5) for r in (1, 2, 3, 4, 5)] == [0, 25, 50, 75, 100]


def test_weighted_score_with_every_group_shown(world):
    nominate_and_approve(world)
    answer(world, world.rater("self"), 5)
    answer(world, world.rater("manager"), 4)
    for peer in world.peers[:3]:
        answer(world, world.rater("peer", peer), 3)
    for index in range(3):
        answer(world, world.rater("customer", email=f"c{index}@customer.example"), 2)
    cycles.close_cycle(db.session, world.hr, world.cycle)
    db.session.commit()
    report = results.subject_report(db.session, world.subject)
    # self 100 × 10 + manager 75 × 20 + peers 50 × 30 + customers 25 × 40, over 100
    assert report.overall == Decimal(50)
    assert world.subject.score == Decimal(50)
    first = report.competencies[0]
    assert first.self_score == 100
    assert first.others == (Decimal(75) * 20 + 50 * 30 + 25 * 40) / 90
    assert first.flag == "blind_spot"
    kind = get_kind("review360")()
    assert kind.person_result(db.session, None, world.subject_person.id).score == 50
    assert kind.person_result(db.session, "customer", world.subject_person.id).score == 25
    assert kind.person_result(db.session, "peer", world.subject_person.id).score == 50
    assert kind.person_result(db.session, "direct_report", world.subject_person.id) is None
    assert kind.person_result(db.session, "nonsense", world.subject_person.id) is None
    assert kind.result(db.session, world.subject.id).passed is False


def test_two_peers_leave_no_peer_figure_anywhere(world):
    nominate_and_approve(world)
    answer(world, world.rater("self"), 4)
    answer(world, world.rater("manager"), 4)
    answer(world, world.rater("peer", world.peers[0]), 1, comment="PEER-SECRET-ONE")
    answer(world, world.rater("peer", world.peers[1]), 1, comment="PEER-SECRET-TWO")
    for index in range(3):
        answer(world, world.rater("customer", email=f"c{index}@customer.example"), 4)
    cycles.close_cycle(db.session, world.hr, world.cycle)
    db.session.commit()
    report = results.subject_report(db.session, world.subject)
    peer = next(g for g in report.groups if g.group == "peer")
    assert (peer.shown, peer.responses, peer.score, peer.distribution) == (False, 2, None, None)
    # Peers rated 1 everywhere, everyone else 4: any 1 in a figure would be theirs.
    assert report.overall == Decimal(75)
    for result in report.competencies:
        assert "peer" not in result.group_scores
        assert result.distribution[0] == 0
        assert result.others == 75
    text = str(report.as_dict())
    assert "PEER-SECRET" not in text
    kind = get_kind("review360")()
    assert kind.person_result(db.session, "peer", world.subject_person.id) is None


def test_results_wait_for_the_close(world):
    nominate_and_approve(world)
    with pytest.raises(ResultsNotReady):
        results.subject_report(db.session, world.subject)
    assert get_kind("review360")().result(db.session, world.subject.id) is None


def test_close_writes_evidence_and_announces(world):
    nominate_and_approve(world)
    answer(world, world.rater("self"), 5)
    answer(world, world.rater("manager"), 5)
    heard = []

    def receiver(sender, **kwargs):
        heard.append((sender, kwargs["person_id"], kwargs["source_id"]))

    result_recorded.connect(receiver)
    try:
        cycles.close_cycle(db.session, world.hr, world.cycle)
    finally:
        result_recorded.disconnect(receiver)
    db.session.commit()
    assert heard == [("review360", world.subject_person.id, world.subject.id)]
    rows = db.session.query(Evidence).filter_by(source_kind="review360").all()
    assert rows and all(r.level == Decimal(5) and r.score == 100 for r in rows)
    profile = profiles(db.session, [world.subject_person.id])[world.subject_person.id]
    assert {entry.level for entry in profile.values()} == {5}
    with pytest.raises(Exception, match="already closed"):
        cycles.close_cycle(db.session, world.hr, world.cycle)


def test_progress_counts_only(world, db):
    nominate_and_approve(world)
    answer(world, world.rater("peer", world.peers[0]), 3)
    answer(world, world.rater("peer", world.peers[1]), 3, submit=False)
    table = results.progress(db.session, world.cycle)[world.subject.id]
    assert table["peer"] == results.GroupProgress(3, 1, 3)
    assert table["customer"] == results.GroupProgress(3, 0, 3)
    assert table["self"] == results.GroupProgress(1, 0, 1)
    assert results.total_progress(db.session, world.subject) == (8, 1)


def test_a_manager_is_rated_by_direct_reports_instead_of_customers(world):
    from assessments.review360.services import nominations
    from lms.core.errors import DomainError

    hr = world.hr
    cycle = world.cycle
    subject, = cycles.add_subjects(db.session, hr, cycle, [world.manager.id])
    assert subject.rated_as_manager
    assert subject.version.questionnaire.tier == "manager"
    reports = [r for r in subject.raters if r.group == "direct_report"]
    assert len(reports) == 6  # the subject person and the five peers report to 王芳
    with pytest.raises(DomainError, match="does not rate this person"):
        nominations.propose(db.session, hr, subject, "customer", name="X", email="x@y.example")
    nominations.approve(db.session, hr, subject)
    db.session.commit()
    items = [i for i in subject.version.items if i.kind == "rating"]
    for rater in subject.raters:
        if rater.group == "direct_report" or rater.group == "self":
            from assessments.review360.services import responses

            responses.save(db.session, rater.person, rater,
                           {str(i.id): "3" for i in items}, submit=True)
    cycles.close_cycle(db.session, hr, cycle)
    db.session.commit()
    kind = get_kind("review360")()
    assert kind.person_result(db.session, "direct_report", world.manager.id).score == 50
    assert kind.person_result(db.session, "customer", world.manager.id) is None
    # self 50 × 10 and direct reports 50 × 40: the manager's own manager did not answer.
    assert kind.person_result(db.session, "", world.manager.id).score == 50


def test_links_wait_for_the_opening_day(world):
    from datetime import UTC, date, datetime

    from assessments.review360.services import nominations
    from lms.core import clock

    world.cycle.opens_on = date(2026, 10, 20)
    db.session.commit()
    nominate_and_approve(world)
    with pytest.raises(nominations.DeadLink) as early:
        nominations.rater_for_token(db.session, world.links["c0@customer.example"])
    assert early.value.reason == "not_open"
    clock.freeze(datetime(2026, 10, 20, 0, 0, tzinfo=UTC))
    assert nominations.rater_for_token(db.session, world.links["c0@customer.example"])
