"""A SCORM 1.2 journey: an admin uploads a small package (tests/assessments/scorm/package.py,
real run-time calls) as a lesson's content; an agent launches it from the lesson, answers,
closes the browser mid-way, comes back in a new browser at the same page, finishes; the
lesson shows completed and the LRS (a real Ralph, tests/lrs.py) holds the statements."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assessments.scorm.models import ScormAttempt
from lms.core.extensions import db
from lms.people.models import Person
from reports.services import xapi
from tests.assessments.scorm.package import make_package
from tests.e2e.packages.players import agent_lesson, frame, package_id, wait_for
from tests.e2e.pages import AuditedPage, flash_messages, login_as, shoot
from tests.lrs import PASSWORD, USERNAME

pytestmark = pytest.mark.e2e


def test_scorm_package_resumes_and_completes_the_lesson(app, page, browser, live_server,
                                                         axe_source, tmp_path, lrs):
    agent_id, course_id, lesson_key = agent_lesson(app)
    zip_path = tmp_path / "refund-basics.zip"
    zip_path.write_bytes(make_package())

    login_as(page, "admin")
    page.goto("/author/scorm")
    page.raw.set_input_files("input[name=file]", str(zip_path))
    page.raw.locator("input[name=lesson_key]").fill(lesson_key)
    page.click(page.raw.get_by_role("button", name="Upload"))
    assert "The SCORM 1.2 package Refund basics is ready." in flash_messages(page)
    shoot(page, "scorm-packages-en")

    # The agent starts, answers, and closes the browser on page 3.
    # CSP bypassed for axe only, as the page fixture does; the frame keeps its sandbox attribute.
    first = browser.new_context(locale="en-GB", bypass_csp=True)
    agent = AuditedPage(first.new_page(), live_server, axe_source)
    login_as(agent, "agent")
    lesson_url = f"/courses/{course_id}/lessons/{lesson_key}"
    agent.goto(lesson_url)
    agent.click(agent.raw.get_by_role("link", name="Interactive module: Refund basics"))
    expect(frame(agent).locator("#where")).to_have_text("Page 1 of 4")
    frame(agent).get_by_role("button", name="Next").click()
    frame(agent).get_by_role("button", name="Next").click()
    expect(frame(agent).locator("#where")).to_have_text("Page 3 of 4")
    frame(agent).get_by_label("7 days").check()
    wait_for(app, lambda a: a.location == "3", "stored page 3")
    shoot(agent, "scorm-player-en")
    first.close()

    # A new browser: the lesson says it is in progress, and the package opens on page 3.
    second = browser.new_context(locale="zh-CN", bypass_csp=True)
    agent = AuditedPage(second.new_page(), live_server, axe_source)
    try:
        login_as(agent, "agent")
        agent.goto(lesson_url)
        agent.click(agent.raw.locator(f"a[href='/scorm/{package_id(app)}']"))
        expect(agent.raw.locator("#scorm-status")).to_contain_text("1")
        expect(frame(agent).locator("#where")).to_have_text("Page 3 of 4")
        shoot(agent, "scorm-player-resumed-zh")
        frame(agent).get_by_label("7 days").check()
        frame(agent).get_by_role("button", name="Next").click()
        expect(frame(agent).locator("#done")).to_be_visible()
        wait_for(app, lambda a: a.completed_at is not None, "completed")
        agent.goto(lesson_url)
        expect(agent.raw.locator(".badge-ok")).to_be_visible()
        shoot(agent, "scorm-lesson-done-zh")
        agent.assert_all_audited()
    finally:
        second.close()
    with app.app_context():
        attempt = db.session.scalars(select(ScormAttempt)).one()
        assert (attempt.person_id, attempt.success_status, attempt.score) == (
            agent_id, "passed", 100)
        assert attempt.cmi["cmi.interactions.0.student_response"] == "7"
        report = xapi.send_pending(db.session, xapi.Lrs(lrs.endpoint, USERNAME, PASSWORD))
        db.session.commit()
        assert report.error == "" and report.pending == 0
        email = db.session.get(Person, agent_id).email
        db.session.remove()
    mine = [s for s in lrs.statements() if s["actor"].get("mbox") == f"mailto:{email}"]
    assert sorted(s["verb"]["display"]["en-US"] for s in mine) == [
        "completed", "launched", "launched", "passed"]

