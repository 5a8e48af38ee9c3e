"""Browser journey of the improvement loop: the demo agent performs a role-play and fails
it; their mentor releases the grade and finds the plan it opened (or extended) on the plans
page and on the home to-do list; the agent sees it on My path, with the scenario to perform
again as its follow-up. HR's report per team and the admin's settings pass the accessibility
checks in both languages."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import (
    flash_messages,
    follow_nav_link,
    login_as,
    press_grade_button,
    rate_every_criterion,
    send_chat,
    sign_out,
    start_scripted_chat,
    submit_roleplay,
    switch_language,
)

pytestmark = pytest.mark.e2e
SCENARIO = "Smart band will not sync"
FAILED = f"Role-play “{SCENARIO}” failed"


def test_a_failed_roleplay_opens_a_plan_the_mentor_and_the_agent_see(page, demo):
    login_as(page, "agent")
    follow_nav_link(page, "/roleplays")
    start_scripted_chat(page, SCENARIO)
    send_chat(page, "Hmm.")
    submit_roleplay(page)
    assert any("Submitted" in m for m in flash_messages(page))
    sign_out(page)

    login_as(page, "mentor")
    follow_nav_link(page, "/roleplays/queue")
    row = page.raw.locator("tbody tr", has_text="刘洋")
    page.click(row.get_by_role("link", name="Open").first)
    rate_every_criterion(page, 3)                  # the lowest level everywhere: a fail
    page.raw.locator("#grade-form-note").fill("Acknowledge the five contacts first.")
    press_grade_button(page, "Release to the agent")
    assert any("released" in m for m in flash_messages(page))
    page.goto("/plans")
    plan_row = page.raw.locator("main tbody tr", has_text="刘洋").filter(has_text=FAILED)
    expect(plan_row).to_have_count(1)
    page.click(plan_row.get_by_role("link", name="刘洋"))
    follow_ups = page.raw.locator("ul.plan-follow-ups")
    expect(follow_ups).to_contain_text(f"Pass the role-play {SCENARIO}")
    page.goto("/")
    expect(page.raw.locator("main")).to_contain_text("Check in on 刘洋's improvement plan")
    sign_out(page)

    login_as(page, "agent")
    page.goto("/my-path")
    card = page.raw.locator("section.improvement-plans")
    expect(card).to_contain_text(FAILED)
    page.click(card.locator("tbody tr", has_text=FAILED).get_by_role("link", name="刘洋"))
    expect(page.raw.locator("ul.plan-follow-ups")).to_contain_text(SCENARIO)
    switch_language(page, "简体中文")
    expect(page.raw.locator("ul.plan-follow-ups")).to_contain_text("手环无法同步数据")


def test_the_plan_report_and_settings_in_both_languages(page, demo):
    login_as(page, "hr")
    page.goto("/plans/report")
    expect(page.raw.locator("main tfoot")).to_contain_text("All teams")
    switch_language(page, "简体中文")
    page.goto("/plans/report")
    expect(page.raw.locator("main h1")).to_contain_text("各团队的改进计划")
    sign_out(page)
    login_as(page, "admin")
    page.goto("/admin/plans/settings")
    expect(page.raw.locator("main h1")).to_contain_text("Improvement plan settings")
    switch_language(page, "简体中文")
    page.goto("/admin/plans/settings")
    expect(page.raw.locator("main h1")).to_contain_text("改进计划设置")
