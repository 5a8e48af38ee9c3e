"""Browser check of the KPI reports at a desk (1280 px) and on a phone (390 px): HR reaches the
team KPI trend, the training impact and the group figures from the navigation (each page
axe-clean, nothing scrolling sideways but the tables' own boxes); a manager reads the trend of
their line but not the group figures."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import follow_nav_link, login_as, sign_out
from tests.e2e.test_home_todo import page_overflows

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", (1280, 390))
def test_kpi_reports_for_hr_and_a_manager(page, demo, width):
    page.raw.set_viewport_size({"width": width, "height": 900})
    login_as(page, "hr")
    follow_nav_link(page, "/reports/kpi-trend")
    expect(page.heading()).to_have_text("KPI trend")
    expect(page.raw.locator("figure.chart svg").first).to_be_visible()
    expect(page.raw.get_by_role("table", name="Customer satisfaction (CSAT) as a table")) \
        .to_contain_text("Target")
    assert not page_overflows(page)
    page.raw.locator('select[name="team"]').select_option(index=1)
    page.click(page.raw.get_by_role("button", name="Show"))
    expect(page.heading()).to_contain_text("·")
    assert not page_overflows(page)

    page.click(page.raw.get_by_role("navigation", name="KPI reports")
               .get_by_role("link", name="Training impact"))
    expect(page.heading()).to_have_text("Training impact")
    expect(page.raw.locator("table.impact-table").first).to_contain_text("Before")
    assert not page_overflows(page)

    follow_nav_link(page, "/reports/group-figures")
    expect(page.heading()).to_have_text("Group figures")
    expect(page.raw.locator("main")).to_contain_text("Pass rate per tier")
    assert not page_overflows(page)
    sign_out(page)

    login_as(page, "manager")
    follow_nav_link(page, "/reports/kpi-trend")
    expect(page.raw.locator("figure.chart svg").first).to_be_visible()
    page.goto("/reports/group-figures", status=403)
