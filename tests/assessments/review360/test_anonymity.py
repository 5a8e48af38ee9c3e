"""The 360 threat model (docs/360-anonymity.md), one test per inference: sock-puppet raters
nominated by the subject or their manager, one domain full of one's own addresses, HR
vouching for addresses it should not, live per-group counts, and the one-time links."""

import pytest

from assessments.review360.services import cycles, nominations, results
from lms.core.errors import DomainError, NotFound
from lms.core.extensions import db
from tests.assessments.review360.conftest import answer

GENUINE = "GENUINE-CUSTOMER-SAYS-THIS"


def _peers_and_approve(world, nominator) -> None:
    for peer in world.peers[:3]:
        nominations.propose(db.session, world.subject_person, world.subject, "peer", peer.id)
    if world.subject.nomination_state == "open":
        nominations.submit(db.session, world.subject_person, world.subject)
    for link in nominations.approve(db.session, world.manager, world.subject):
        world.links[link.rater.external_email] = link.token
    db.session.commit()


def _everyone_but_customers_answers(world) -> None:
    answer(world, world.rater("self"), 4)
    answer(world, world.rater("manager"), 4)
    for peer in world.peers[:3]:
        answer(world, world.rater("peer", peer), 4)


def _close(world):
    cycles.close_cycle(db.session, world.hr, world.cycle)
    db.session.commit()
    return results.subject_report(db.session, world.subject)


def _customer(report):
    return next(g for g in report.groups if g.group == "customer")


@pytest.mark.parametrize("nominator", ["subject_person", "manager"])
def test_sock_puppets_do_not_unlock_the_customer_group(world, nominator):
    """One genuine customer and two addresses of the nominator's own: after subtracting their
    own two answers the nominator would read the genuine customer's, so nothing is shown."""
    actor = getattr(world, nominator)
    nominations.propose(db.session, actor, world.subject, "customer", name="Real Customer",
                        email="real@customer.example")
    nominations.propose(db.session, actor, world.subject, "customer", name="Puppet One",
                        email="puppet1@gmail.com")
    nominations.propose(db.session, actor, world.subject, "customer", name="Puppet Two",
                        email="puppet2@gmail.com")
    _peers_and_approve(world, actor)
    _everyone_but_customers_answers(world)
    answer(world, world.rater("customer", email="real@customer.example"), 1, comment=GENUINE)
    answer(world, world.rater("customer", email="puppet1@gmail.com"), 5)
    answer(world, world.rater("customer", email="puppet2@gmail.com"), 5)
    report = _close(world)
    customer = _customer(report)
    assert (customer.responses, customer.threshold, customer.shown) == (3, 6, False)
    assert customer.distribution is None and customer.score is None
    # Nothing combined carries the genuine 1 either: every other group rated 4.
    assert report.overall == 75
    assert all(c.distribution[0] == 0 for c in report.competencies)
    assert GENUINE not in str(report.as_dict())


def test_hr_confirming_only_the_genuine_customer_still_hides_the_group(world):
    nominations.propose(db.session, world.subject_person, world.subject, "customer",
                        name="Real Customer", email="real@customer.example")
    for index in (1, 2):
        nominations.propose(db.session, world.subject_person, world.subject, "customer",
                            name=f"Puppet {index}", email=f"puppet{index}@gmail.com")
    _peers_and_approve(world, world.subject_person)
    nominations.confirm(db.session, world.hr, world.rater("customer",
                                                         email="real@customer.example"))
    _everyone_but_customers_answers(world)
    for email in ("real@customer.example", "puppet1@gmail.com", "puppet2@gmail.com"):
        answer(world, world.rater("customer", email=email), 3, comment=GENUINE)
    customer = _customer(_close(world))
    # Three answers, two of them possibly the subject's own: 3 + 2 are needed.
    assert (customer.responses, customer.threshold, customer.shown) == (3, 5, False)


def test_a_shown_group_keeps_the_threshold_after_subtracting_unconfirmed_answers(world):
    """Three confirmed customers and two unconfirmed ones: shown, and whoever wrote the two
    unconfirmed answers still faces three answers they did not write."""
    for index in range(3):
        nominations.propose(db.session, world.subject_person, world.subject, "customer",
                            name=f"Customer {index}", email=f"c{index}@customer.example")
    for index in (1, 2):
        nominations.propose(db.session, world.subject_person, world.subject, "customer",
                            name=f"Puppet {index}", email=f"puppet{index}@gmail.com")
    _peers_and_approve(world, world.subject_person)
    for index in range(3):
        nominations.confirm(db.session, world.hr,
                            world.rater("customer", email=f"c{index}@customer.example"))
    db.session.commit()
    _everyone_but_customers_answers(world)
    for index, value in enumerate((1, 2, 3)):
        answer(world, world.rater("customer", email=f"c{index}@customer.example"), value)
    for index in (1, 2):
        answer(world, world.rater("customer", email=f"puppet{index}@gmail.com"), 5)
    customer = _customer(_close(world))
    assert (customer.responses, customer.threshold, customer.shown) == (5, 5, True)
    items = sum(1 for i in world.subject.version.items if i.kind == "rating")
    left = list(customer.distribution)
    left[-1] -= 2 * items  # the puppets' 5s
    assert sum(left) == 3 * items and left[:3] == [items, items, items]


def test_withheld_customers_are_withheld_everywhere(world, client, auth):
    nominations.propose(db.session, world.subject_person, world.subject, "customer",
                        name="Real Customer", email="real@customer.example")
    for index in (1, 2):
        nominations.propose(db.session, world.subject_person, world.subject, "customer",
                            name=f"Puppet {index}", email=f"puppet{index}@gmail.com")
    _peers_and_approve(world, world.subject_person)
    _everyone_but_customers_answers(world)
    answer(world, world.rater("customer", email="real@customer.example"), 1, comment=GENUINE)
    answer(world, world.rater("customer", email="puppet1@gmail.com"), 1, comment=GENUINE)
    _close(world)
    base = f"/360/subjects/{world.subject.id}"
    for person in (world.subject_person, world.manager, world.hr):
        auth.login(person)
        for url in (base + "/results", base + "/results.json"):
            body = client.get(url).get_data(as_text=True)
            assert GENUINE not in body
        assert client.get(base + "/results.json").get_json()["groups"][-1] == {
            "group": "customer", "invited": 3, "responses": 2, "threshold": 6,
            "shown": False, "weight": "40.00"}
        auth.logout()


def test_one_external_address_per_private_domain(world):
    propose = nominations.propose
    propose(db.session, world.subject_person, world.subject, "customer", name="A",
            email="a@acme-trading.example")
    with pytest.raises(DomainError, match="already an external rater at acme-trading"):
        propose(db.session, world.subject_person, world.subject, "customer", name="B",
                email="b@ACME-trading.example")
    # Public providers (the cycle's shared domains) take several.
    for name in ("x", "y"):
        propose(db.session, world.subject_person, world.subject, "customer", name=name,
                email=f"{name}@gmail.com")
    db.session.commit()
    assert sum(r.external for r in world.subject.raters) == 3


def test_shared_domains_are_checked_and_stored(world):
    data = cycles.CycleData(title="Q1", opens_on=world.cycle.opens_on,
                            closes_on=world.cycle.closes_on,
                            shared_domains="@Big-Bank.example, qq.com\nqq.com")
    cycle = cycles.create_cycle(db.session, world.hr, data)
    assert cycle.shared_domains == "big-bank.example qq.com"
    data.shared_domains = "not a domain!"
    with pytest.raises(DomainError, match="is not a mail domain"):
        cycles.create_cycle(db.session, world.hr, data)


def test_who_may_confirm_a_customer(world, make_person):
    rater = nominations.propose(db.session, world.subject_person, world.subject, "customer",
                                name="C", email="c@customer.example")
    for actor in (world.subject_person, world.manager, world.peers[0]):
        with pytest.raises(NotFound):
            nominations.confirm(db.session, actor, rater)
    # An HR person who is the subject's line manager reads the results: refused too.
    hr_line = make_person(roles=("hr", "manager"))
    world.manager.manager_id = hr_line.id
    db.session.commit()
    with pytest.raises(NotFound):
        nominations.confirm(db.session, hr_line, rater)
    nominations.confirm(db.session, world.hr, rater)
    assert rater.confirmed_by_id == world.hr.id and not rater.unconfirmed
    # HR's own nominees are confirmed as they are added, but HR never confirms its own
    # nominee after the fact, and colleagues are never "confirmed".
    own = nominations.propose(db.session, world.hr, world.subject, "customer", name="D",
                              email="d@customer.example")
    assert own.confirmed_by_id == world.hr.id
    own.confirmed_by_id = None
    with pytest.raises(NotFound):
        nominations.confirm(db.session, world.hr, own)
    peer = nominations.propose(db.session, world.subject_person, world.subject, "peer",
                               world.peers[0].id)
    with pytest.raises(DomainError, match="Only external raters"):
        nominations.confirm(db.session, make_person(roles=("hr",)), peer)


def test_hr_confirms_through_the_subject_page(world, client, auth):
    rater = nominations.propose(db.session, world.subject_person, world.subject, "customer",
                                name="Kunde", email="k@customer.example")
    db.session.commit()
    url = f"/360/subjects/{world.subject.id}"
    auth.login(world.manager)
    assert "Confirm customer" not in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/raters/{rater.id}/confirm").status_code == 403
    auth.logout()
    auth.login(world.hr)
    assert "Confirm customer" in client.get(url).get_data(as_text=True)
    page = client.post(f"{url}/raters/{rater.id}/confirm", follow_redirects=True)
    assert "Kunde is confirmed as a customer." in page.get_data(as_text=True)
    db.session.refresh(rater)
    assert rater.confirmed_by_id == world.hr.id


def test_the_subject_and_manager_see_only_a_total_before_the_close(world, client, auth):
    from tests.assessments.review360.conftest import nominate_and_approve

    nominate_and_approve(world)
    answer(world, world.rater("customer", email="c0@customer.example"), 4)
    url = f"/360/subjects/{world.subject.id}"
    for person in (world.subject_person, world.manager):
        auth.login(person)
        page = client.get(url).get_data(as_text=True)
        assert "data-group-answered" not in page and "1 of 3 answered" not in page
        assert "1 of 8 raters have answered so far" in page
        auth.logout()
    auth.login(world.hr)
    page = client.get(url).get_data(as_text=True)
    assert page.count("data-group-answered") == 4 and "1 of 3 answered" in page


def test_a_rater_who_answered_cannot_be_withdrawn(world):
    from tests.assessments.review360.conftest import nominate_and_approve

    nominate_and_approve(world)
    rater = world.rater("customer", email="c0@customer.example")
    answer(world, rater, 2)
    for actor in (world.manager, world.hr):  # the subject's list is closed once sent
        with pytest.raises(DomainError, match="already answered"):
            nominations.withdraw(db.session, actor, rater)
