"""An xAPI (Tin Can) journey: an admin brings a small package (tests/assessments/scorm/
tincan_package.py, real xAPI calls from its script) through the course import page as a
lesson's content; an agent launches it from the lesson, answers, closes the browser mid-way,
comes back in a new browser at the same page (its bookmark kept by the LMS's /xapi/ state
resource), finishes; the lesson shows completed and the real LRS (Ralph, tests/lrs.py) holds
the package's statements beside the LMS's own, all of them the agent's."""

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assessments.scorm.models import ScormAttempt
from assessments.scorm.services import tincan
from lms.core.extensions import db
from lms.people.models import Person
from reports.services import xapi
from tests.assessments.scorm.tincan_package import ROOT, make_tincan_package
from tests.e2e.packages.players import agent_lesson, frame, package_id, wait_for
from tests.e2e.pages import AuditedPage, flash_messages, login_as, shoot
from tests.lrs import PASSWORD, USERNAME

pytestmark = pytest.mark.e2e


def bookmark(attempt) -> int | None:
    """The page the package's bookmark state document names, if it stored one."""
    document = tincan.get_state(attempt, ROOT, "bookmark")
    return json.loads(document["body"]).get("page") if document else None


def test_xapi_package_resumes_and_completes_the_lesson(app, page, browser, live_server,
                                                       axe_source, tmp_path, lrs):
    app.config["PUBLIC_URL"] = live_server  # the launch's endpoint is built on it
    agent_id, course_id, lesson_key = agent_lesson(app)
    zip_path = tmp_path / "refund-xapi.zip"
    zip_path.write_bytes(make_tincan_package())

    # The admin brings it through the course import page: a dry run first.
    login_as(page, "admin")
    page.goto("/author/courses/import")
    page.raw.set_input_files("input[name=file]", str(zip_path))
    page.raw.locator("input[name=lesson_key]").fill(lesson_key)
    page.click(page.raw.get_by_role("button", name="Check the file"))
    report = page.raw.locator("#dry-run")
    expect(report).to_contain_text("xAPI")
    expect(report).to_contain_text("Refund basics (xAPI)")
    shoot(page, "xapi-import-dry-run-en")
    page.click(page.raw.get_by_role("button", name="Import"))
    assert "The xAPI package Refund basics (xAPI) is ready." in flash_messages(page)

    # The agent starts, answers, and closes the browser on page 3.
    first = browser.new_context(locale="en-GB", bypass_csp=True)
    agent = AuditedPage(first.new_page(), live_server, axe_source)
    login_as(agent, "agent")
    lesson_url = f"/courses/{course_id}/lessons/{lesson_key}"
    agent.goto(lesson_url)
    agent.click(agent.raw.get_by_role("link",
                                      name="Interactive module: Refund basics (xAPI)"))
    expect(frame(agent).locator("#where")).to_have_text("Page 1 of 4")
    frame(agent).get_by_role("button", name="Next").click()
    frame(agent).get_by_role("button", name="Next").click()
    expect(frame(agent).locator("#where")).to_have_text("Page 3 of 4")
    wait_for(app, lambda a: bookmark(a) == 3, "stored its bookmark on page 3")
    expect(frame(agent).locator("#problem")).to_have_text("")
    shoot(agent, "xapi-player-en")
    first.close()

    # A new browser: the package asks the LMS for its bookmark and opens on page 3.
    second = browser.new_context(locale="zh-CN", bypass_csp=True)
    agent = AuditedPage(second.new_page(), live_server, axe_source)
    try:
        login_as(agent, "agent")
        agent.goto(lesson_url)
        agent.click(agent.raw.locator(f"a[href='/scorm/{package_id(app)}']"))
        expect(frame(agent).locator("#where")).to_have_text("Page 3 of 4")
        frame(agent).get_by_label("7 days").check()
        frame(agent).get_by_role("button", name="Next").click()
        expect(frame(agent).locator("#done")).to_be_visible()
        wait_for(app, lambda a: a.completed_at is not None, "completed")
        expect(frame(agent).locator("#problem")).to_have_text("")
        agent.goto(lesson_url)
        expect(agent.raw.locator(".badge-ok")).to_be_visible()
        shoot(agent, "xapi-lesson-done-zh")
        agent.assert_all_audited()
    finally:
        second.close()
    with app.app_context():
        attempt = db.session.scalars(select(ScormAttempt)).one()
        assert (attempt.person_id, attempt.success_status, attempt.score) == (
            agent_id, "passed", 100)
        report = xapi.send_pending(db.session, xapi.Lrs(lrs.endpoint, USERNAME, PASSWORD))
        db.session.commit()
        assert report.error == "" and report.pending == 0
        email = db.session.get(Person, agent_id).email
        db.session.remove()
    mine = [s for s in lrs.statements() if s["actor"].get("mbox") == f"mailto:{email}"]
    from_package = sorted(s["verb"]["display"]["en-US"] for s in mine
                          if s["object"]["id"].startswith("https://content.example.com/"))
    assert from_package == ["answered", "completed", "initialized", "initialized", "passed"]
    assert sorted(s["verb"]["display"]["en-US"] for s in mine
                  if s["object"]["id"].startswith(live_server)) == [
        "completed", "launched", "launched", "passed"]

