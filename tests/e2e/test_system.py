"""Browser journey: an administrator reads the System page (fonts and deployment checks)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login_as

pytestmark = pytest.mark.e2e


def test_admin_reads_the_system_page_on_a_desktop_and_a_phone(page):
    login_as(page, "admin")
    page.click(page.raw.get_by_role("link", name="System", exact=True))
    assert page.path == "/admin/system"
    checks = page.raw.locator("main table")
    expect(checks).to_contain_text("PDF fonts")
    expect(checks.get_by_role("row", name="Chinese")).to_contain_text(
        "Drawn with Noto Sans CJK SC.")
    page.raw.set_viewport_size({"width": 390, "height": 844})
    page.audit()  # the two-line layout of a phone passes axe too
    details = checks.get_by_role("row", name="Chinese").locator("td").last
    box = details.bounding_box()
    assert box["x"] + box["width"] <= 390, f"the details end at {box['x'] + box['width']}px"
