"""Who a cycle evaluates and who may rate in it as a peer: refused by name when HR adds people
or a peer is nominated, and again when a peer who no longer qualifies opens the questionnaire;
the rules are stated on the cycle's and the subject's pages."""

from datetime import date

import pytest
from sqlalchemy import func, select

from assessments.review360.models import Subject
from assessments.review360.services import cycles, nominations, responses
from lms.core.errors import DomainError
from lms.core.extensions import db
from tests.assessments.review360.conftest import nominate_and_approve

S = db.session


def _data(world, **rules):
    return cycles.CycleData(title=world.cycle.title, opens_on=date(2026, 10, 1),
                            closes_on=date(2026, 10, 31),
                            shared_domains=world.cycle.shared_domains, rules=rules)


def test_subjects_outside_the_rule_are_refused_by_name_and_nobody_is_added(world, defaults,
                                                                           make_person):
    senior = defaults["SENIOR"]
    cycles.update_cycle(S, world.hr, world.cycle, _data(world, subject_tier_id=senior.id))
    S.commit()
    other_senior = make_person(name="Sun Hao", tier_id=senior.id)
    with pytest.raises(DomainError, match="Outsider Otto cannot be evaluated in this cycle"):
        cycles.add_subjects(S, world.hr, world.cycle, [other_senior.id, world.outsider.id])
    S.rollback()
    assert S.scalar(select(func.count()).select_from(Subject)) == 1
    cycles.add_subjects(S, world.hr, world.cycle, [other_senior.id])
    S.commit()
    assert S.scalar(select(func.count()).select_from(Subject)) == 2


def test_peers_must_meet_the_rater_rule_when_nominated_and_when_answering(world, defaults):
    newhire = defaults["NEWHIRE"]
    cycles.update_cycle(S, world.hr, world.cycle, _data(world, rater_tier_id=newhire.id))
    for peer in world.peers[:3]:
        peer.tier_id = newhire.id
    S.commit()
    # A colleague on another tier is refused by name, with the rule.
    with pytest.raises(DomainError, match="Nguyễn Thị Lan may not rate in this cycle. Only "
                                          "people on the New hire"):
        nominations.propose(S, world.subject_person, world.subject, "peer",
                            world.peers[3].id)
    S.rollback()
    nominate_and_approve(world)
    # A peer whose tier changed after the nomination is refused when they answer.
    rater = world.rater("peer", world.peers[0])
    responses.check_may_answer(world.peers[0], rater)
    world.peers[0].tier_id = defaults["SENIOR"].id
    S.commit()
    with pytest.raises(DomainError, match="This is for people on the New hire"):
        responses.check_may_answer(world.peers[0], rater)
    # The manager is not a peer: the rule does not apply.
    responses.check_may_answer(world.manager, world.rater("manager"))


def test_half_a_rule_is_refused(world, defaults):
    with pytest.raises(DomainError, match="Choose both") as refused:
        cycles.update_cycle(S, world.hr, world.cycle,
                            _data(world, rater_certificate_rule="held"))
    assert refused.value.field == "rater_certificate_rule"
    S.rollback()
    with pytest.raises(DomainError, match="stage") as refused:
        cycles.update_cycle(S, world.hr, world.cycle, _data(
            world, subject_stage_path_id=defaults["NEWHIRE"].id))
    assert refused.value.field == "subject_stage"


def test_the_pages_state_the_rules(world, defaults, client, auth):
    newhire = defaults["NEWHIRE"]
    auth.login(world.hr)
    page = client.get(f"/360/cycles/{world.cycle.id}/settings")
    assert page.status_code == 200 and "Who may rate as a peer" in page.get_data(as_text=True)
    response = client.post(f"/360/cycles/{world.cycle.id}/settings", data={
        "csrf_token": "", "title": "Q4 360", "opens_on": "2026-10-01",
        "closes_on": "2026-10-31", "anonymity_threshold": "3", "pass_mark": "80",
        "link_days": "14", "shared_domains": "gmail.com",
        **{f"weight_{g}": str(w.normalize()) for g, w in cycles.DEFAULT_WEIGHTS.items()},
        **{f"min_{g}": str(n) for g, n in cycles.DEFAULT_MIN_RATERS.items()},
        "subject_certificate_rule": "held", "subject_certificate_path_id": str(newhire.id),
        "rater_stage": "assessment", "rater_stage_path_id": str(newhire.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    S.expire_all()
    assert (world.cycle.subject_cert_rule, world.cycle.rater_stage) == ("held", "assessment")
    page = client.get(f"/360/cycles/{world.cycle.id}").get_data(as_text=True)
    assert "Only holders of a valid New hire" in page
    assert "at the assessment stage of the New hire" in page
    page = client.get(f"/360/subjects/{world.subject.id}").get_data(as_text=True)
    assert "Peers in this cycle:" in page and "at the assessment stage" in page
