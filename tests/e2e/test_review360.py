"""A 360 cycle for the demo senior agent 赵敏 in the browser: her manager approves the
nominations, a peer and an external customer answer through their links (the customer's link
is dead afterwards), HR closes the cycle once the thresholds are met, and the weighted scores
show on her results and her competency profile."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assessments.review360.demo import DEMO_CUSTOMERS, DEMO_SUBJECT
from assessments.review360.models import Rater, Subject
from assessments.review360.services import responses
from lms.core.extensions import db
from lms.notifications.models import OutboxEmail
from lms.people.models import Person
from tests.e2e.pages import (
    AuditedPage,
    answer_360,
    flash_messages,
    login_as,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.e2e
SUBJECT_LOGIN = "agent04@demo.example"


def _others_answer() -> None:
    """The raters the journey does not drive answer through the service, as they would on
    their own screens: self, manager, and peers and customers up to three of each."""
    subject = db.session.scalar(select(Subject).join(Person, Person.id == Subject.person_id)
                                .where(Person.employee_id == DEMO_SUBJECT,
                                       Subject.score.is_(None)))
    needed = {"self": 1, "manager": 1, "peer": 3, "customer": 3}
    for rater in subject.raters:
        if rater.submitted:
            needed[rater.group] -= 1
    for rater in subject.raters:
        if rater.submitted or needed.get(rater.group, 0) <= 0:
            continue
        needed[rater.group] -= 1
        posted = {str(i.id): "4" for i in subject.version.items if i.kind == "rating"}
        responses.save(db.session, rater.person, rater, posted, submit=True,
                       external=rater.external)
    db.session.commit()
    db.session.remove()


def _mailed_links() -> list[str]:
    """The one-time links in the e-mails to the customers (the outbox: no SMTP in tests)."""
    bodies = db.session.scalars(select(OutboxEmail.body).where(
        OutboxEmail.to_address.in_([email for _, email in DEMO_CUSTOMERS]))
        .order_by(OutboxEmail.id)).all()
    db.session.remove()
    return [re.search(r"(/360/r/[A-Za-z0-9_-]+)", body).group(1) for body in bodies]


def test_senior_agent_360_cycle(page, browser, live_server, axe_source):
    # 1. The manager approves 赵敏's nominations; the customers' links go by e-mail only.
    login_as(page, "manager")
    page.goto("/360")
    page.click(page.raw.get_by_role("link", name="赵敏"))
    expect(page.heading()).to_have_text("360 raters of 赵敏")
    page.click(page.raw.get_by_role("button", name="Approve and invite the raters"))
    assert "Nominations approved; the raters are invited." in flash_messages(page)
    # The manager never sees the customers' links (they could answer in a customer's place).
    assert page.raw.locator("input[data-external-link]").count() == 0
    sign_out(page)
    links = _mailed_links()
    assert len(links) == 4 and all(link.startswith("/360/r/") for link in links)

    # 2. The peer 刘洋 (the demo agent) answers from their 360 page.
    login_as(page, "agent")
    page.goto("/360")
    page.click(page.raw.get_by_role("link", name="Feedback on 赵敏"))
    expect(page.raw.locator(".notice")).to_contain_text("anonymous")
    answer_360(page, 5)
    expect(page.heading()).to_have_text("Thank you")
    sign_out(page)

    # 3. An external customer answers through their link, without an account; then the link
    #    is dead.
    context = browser.new_context(bypass_csp=True, locale="en-GB")
    try:
        customer = AuditedPage(context.new_page(), live_server, axe_source)
        customer.goto(links[0])
        expect(customer.heading()).to_have_text("Feedback on 赵敏")
        assert customer.raw.locator(".account-link").count() == 0
        answer_360(customer, 5)
        expect(customer.heading()).to_have_text("Thank you")
        customer.goto(links[0])
        expect(customer.heading()).to_have_text("Already answered")
        customer.assert_all_audited()
    finally:
        context.close()

    # The other raters answer (self, manager, two more peers, two more customers).
    used_token = links[0].rsplit("/", 1)[1]
    from assessments.review360.services.nominations import hash_token

    used = db.session.scalar(select(Rater).where(Rater.token_hash == hash_token(used_token)))
    assert used.submitted
    db.session.remove()
    _others_answer()

    # 4. HR sees the response rates and closes the cycle; the results show every group.
    login_as(page, "hr")
    page.goto("/360/cycles")
    page.click(page.raw.get_by_role("link", name="Q4 360 review", exact=True))
    row = page.raw.locator("tbody tr", has_text="赵敏")
    expect(row).to_contain_text("3 / 4")
    page.click(page.raw.get_by_role("button", name="Close and publish results"))
    assert "The cycle is closed and its results are out." in flash_messages(page)
    page.click(page.raw.locator("tbody tr", has_text="赵敏").get_by_role("link",
                                                                         name="Results"))
    expect(page.heading()).to_have_text("360 results of 赵敏")
    groups = page.raw.locator("table", has_text="Rater groups")
    expect(groups.locator("tr", has_text="Peers")).not_to_contain_text("Not shown")
    expect(groups.locator("tr", has_text="Customers")).not_to_contain_text("Not shown")
    expect(page.raw.locator("svg[role=img]")).to_have_count(2)
    sign_out(page)

    # 5. 赵敏 sees her results, and the weighted scores are on her competency profile.
    page.goto("/login")
    sign_in(page, SUBJECT_LOGIN)
    levels = page.raw.locator("table", has_text="Your level")
    expect(levels.locator("tr", has_text="Active listening").locator("td").last).to_have_text(
        re.compile(r"^[1-5]$"))
    expect(levels.locator("tr", has_text="Active listening")).not_to_contain_text(
        "No evidence yet")
    page.goto("/360")
    page.click(page.raw.get_by_role("link", name="See your results"))
    expect(page.raw.locator("[data-overall]")).not_to_have_text("–")
