"""Role-plays in the browser: a new hire performs the typed chat of a demo scenario with the
scripted customer; their mentor grades it from the queue (where the demo's overdue one is
marked); the agent reads the rubric breakdown; a lead asks for a blind second grade, a second
mentor gives it, and the pair shows up in the agreement figures."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import (
    chat_lines,
    flash_messages,
    follow_nav_link,
    login_as,
    press_grade_button,
    rate_every_criterion,
    send_chat,
    sign_in,
    sign_out,
    start_scripted_chat,
    submit_roleplay,
)

pytestmark = pytest.mark.e2e
SCENARIO = "Smart band will not sync"


def sign_in_as(page, email: str) -> None:
    page.goto("/login")
    sign_in(page, email)
    expect(page.raw.locator(".account-link")).to_be_visible()


def test_typed_roleplay_graded_from_the_queue_with_a_blind_second_grade(page, demo):
    login_as(page, "agent")
    follow_nav_link(page, "/roleplays")
    start_scripted_chat(page, SCENARIO)
    submission_path = page.path
    assert chat_lines(page) == [
        "This is the fifth time I'm contacting you about my band. It still doesn't sync!"]
    send_chat(page, "I'm so sorry you've had to contact us five times. Your ticket number?")
    assert chat_lines(page)[-1] == "Thank you... at least someone listens. My ticket is 88231."
    # A message that answers nothing: the customer asks again and the script waits.
    send_chat(page, "Hmm.")
    assert chat_lines(page)[-1] == ("I don't follow. What do you need from me to fix the "
                                    "sync?")
    send_chat(page, "What changed when the syncing stopped? A new phone?")
    assert chat_lines(page)[-1] == "Yes! It started when I moved to my new phone. Does that " \
        "matter?"
    send_chat(page, "Please unpair the band from the old phone's account and pair it again.")
    assert chat_lines(page)[-1].startswith("OK, I've unpaired it and paired it again")
    send_chat(page, "I've noted it on ticket 88231 and will follow up with a call on Friday.")
    assert chat_lines(page)[-1] == "A follow-up call on Friday is fine. Thank you."
    submit_roleplay(page)
    assert any("Submitted" in m for m in flash_messages(page))
    expect(page.raw.locator(".badge", has_text="Waiting for feedback")).to_be_visible()
    sign_out(page)

    # The agent's own mentor (mentor@, the README's chain) grades it from the queue.
    login_as(page, "mentor")
    follow_nav_link(page, "/roleplays/queue")
    overdue = page.raw.locator("tr.row-overdue", has_text="杨磊")
    expect(overdue.locator(".badge", has_text="Overdue")).to_be_visible()
    row = page.raw.locator("tbody tr", has_text="刘洋")
    expect(row).not_to_have_class(re.compile("row-overdue"))
    page.click(row.get_by_role("link", name=re.compile("Open")))
    expect(page.raw.locator(".chat")).to_contain_text("my new phone")
    rate_every_criterion(page, 0, "Clear and warm.")
    # The script previews the score as levels are chosen; the server's is the one stored.
    expect(page.raw.locator("#grade-form .live-score")).to_contain_text(
        "100 % (pass mark 80 %) — pass")
    press_grade_button(page, "Save draft")
    expect(page.raw.locator(".score-line")).to_contain_text("100 %")
    rate_every_criterion(page, 2)  # "Partly" everywhere: 50.0, a fail
    page.raw.locator("#grade-form-comment").fill("Good steps; make the close tighter.")
    press_grade_button(page, "Release to the agent")
    expect(page.raw.locator(".form-errors")).to_contain_text("improvement note")
    page.raw.locator("#grade-form-note").fill("Summarise the fix and the follow-up date.")
    rate_every_criterion(page, 0, "Clear and warm.")
    press_grade_button(page, "Release to the agent")
    assert any("released" in m for m in flash_messages(page))
    expect(page.raw.locator("tbody tr", has_text="刘洋")).to_have_count(0)
    sign_out(page)

    # The agent sees the breakdown.
    login_as(page, "agent")
    page.goto(submission_path)
    expect(page.raw.locator("#result-heading")).to_contain_text("100 %")
    breakdown = page.raw.locator("table.rubric-breakdown")
    expect(breakdown).to_contain_text("Excellent")
    expect(breakdown).to_contain_text("Clear and warm.")
    sign_out(page)

    # A lead asks for a blind second grade by another mentor.
    login_as(page, "admin")
    page.goto(submission_path + "/grade")
    second = page.raw.locator("form", has=page.raw.locator('input[name="second"]'))
    second.locator("select").select_option(label="Анна Смирнова")
    page.click(second.locator("button[type=submit]"))
    sign_out(page)

    sign_in_as(page, "mentor.anna@demo.example")
    follow_nav_link(page, "/roleplays/queue")
    row = page.raw.locator("tbody tr", has_text="刘洋")
    expect(row).to_contain_text("blind second grade")
    page.click(row.get_by_role("link", name=re.compile("Open")))
    # Blind: the first mentor's grade is not on this page.
    expect(page.raw.locator("main")).not_to_contain_text("Clear and warm.")
    rate_every_criterion(page, 0)
    criteria = page.raw.locator("#grade-form fieldset.criterion")
    last = criteria.nth(criteria.count() - 1).locator('input[type="radio"]')
    last.nth(last.count() - 2).check()  # one level apart on the close
    press_grade_button(page, "Release my grade")
    sign_out(page)

    login_as(page, "admin")
    page.goto("/roleplays/agreement")
    pair = page.raw.locator("table", has_text="Per pair of mentors").locator(
        "tbody tr", has_text="Анна Смирнова")
    expect(pair).to_contain_text("李娜")
    expect(pair.locator("td").nth(1)).to_have_text("9")      # nine criteria rated by both
    expect(pair.locator("td").nth(3)).to_have_text("100.0 %")  # all within one level
