"""Every role's day starts from the home page's to-do list: each item opens the page where it is
done, at a desk (1280 px) and on a phone (390 px), and finishing one takes it off the list."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DEMO_LOGINS, AuditedPage, login_as

pytestmark = pytest.mark.e2e
WIDTHS = (1280, 390)


def todo_links(page: AuditedPage) -> list[tuple[str, str]]:
    """The to-do list's plain links as (text, href), in the page's order."""
    return page.raw.locator(".todo-list a").evaluate_all(
        "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])")


def page_overflows(page: AuditedPage) -> bool:
    """True when the page scrolls sideways as a whole (wide tables scroll in their own box)."""
    return page.raw.evaluate(
        "() => document.scrollingElement.scrollWidth > window.innerWidth + 1")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", list(DEMO_LOGINS))
def test_each_role_starts_from_the_to_do_list(page, demo, role, width):
    page.raw.set_viewport_size({"width": width, "height": 900})
    login_as(page, role)
    expect(page.raw.locator("#todo-heading")).to_be_visible()
    items = todo_links(page)
    assert items, f"the demo {role} has something to do"
    assert not page_overflows(page)
    for text, href in items:
        page.goto("/")
        page.click(page.raw.locator(f'.todo-list a[href="{href}"]').first)
        assert page.path == href, (text, page.path)
        expect(page.heading()).to_be_visible()
        assert not page_overflows(page), f"{href} scrolls sideways at {width} px"


def test_manager_approves_nominations_from_the_list(page, demo):
    login_as(page, "manager")
    item = page.raw.locator(".todo-list a", has_text="Approve the 360 raters").first
    href = item.get_attribute("href")
    page.click(item)
    page.click(page.raw.get_by_role("button", name="Approve and invite the raters"))
    page.goto("/")
    assert href not in [h for _text, h in todo_links(page)]
