"""Page helpers for the browser journeys: every navigation goes through `AuditedPage`, which
checks the new document with axe-core; selectors live here, not in the tests."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Response, expect

from lms.demo import DEMO_PASSWORD
from tests.e2e.accessibility import audit, describe, structure_problems

DEMO_LOGINS = {
    "admin": "admin@demo.example",
    "hr": "hr@demo.example",
    "manager": "manager@demo.example",
    "mentor": "mentor@demo.example",
    "agent": "agent@demo.example",
}


class AuditedPage:
    """A Playwright page whose every navigation is followed by an accessibility check.

    Main-frame navigations are counted; a navigation that did not go through one of these
    methods (and so was not audited) fails the test at the next step or at the end.
    """

    def __init__(self, page: Page, base_url: str, axe_source: str):
        self.raw = page
        self.base_url = base_url.rstrip("/")
        self._axe_source = axe_source
        self._navigations = 0
        self._audited = 0
        self.visited: list[str] = []
        page.on("framenavigated", self._count)

    def _count(self, frame) -> None:
        if frame == self.raw.main_frame:
            self._navigations += 1

    def assert_all_audited(self) -> None:
        if self._navigations != self._audited:
            pytest.fail(f"{self.raw.url} was reached without an accessibility check; navigate "
                        "through AuditedPage (goto/click/submit/back).", pytrace=False)

    def audit(self) -> None:
        """Check the current document with axe; fails on serious or critical violations."""
        self.raw.wait_for_load_state("load")
        violations = audit(self.raw, self._axe_source)
        self._audited = self._navigations
        self.visited.append(self.path)
        if violations:
            report = describe(self.raw.url, violations)
            print(report)
            pytest.fail(report, pytrace=False)
        problems = structure_problems(self.raw)
        if problems:
            report = f"Page structure problems on {self.raw.url}:\n- " + "\n- ".join(problems)
            print(report)
            pytest.fail(report, pytrace=False)

    @property
    def path(self) -> str:
        """The current URL without the server's origin (path and query)."""
        return self.raw.url.removeprefix(self.base_url) or "/"

    def goto(self, path: str, status: int = 200) -> Response:
        """Open `path` (relative to the live server) and expect the final response `status`."""
        self.assert_all_audited()
        response = self.raw.goto(self.base_url + path)
        assert response is not None
        assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"
        self.audit()
        return response

    def click(self, target: Locator, timeout: float | None = None) -> None:
        """Click a link or submit button that leads to a new page, then audit that page;
        `timeout` (ms) for a page known to be slow (the context's default otherwise)."""
        self.assert_all_audited()
        with self.raw.expect_navigation(timeout=timeout):
            target.click(timeout=timeout)
        self.audit()

    def press(self, target: Locator, key: str = "Enter") -> None:
        """Focus a link or submit button and press `key` (the keyboard's way of clicking) to
        reach a new page, then audit that page."""
        self.assert_all_audited()
        with self.raw.expect_navigation():
            target.press(key)
        self.audit()

    def back(self) -> None:
        """The browser's back button."""
        self.assert_all_audited()
        self.raw.go_back()
        self.audit()

    def heading(self) -> Locator:
        return self.raw.get_by_role("heading", level=1)

    def html_lang(self) -> str | None:
        return self.raw.locator("html").get_attribute("lang")


# Sign-in and navigation


def sign_in(page: AuditedPage, login: str, password: str = DEMO_PASSWORD) -> None:
    """Fill the sign-in form (the page must show it) and submit."""
    page.raw.locator('input[name="login"]').fill(login)
    page.raw.locator('input[name="password"]').fill(password)
    page.click(page.raw.locator("main form button[type=submit]"))


def login_as(page: AuditedPage, role: str) -> None:
    """Sign in with the demo log-in for `role` and land on the home page."""
    page.goto("/login")
    sign_in(page, DEMO_LOGINS[role])
    expect(page.raw).to_have_url(re.compile(r"/$"))
    expect(page.raw.locator(".account-link")).to_be_visible()


def sign_out(page: AuditedPage) -> None:
    """Press "Sign out" in the header."""
    page.click(page.raw.locator('form[action="/logout"] button[type=submit]'))


def on_login_page(page: AuditedPage) -> bool:
    return page.raw.url.startswith(page.base_url + "/login") and page.raw.locator(
        'input[name="password"]').count() == 1


def main_nav(page: AuditedPage) -> Locator:
    return page.raw.locator('header nav[aria-label="Main"]')


def nav_links(page: AuditedPage) -> dict[str, str]:
    """The main navigation's links as {text: href}, in order."""
    pairs = main_nav(page).locator("a").evaluate_all(
        "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])"
    )
    return dict(pairs)


def follow_nav_link(page: AuditedPage, href: str) -> None:
    page.click(main_nav(page).locator(f'a[href="{href}"]'))


def open_account(page: AuditedPage) -> None:
    page.click(page.raw.locator(".account-link"))


# Language


def switch_language(page: AuditedPage, language_name: str) -> None:
    """Choose a language by its own name (e.g. "简体中文") in the header switcher."""
    form = page.raw.locator("form.language-form")
    form.locator("select").select_option(label=language_name)
    page.click(form.locator("button[type=submit]"))


# People and CSV onboarding


def upload_people_csv(page: AuditedPage, text: str, filename: str = "people.csv") -> None:
    """On the import page: choose a CSV file with `text` and ask for the preview."""
    form = page.raw.locator('main form[enctype="multipart/form-data"]')
    form.locator('input[type="file"]').set_input_files(
        files=[{"name": filename, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
    )
    page.click(form.locator("button[type=submit]"))


def confirm_import(page: AuditedPage) -> None:
    page.click(page.raw.locator('main form input[name="confirm"] >> xpath=..')
               .locator("button[type=submit]"))


def import_problems(page: AuditedPage) -> list[tuple[int, str]]:
    """The (line, message) rows of the import's problem table."""
    rows = page.raw.locator('section[aria-labelledby="problems-heading"] tbody tr')
    return [(int(r.locator("td").nth(0).inner_text()), r.locator("td").nth(1).inner_text())
            for r in rows.all()]


def search_people(page: AuditedPage, query: str) -> None:
    form = page.raw.locator('main form[role="search"]')
    form.locator('input[name="q"]').fill(query)
    page.click(form.locator("button[type=submit]"))


def flash_messages(page: AuditedPage) -> list[str]:
    return [t.strip() for t in page.raw.locator(".flashes .flash").all_inner_texts()]


# Quizzes and exams


def question(page: AuditedPage, slot: int) -> Locator:
    """The fieldset of question `slot` on the attempt page."""
    return page.raw.locator(f"fieldset#q{slot}")


def answer_question(page: AuditedPage, slot: int, qtype: str, answer) -> None:
    """Give an answer the way a learner does: click the options, type, pick from lists.
    `answer`: an option id, a list of ids (multiple), "true"/"false", text, or
    {prompt id: choice id} (matching)."""
    fieldset = question(page, slot)
    if qtype in ("single", "truefalse"):
        fieldset.locator(f'input[type="radio"][value="{answer}"]').check()
    elif qtype == "multiple":
        for option in answer:
            fieldset.locator(f'input[type="checkbox"][value="{option}"]').check()
    elif qtype == "matching":
        for prompt, choice in answer.items():
            fieldset.locator(f'select[name="q{slot}.{prompt}"]').select_option(choice)
    else:
        fieldset.locator(f'[name="q{slot}"]').fill(answer)


def expect_saved(page: AuditedPage, slot: int) -> None:
    """Wait until the autosave script reports the question's answer saved on the server."""
    expect(question(page, slot).locator("[data-save-status]")).to_have_text("Saved")


def answered_value(page: AuditedPage, slot: int, qtype: str):
    """What the page shows as the answer to question `slot` (the inverse of answer_question)."""
    fieldset = question(page, slot)
    if qtype in ("single", "truefalse"):
        checked = fieldset.locator('input[type="radio"]:checked')
        return checked.get_attribute("value") if checked.count() else None
    if qtype == "multiple":
        return sorted(box.get_attribute("value")
                      for box in fieldset.locator('input[type="checkbox"]:checked').all())
    if qtype == "matching":
        return {select.get_attribute("name").split(".", 1)[1]: select.input_value()
                for select in fieldset.locator("select").all()}
    return fieldset.locator(f'[name="q{slot}"]').input_value()


# Role-plays


def start_scripted_chat(page: AuditedPage, scenario_title: str) -> None:
    """From the role-play list: open a scenario and start a chat with the scripted customer."""
    page.click(page.raw.locator("main").get_by_role("link", name=scenario_title))
    page.raw.locator('select[name="customer_side"]').select_option("script")
    page.click(page.raw.locator("main form button[type=submit]", has_text="Start the typed chat"))


def chat_lines(page: AuditedPage) -> list[str]:
    """The transcript's message texts, in order."""
    return [t.strip() for t in page.raw.locator(".chat .chat-text").all_inner_texts()]


def send_chat(page: AuditedPage, text: str) -> None:
    page.raw.locator(".chat-form textarea").fill(text)
    page.click(page.raw.locator(".chat-form button[type=submit]"))


def submit_roleplay(page: AuditedPage) -> None:
    page.click(page.raw.locator(".submit-form button[type=submit]"))


def rate_every_criterion(page: AuditedPage, rank_from_top: int, comment: str = "",
                         form: str = "#grade-form") -> None:
    """On the grading screen: pick the level `rank_from_top` below the best for every
    criterion (0: the best level) and write a comment on each."""
    criteria = page.raw.locator(f"{form} fieldset.criterion")
    for index in range(criteria.count()):
        radios = criteria.nth(index).locator('input[type="radio"]')
        radios.nth(radios.count() - 1 - rank_from_top).check()
        if comment:
            criteria.nth(index).locator("textarea").fill(comment)


def press_grade_button(page: AuditedPage, label: str, form: str = "#grade-form") -> None:
    page.click(page.raw.locator(f"{form} button", has_text=label))
# 360 feedback


def answer_360(page: AuditedPage, value: int) -> None:
    """On a 360 questionnaire: choose `value` for every statement, then submit."""
    for fieldset in page.raw.locator("main form fieldset.question").all():
        fieldset.locator(f'input[type="radio"][value="{value}"]').check()
    page.click(page.raw.locator('main form button[name="intent"][value="submit"]'))


def answer_mystery_checklist(page: AuditedPage, answers: dict[int, str] | None = None) -> None:
    """On a mystery-shopper checklist: "yes" for every item but those in `answers` (by the
    item's number as shown: {9: "no"}), then submit."""
    answers = answers or {}
    for number, fieldset in enumerate(page.raw.locator("main form fieldset.question").all(),
                                      start=1):
        value = answers.get(number, "yes")
        fieldset.locator(f'input[type="radio"][value="{value}"]').check()
    page.click(page.raw.locator("main form button[type=submit]"))


# Certificates


def certificate_rows(page: AuditedPage) -> Locator:
    """The rows of the certificates table on a certification page."""
    return page.raw.locator("main table tbody tr")


def open_certificate(page: AuditedPage, serial: str) -> None:
    page.click(page.raw.get_by_role("link", name=serial, exact=True))


def download(page: AuditedPage, link_text: str) -> bytes:
    """Click a download link on the page; returns the file's bytes (no navigation)."""
    with page.raw.expect_download() as info:
        page.raw.get_by_role("link", name=link_text, exact=True).click()
    path = info.value.path()
    with open(path, "rb") as handle:
        return handle.read()


def verification_path(page: AuditedPage) -> str:
    """The verification page's path from the certificate page."""
    href = page.raw.locator('dd a[href*="/verify/"]').get_attribute("href")
    return "/verify/" + href.rsplit("/verify/", 1)[1]


def revoke_certificate(page: AuditedPage, reason: str) -> None:
    page.raw.get_by_label("Reason").first.fill(reason)
    page.click(page.raw.get_by_role("button", name="Revoke the certificate"))


def shoot(page: AuditedPage, name: str) -> None:
    """Screenshots at desktop and phone widths for people reviewing the pages, into
    SHOTS_DIR when it is set (nothing otherwise)."""
    shots = os.environ.get("SHOTS_DIR", "")
    if not shots:
        return
    for width in (1280, 390):
        page.raw.set_viewport_size({"width": width, "height": 900})
        page.raw.screenshot(path=str(Path(shots) / f"{name}-{width}.png"), full_page=True)
    page.raw.set_viewport_size({"width": 1280, "height": 900})
