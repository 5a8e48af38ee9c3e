"""Classroom training in the browser: HR schedules a session and enrols a team; an agent
adds it to their calendar (the .ics parses with icalendar and has the session's local times
in its zone); a second agent checks in with the QR screen's code; the trainer takes
attendance on a 390-px-wide phone and confirms it; the agent's "still missing" loses the
programme item. Every page passes axe (AuditedPage), in English and in Chinese."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from certificates.services.awards import evaluate_person
from classroom.models import EventEnrolment, TrainingSession
from lms.core import clock
from lms.core.extensions import db
from lms.paths.models import AssessmentSlot, CertificationPath
from lms.people.models import Person, Team
from tests.e2e.pages import AuditedPage, flash_messages, login_as, sign_in

pytestmark = pytest.mark.e2e
TEAM = "Hotline — Shanghai"
AGENT = "agent@demo.example"


def _zone_and_hours() -> tuple[str, datetime, datetime]:
    """A zone where it is daytime now, and a session from an hour ago to three hours on."""
    now = clock.now()
    for name in ("Asia/Shanghai", "Europe/Berlin", "America/New_York"):
        local = now.astimezone(ZoneInfo(name))
        if 2 <= local.hour <= 19:
            start = local.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
            return name, start, start + timedelta(hours=4)
    raise AssertionError("no daytime zone")


def _programme_slot() -> None:
    """The new-hire path requires 90 % of its programme's hours (an admin would add this slot
    on the path's page); the agent's stored answer is brought up to date."""
    path = db.session.scalar(select(CertificationPath).where(CertificationPath.code ==
                                                             "NEWHIRE"))
    db.session.add(AssessmentSlot(path_id=path.id, code="PROGRAMME",
                                  label="Programme attendance", kind="programme",
                                  reference="path:NEWHIRE", pass_mark=Decimal(90),
                                  position=99))
    db.session.flush()
    evaluate_person(db.session, db.session.scalar(select(Person).where(Person.email == AGENT)))
    db.session.commit()
    db.session.remove()


def _second_agent(event_id: int) -> str:
    email = db.session.scalar(
        select(Person.email).join(EventEnrolment, EventEnrolment.person_id == Person.id)
        .join(Team, Team.id == Person.team_id)
        .where(EventEnrolment.event_id == event_id, EventEnrolment.status == "enrolled",
               Person.email != AGENT, Team.name == TEAM,
               Person.email.like("agent%")).order_by(Person.id))
    db.session.remove()
    return email


def _missing(page: AuditedPage) -> list[str]:
    page.goto("/certificates")
    return page.raw.locator(".problem-list li").all_inner_texts()


def test_schedule_enrol_calendar_checkin_attendance_missing(browser, live_server, page,
                                                             axe_source):
    _programme_slot()
    zone, start, end = _zone_and_hours()

    # HR schedules the event and its session, and enrols a team.
    login_as(page, "hr")
    page.goto("/classroom/events/new")
    page.raw.locator("#title").fill("Hotline refresher")
    page.raw.locator("#title_zh").fill("热线进修班")
    page.raw.locator("#path_id").select_option(label="New hire — basic certification")
    page.raw.locator("#capacity").fill("30")
    page.click(page.raw.get_by_role("button", name="Save"))
    expect(page.heading()).to_have_text("Hotline refresher")
    event_id = int(re.search(r"/events/(\d+)", page.path).group(1))
    page.raw.locator("#title").fill("Listening drills")
    page.raw.locator("#day").fill(start.date().isoformat())
    page.raw.locator("#starts").fill(start.strftime("%H:%M"))
    page.raw.locator("#ends").fill(end.strftime("%H:%M"))
    page.raw.locator("#timezone").fill(zone)
    page.raw.locator("#room").fill("Room 5")
    page.raw.get_by_label("李娜").check()
    page.click(page.raw.get_by_role("button", name="Add session"))
    page.raw.locator("#team_id").select_option(label=TEAM)
    page.click(page.raw.get_by_role("button", name="Enrol", exact=True))
    assert any("enrolled" in m for m in flash_messages(page))

    # The agent adds it to their calendar: the .ics has the session's local times.
    agent_context = browser.new_context(bypass_csp=True, locale="en-GB")
    agent = AuditedPage(agent_context.new_page(), live_server, axe_source)
    agent.goto("/login")
    sign_in(agent, AGENT)
    missing_before = _missing(agent)
    assert "Programme attendance 33.3 %, 90 % required" in missing_before
    agent.goto(f"/classroom/events/{event_id}")
    link = agent.raw.get_by_role("link", name="Add to my calendar (.ics)")
    ics = agent_context.request.get(live_server + link.get_attribute("href"))
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar")
    [entry] = Calendar.from_ical(ics.body()).walk("VEVENT")
    assert entry.decoded("dtstart") == start and entry.decoded("dtend") == end
    assert str(entry["dtstart"].params["TZID"]) == zone

    # A second agent checks in with the code on the trainer's QR screen.
    trainer_context = browser.new_context(bypass_csp=True, locale="en-GB",
                                          viewport={"width": 390, "height": 844},
                                          is_mobile=True, has_touch=True)
    trainer = AuditedPage(trainer_context.new_page(), live_server, axe_source)
    trainer.goto("/login")
    sign_in(trainer, "mentor@demo.example")
    session_id = db.session.scalar(select(TrainingSession.id).where(
        TrainingSession.event_id == event_id))
    db.session.remove()
    register_path = f"/classroom/sessions/{session_id}/register"
    trainer.goto(register_path)
    trainer.click(trainer.raw.get_by_role("link", name="Show the check-in QR code"))
    expect(trainer.raw.locator("#checkin-image")).to_be_visible()
    code = trainer.raw.locator("#checkin-code").inner_text()
    second_context = browser.new_context(bypass_csp=True, locale="zh-CN",
                                         viewport={"width": 390, "height": 844})
    second = AuditedPage(second_context.new_page(), live_server, axe_source)
    second.goto("/login")
    sign_in(second, _second_agent(event_id))
    second.goto(f"/classroom/checkin/{session_id}/{code}")
    expect(second.heading()).to_have_text("签到")
    second.click(second.raw.get_by_role("button", name="我要签到"))
    assert "签到成功。" in flash_messages(second)

    # The trainer, on the phone, marks the first agent present and confirms the register.
    trainer.goto(register_path)
    assert trainer.raw.evaluate("document.documentElement.scrollWidth") <= 390
    agent_line = trainer.raw.locator("fieldset", has_text="刘洋")
    agent_line.get_by_label("Present").check()
    checked_in = trainer.raw.locator("fieldset", has=trainer.raw.locator(".badge-tag"))
    expect(checked_in).to_have_count(1)
    trainer.click(trainer.raw.get_by_role("button", name="Save the register"))
    trainer.click(trainer.raw.get_by_role("button", name="Confirm the register"))
    assert "The register is confirmed." in flash_messages(trainer)
    trainer_context.close()
    second_context.close()

    # What is missing on the agent's path changed once attendance was confirmed.
    missing_after = _missing(agent)
    assert not [m for m in missing_after if m.startswith("Programme attendance")]
    assert len(missing_after) == len(missing_before) - 1
    agent_context.close()


def test_classroom_pages_in_chinese_pass_axe(browser, live_server, axe_source):
    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    page = AuditedPage(context.new_page(), live_server, axe_source)
    page.goto("/login")
    sign_in(page, "hr@demo.example")
    for path in ("/classroom", "/classroom/events", "/classroom/events/1",
                 "/classroom/events/new", "/classroom/hours", "/classroom/hours/report",
                 "/classroom/feed", "/classroom/mentoring", "/classroom/rotation",
                 "/classroom/sessions/1/register", "/classroom/sessions/1/qr"):
        page.goto(path)
    expect(page.heading()).to_have_text("签到: 新员工培训项目 " + clock.today().strftime("%Y-%m")
                                        + " 期")
    context.close()
