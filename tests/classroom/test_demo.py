"""The demo's training: a running new-hire cohort (one past session with its register
confirmed, two upcoming), a mentor log, a manager's rotation shifts — and its pages in both
languages."""

import pytest
from sqlalchemy import select

from classroom.models import MentoringMeeting, RotationShift, TrainingEvent
from classroom.services import hours
from lms.core import clock
from lms.demo import DEMO_PASSWORD
from lms.people.models import Person


@pytest.fixture
def demo_org(db):
    return {p.email: p for p in db.session.scalars(select(Person))}


def test_demo_cohort_mentor_log_and_rotation(db, demo_org):
    [event] = db.session.scalars(select(TrainingEvent)).all()
    past, *upcoming = event.sessions
    now = clock.now()
    assert past.confirmed_at is not None and past.ends_at < now
    assert len(upcoming) == 2 and all(s.starts_at > now for s in upcoming)
    assert {a.status for a in past.attendance} == {"present", "late", "excused"}
    agent = demo_org["agent@demo.example"]
    assert any(p.person_id == agent.id and p.status == "enrolled" for p in event.enrolments)
    mentor = demo_org["mentor@demo.example"]
    meetings = db.session.scalars(select(MentoringMeeting).where(
        MentoringMeeting.mentor_id == mentor.id)).all()
    assert sum(m.confirmed for m in meetings) == 3 and any(m.held_on is None for m in meetings)
    manager = demo_org["manager@demo.example"]
    shifts = db.session.scalars(select(RotationShift).where(
        RotationShift.person_id == manager.id)).all()
    assert len(shifts) == 4 and sum(s.confirmed_at is not None for s in shifts) == 3
    year = clock.today().year
    assert hours.hours_for(db.session, [agent], year)[agent.id].minutes["sessions"] > 0


@pytest.mark.parametrize(("language", "heading"), [("en", "My training"),
                                                    ("zh-CN", "我的培训")])
def test_demo_pages_render_in_both_languages(client, demo_org, language, heading):
    headers = {"Accept-Language": language}
    client.post("/login", data={"login": "mentor@demo.example", "password": DEMO_PASSWORD},
                headers=headers)
    page = client.get("/classroom", headers=headers).get_data(as_text=True)
    assert heading in page
    for url in ("/classroom/mentoring", "/classroom/rotation", "/classroom/hours",
                "/classroom/feed", "/classroom/events/1"):
        assert client.get(url, headers=headers).status_code == 200, url
