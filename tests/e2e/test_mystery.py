"""A mystery shopper reports a visit through the one-time link in the invitation (the page in
the language the invitation was written in); the link is dead afterwards. The agent finds the
score and the checklist behind it (in both languages), and HR sees the visit answered in the
month's list."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assessments.review360.mystery.models import MysteryVisit
from lms.core.extensions import db
from lms.notifications.models import OutboxEmail
from lms.people.models import Person
from tests.e2e.pages import (
    answer_mystery_checklist,
    login_as,
    sign_in,
    switch_language,
)

pytestmark = pytest.mark.e2e
AGENT = "E0109"
AGENT_LOGIN = "agent09@demo.example"
THANK_YOU = "谢谢"


def _mailed_link(app) -> str:
    """The link in the invitation for the demo's pending visit of AGENT (the outbox)."""
    with app.app_context():
        visit = db.session.scalar(select(MysteryVisit).join(
            Person, Person.id == MysteryVisit.agent_id).where(Person.employee_id == AGENT))
        body = db.session.scalar(select(OutboxEmail.body).where(
            OutboxEmail.to_address == visit.shopper.email,
            OutboxEmail.body.contains(visit.agent.name)).order_by(OutboxEmail.id.desc()))
        db.session.remove()
    return re.search(r"(/mystery/v/[A-Za-z0-9_-]+)", body).group(1)


def test_a_shopper_reports_and_the_agent_sees_the_score(page, app):
    link = _mailed_link(app)
    # The shopper was invited in Chinese: the checklist speaks it too.
    page.goto(link)
    expect(page.heading()).to_have_text("神秘顾客检查表")
    expect(page.raw.locator("main")).to_contain_text("政策准确性")
    # The refund-timing statement (item 10) was got wrong: 15 of 17 weights, 88.2 %.
    answer_mystery_checklist(page, {10: "no"})
    expect(page.heading()).to_have_text(THANK_YOU)
    page.goto(link)
    expect(page.heading()).to_have_text("已提交")

    page.goto("/login")
    sign_in(page, AGENT_LOGIN)
    page.goto("/mystery")
    results = page.raw.locator("main table")
    expect(results).to_contain_text("88.2 %")
    page.click(results.get_by_role("link", name="88.2 %").first)
    main = page.raw.locator("main")
    expect(main).to_contain_text("Policy accuracy")
    expect(main.locator("[data-score]")).to_have_text("88.2 %")
    switch_language(page, "简体中文")
    expect(main).to_contain_text("政策准确性")
    expect(main).to_contain_text("正确说明了退款时效")


def test_hr_sees_the_months_visits(page):
    login_as(page, "hr")
    page.goto("/mystery/programmes")
    page.click(page.raw.locator("main table").get_by_role("link", name="Hotline — Shanghai"))
    expect(page.raw.locator("main")).to_contain_text("Grace Lin")
    page.goto("/mystery/visits")
    table = page.raw.locator("main table")
    expect(table).to_contain_text("Answered")
    expect(table).to_contain_text("Invited")
