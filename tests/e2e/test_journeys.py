"""Browser journeys: each role's pages, the language switch, access refusals, signing out."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import (
    DEMO_LOGINS,
    flash_messages,
    follow_nav_link,
    login_as,
    nav_links,
    on_login_page,
    open_account,
    sign_in,
    sign_out,
    switch_language,
)

pytestmark = pytest.mark.e2e

# The links (by their English text) each role must see in the main navigation, and the ones
# it must not; other packages may add more.
EVERYONE = {"Home", "Certification paths", "Competency matrix"}
NAV_EXPECTED = {
    "admin": EVERYONE | {"People", "Teams", "Framework"},
    "hr": EVERYONE | {"People", "Teams"},
    "manager": EVERYONE | {"People"},
    "mentor": EVERYONE | {"People"},
    "agent": EVERYONE,
}
NAV_FORBIDDEN = {
    "hr": {"Framework"},
    "manager": {"Teams", "Framework"},
    "mentor": {"Teams", "Framework"},
    "agent": {"People", "Teams", "Framework"},
}


@pytest.mark.parametrize("role", list(DEMO_LOGINS))
def test_each_role_walks_its_navigation(page, demo, role):
    login_as(page, role)
    _, name = demo[DEMO_LOGINS[role]]
    expect(page.heading()).to_contain_text(name)
    links = nav_links(page)
    assert NAV_EXPECTED[role] <= set(links), links
    assert not NAV_FORBIDDEN.get(role, set()) & set(links), links
    for href in links.values():
        follow_nav_link(page, href)
        assert page.path == href
        expect(page.heading()).to_be_visible()
    open_account(page)
    expect(page.heading()).to_be_visible()


def test_language_switch_to_chinese_and_back(page):
    page.goto("/login")
    assert page.html_lang() == "en"
    switch_language(page, "简体中文")
    assert on_login_page(page)
    assert page.html_lang() == "zh-Hans"
    switch_language(page, "English")
    assert page.html_lang() == "en"
    login_as(page, "agent")
    switch_language(page, "简体中文")
    assert page.path == "/"
    assert page.html_lang() == "zh-Hans"
    expect(page.heading()).to_be_visible()
    # The choice is kept for the person, page after page.
    page.goto("/matrix")
    assert page.html_lang() == "zh-Hans"
    expect(page.heading()).to_be_visible()
    switch_language(page, "English")
    assert page.path == "/matrix"
    assert page.html_lang() == "en"
    expect(page.heading()).to_be_visible()


def test_agent_gets_the_403_page_for_someone_else(page, demo):
    agent_id, _ = demo[DEMO_LOGINS["agent"]]
    other_id, _ = demo[DEMO_LOGINS["hr"]]
    login_as(page, "agent")
    page.goto(f"/people/{agent_id}")
    page.goto(f"/people/{other_id}", status=403)
    expect(page.heading()).to_have_text("Not allowed")
    page.goto("/people", status=403)
    expect(page.heading()).to_have_text("Not allowed")


def test_after_sign_out_back_button_and_old_url_need_sign_in(page):
    login_as(page, "manager")
    follow_nav_link(page, "/people")
    sign_out(page)
    assert on_login_page(page)
    assert "You have signed out." in flash_messages(page)
    page.back()
    assert on_login_page(page), page.path
    page.goto("/people")
    assert on_login_page(page)
    assert page.path.startswith("/login?next=")
    # Signing in again returns to the page that was asked for.
    sign_in(page, DEMO_LOGINS["manager"])
    expect(page.raw).to_have_url(re.compile(r"/people$"))
