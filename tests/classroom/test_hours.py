"""Training hours per person and year from the four sources, against the target; coverage
per team; the pages (My path, team page, report, CSV export)."""

import csv
import io
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from flask import url_for
from flask_babel import force_locale

from classroom.services import attendance, enrolment, hours, mentoring, rotation
from classroom.services.attendance import Mark
from classroom.services.mentoring import MeetingLog
from courses.models import LessonCompletion
from lms.core import clock
from lms.core.errors import DomainError
from tests.conftest import PASSWORD


@pytest.fixture
def trained(db, make_event, make_person, make_team, hr, trainer):
    """Ann: 2 h online, a 4 h session, 1.5 h mentoring; Max the manager: 3 h rotation."""
    team = make_team("Hotline")
    lead = make_person(("mentor", "agent"), name="Lee Lead", team_id=team.id)
    ann = make_person(name="Ann Agent", team_id=team.id, mentor_id=lead.id)
    idle = make_person(name="Ida Idle", team_id=team.id)
    manager = make_person(("manager",), name="Max Manager")
    event = make_event(sessions=[(date(2026, 12, 8), time(9), time(13))])
    enrolment.enrol(db.session, hr, event.id, [ann])
    clock.freeze(datetime(2026, 12, 8, 2, 0, tzinfo=UTC))
    row = event.sessions[0]
    attendance.save_register(db.session, trainer, row, [Mark(ann.id, "present", 240)])
    attendance.confirm_register(db.session, trainer, row)
    db.session.add(LessonCompletion(person_id=ann.id, course_id=_course(db), lesson_key="l1",
                                    version=1, content_hash="0" * 64,
                                    completed_at=clock.now(), seconds_spent=7200))
    meeting = mentoring.log_meeting(db.session, lead, ann, MeetingLog(
        held_on=date(2026, 12, 8), minutes=90, topics="Complaint steps"))
    mentoring.confirm_meeting(db.session, ann, meeting)
    shift = rotation.log_shift(db.session, manager, team, date(2026, 12, 7), 180, "Peaks")
    rotation.confirm_shift(db.session, lead, shift)
    db.session.commit()
    return team, lead, ann, idle, manager


def _course(db):
    from courses.services import authoring

    course = authoring.save_course(db.session, None, None,
                                   authoring.CourseData(code="CS-HOURS", title="Hours"))
    db.session.flush()
    return course.id


def test_hours_by_source_and_target(db, trained):
    _team, lead, ann, idle, manager = trained
    found = hours.hours_for(db.session, [ann, idle, manager, lead], 2026)
    assert found[ann.id].minutes == {"online": 120, "sessions": 240, "mentoring": 90,
                                     "rotation": 0}
    assert found[ann.id].hours() == Decimal("7.5") and found[ann.id].percent == 6
    assert found[manager.id].hours("rotation") == Decimal("3.0")
    assert found[idle.id].total_minutes == 0
    assert hours.hours_for(db.session, [ann], 2025)[ann.id].total_minutes == 0
    hours.set_target(db.session, None, 10)
    assert hours.hours_for(db.session, [ann], 2026)[ann.id].percent == 75
    with pytest.raises(DomainError, match="between 1 and 2000"):
        hours.set_target(db.session, None, 0)


def test_coverage_per_team(db, trained):
    team, lead, ann, idle, manager = trained
    [hotline, none] = hours.coverage(db.session, [lead, ann, idle, manager],
                                     date(2026, 10, 1), date(2026, 12, 31))
    assert (hotline.team, hotline.people, hotline.trained, hotline.percent) == (
        "Hotline", 3, 1, 33)
    assert (none.team, none.trained) == ("—", 1)
    # Named in the reader's language where the team has a name in it.
    team.set_translation("zh_Hans_CN", "name", "热线")
    with force_locale("zh_Hans_CN"):
        named = {c.team: c.people for c in hours.coverage(
            db.session, [lead, ann, idle, manager], date(2026, 10, 1), date(2026, 12, 31))}
    assert named == {"热线": 3, "—": 1}


def test_my_path_team_page_report_and_export(db, client, trained, make_person):
    team, lead, ann, idle, manager = trained
    client.post("/login", data={"login": ann.email, "password": PASSWORD})
    assert "7.5 of 120 hours" in client.get("/classroom/hours").get_data(as_text=True)
    assert client.get("/classroom/hours/report").status_code == 403
    client.post("/logout")
    hr = make_person(("hr",))
    client.post("/login", data={"login": hr.email, "password": PASSWORD})
    page = client.get(f"/classroom/hours/report?team={team.id}").get_data(as_text=True)
    assert "Ann Agent" in page and "33%" in page and "Max Manager" not in page
    export = client.get("/classroom/hours/report.csv?year=2026")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    ann_row = next(r for r in rows if r[1] == "Ann Agent")
    assert ann_row[3:] == ["2.0", "4.0", "1.5", "0.0", "7.5", "120", "6"]
    assert client.post("/classroom/hours/target", data={"target_hours": "0"}).status_code == 422
    assert client.post("/classroom/hours/target", data={"target_hours": "100"}
                       ).status_code == 302
    assert hours.target_hours(db.session) == 100


def test_export_neutralises_formula_cells(db, client, make_person):
    make_person(name="=HYPERLINK(\"http://x\")")
    hr = make_person(("hr",))
    client.post("/login", data={"login": hr.email, "password": PASSWORD})
    text = client.get("/classroom/hours/report.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text.replace(",=", "\n=")


def test_panels_on_my_path_and_the_team_page(db, client, trained, make_person):
    team, lead, ann, idle, manager = trained
    client.post("/login", data={"login": ann.email, "password": PASSWORD})
    with client.application.test_request_context():
        my_path, team_url = url_for("courses.my_path"), url_for("courses.team", team=team.id)
    assert "Training hours 2026" in client.get(my_path).get_data(as_text=True)
    client.post("/logout")
    boss = make_person(("manager",))
    for person in (lead, ann, idle):
        person.manager_id = boss.id
    db.session.commit()
    client.post("/login", data={"login": boss.email, "password": PASSWORD})
    page = client.get(team_url).get_data(as_text=True)
    assert "Training hours 2026" in page and "1 of 3 people trained this quarter" in page
