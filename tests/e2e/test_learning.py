"""The new hire's learning journey: path → lessons → a completed course → the path moves on,
in English and in Chinese."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import AuditedPage, login_as, switch_language

pytestmark = pytest.mark.e2e

# The demo agent (E0101) is on the new-hire tier, part-way through New-hire basics.
LANGUAGES = {
    "English": {"continue": "Continue learning", "complete": "Mark complete",
                "done": "Well done: you have completed"},
    "简体中文": {"continue": "继续学习", "complete": "标记为已完成", "done": "恭喜"},
}


def path_percent(page: AuditedPage) -> int:
    return int(page.raw.locator("#path-progress").get_attribute("value"))


def open_my_path(page: AuditedPage) -> None:
    page.goto("/my-path")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_new_hire_completes_a_course_and_the_path_moves_on(page, language):
    words = LANGUAGES[language]
    login_as(page, "agent")
    if language != "English":
        switch_language(page, language)
        assert page.html_lang() == "zh-Hans"
    open_my_path(page)
    before = path_percent(page)
    assert 0 < before < 100
    page.click(page.raw.get_by_role("link", name=words["continue"]))
    first_lesson = page.path
    assert "/lessons/" in first_lesson
    expect(page.raw.locator("main article, main .lesson-body").first).to_be_visible()
    # Read and complete lessons one after another until the course is done.
    for _ in range(40):
        page.click(page.raw.get_by_role("button", name=words["complete"]))
        if "/lessons/" not in page.path:
            break
    else:
        pytest.fail("the course was not completed after 40 lessons")
    expect(page.raw.locator(".flashes")).to_contain_text(words["done"])
    open_my_path(page)
    assert path_percent(page) > before
    # The completed course's lessons all show as done, and the first one cannot be completed
    # again.
    page.goto(first_lesson)
    expect(page.raw.get_by_role("button", name=words["complete"])).to_have_count(0)
