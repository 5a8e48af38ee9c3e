"""The home page's to-do list: each role's work from the demo organisation, in order, each item
one click from where it is done, in the reader's language."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from certificates.models import CertificationStanding
from lms.core import clock, todo
from lms.core.todo import TodoItem, todo_for
from lms.demo import DEMO_PASSWORD
from lms.notifications.models import Notification
from lms.notifications.services import notify
from lms.people.models import Person


@pytest.fixture
def demo_org(db):
    """The demo organisation by the local part of each e-mail address ("agent", "hr"…)."""
    return {p.email.split("@")[0]: p for p in db.session.scalars(select(Person))}


def _items(app, db, person, now=None):
    with app.test_request_context():
        return todo_for(db.session, person, now or clock.now())


def _login(auth, person):
    response = auth.login(person, password=DEMO_PASSWORD)
    assert response.status_code == 302


def test_items_come_overdue_first_then_soonest_then_undated(monkeypatch):
    now = datetime(2026, 12, 5, 9, tzinfo=UTC)
    made = [TodoItem("undated", "/a"), TodoItem("later", "/b", due=date(2026, 12, 20)),
            TodoItem("sooner", "/c", due=now + timedelta(hours=3)),
            TodoItem("late", "/d", overdue=True, due=date(2026, 12, 1)),
            TodoItem("late, undated", "/e", overdue=True)]
    monkeypatch.setattr(todo, "_sources", [lambda session, person, at: made])
    assert [i.title for i in todo_for(None, None, now)] == [
        "late", "late, undated", "sooner", "later", "undated"]


def test_the_same_source_cannot_register_twice(monkeypatch):
    monkeypatch.setattr(todo, "_sources", [])

    def source(session, person, now):
        return []

    todo.todo_source(source)
    with pytest.raises(ValueError):
        todo.todo_source(source)


def test_agent_sees_their_course_and_exam_and_each_opens(app, db, client, auth, demo_org):
    agent = demo_org["agent"]
    items = _items(app, db, agent)
    titles = [i.title for i in items]
    assert any(t.startswith(("Finish “", "Start “")) for t in titles), titles
    exam = next(i for i in items if i.lane == "assess")
    assert exam.title.startswith(("Take “", "Resume “"))
    # Nothing on an agent's list belongs to another role.
    assert {i.lane for i in items} <= {"learn", "assess", "review"}
    _login(auth, agent)
    home = client.get("/").get_data(as_text=True)
    assert "To do" in home and exam.url in home
    for item in items:
        assert client.get(item.url).status_code == 200, item


def test_a_passed_exam_leaves_the_list(app, db, demo_org, monkeypatch):
    from assessments.quiz.services import grading

    agent = demo_org["agent"]
    assert any(i.lane == "assess" for i in _items(app, db, agent))

    class Passed:
        passed = True

    monkeypatch.setattr(grading, "quiz_grade", lambda *args: Passed())
    assert not any(i.lane == "assess" for i in _items(app, db, agent))


def test_mentor_sees_grading_due_at_the_feedback_deadline(app, db, client, auth, demo_org):
    mentor = demo_org["mentor"]
    grading = [i for i in _items(app, db, mentor) if "/grade" in i.url]
    assert grading, "the demo mentor has submissions to grade"
    assert all(i.due is not None for i in grading)
    # Past the deadline the same item is overdue and comes first.
    later = max(i.due for i in grading) + timedelta(hours=1)
    items = _items(app, db, mentor, now=later)
    assert items[0].overdue and "/grade" in items[0].url
    _login(auth, mentor)
    assert client.get(grading[0].url).status_code == 200


def test_manager_sees_approvals_and_overdue_reports(app, db, client, auth, demo_org):
    manager = demo_org["manager"]
    items = _items(app, db, manager)
    lead = [i for i in items if i.lane == "lead"]
    assert lead, "the demo manager has team work"
    _login(auth, manager)
    for item in lead:
        assert client.get(item.url).status_code == 200, item
    # Other people's managers don't see this team's work.
    other = demo_org["manager.chat"]
    urls = {i.url for i in _items(app, db, other)}
    assert not urls & {i.url for i in lead if "/360/" in i.url}


def test_hr_sees_certificates_expiring_in_7_30_and_60_days(app, db, client, auth, demo_org):
    hr = demo_org["hr"]
    standing = db.session.scalar(select(CertificationStanding).where(
        CertificationStanding.valid_expires_on.is_not(None)).limit(1))
    assert standing is not None, "the demo has a certified person"
    expires = standing.valid_expires_on
    holder = db.session.get(Person, standing.person_id)

    def at(days_before):
        return datetime.combine(expires - timedelta(days=days_before), datetime.min.time(),
                                tzinfo=UTC)

    titles = [i.title for i in _items(app, db, hr, now=at(5))]
    assert any("within 7 days" in t for t in titles)
    assert any("within 60 days" in t for t in titles)
    titles = [i.title for i in _items(app, db, hr, now=at(45))]
    assert not any("within 7 days" in t or "within 30 days" in t for t in titles)
    assert any("within 60 days" in t for t in titles)
    # The holder is told too, and an agent never sees HR's counts.
    own = [i for i in _items(app, db, holder, now=at(20)) if "recertify" in i.title]
    assert own and own[0].due == expires
    assert not [i for i in _items(app, db, holder, now=at(20)) if "within" in i.title]
    _login(auth, hr)
    link = next(i.url for i in _items(app, db, hr, now=at(5)) if "within 7 days" in i.title)
    assert client.get(link).status_code == 200


def test_admin_sees_setup_gaps(app, db, client, auth, demo_org):
    admin = demo_org["admin"]
    setup = [i for i in _items(app, db, admin) if i.lane == "setup"]
    assert any("no competency" in i.title for i in setup)
    _login(auth, admin)
    for item in setup:
        assert client.get(item.url).status_code == 200


def test_feedback_to_read_opens_once_and_leaves_the_list(app, db, client, auth, demo_org):
    agent = demo_org["agent"]
    with app.test_request_context():
        notice = notify(db.session, agent, "roleplay.graded",
                        lambda: ("Role-play feedback: Refund", "Open it to read the feedback."),
                        link="/roleplays/")
        db.session.commit()
    items = [i for i in _items(app, db, agent) if i.notification_id]
    assert [i.notification_id for i in items] == [notice.id]
    _login(auth, agent)
    home = client.get("/").get_data(as_text=True)
    assert f"/notifications/{notice.id}/read" in home
    response = client.post(f"/notifications/{notice.id}/read", data={"open": "1"})
    assert response.status_code == 302 and response.location.endswith("/roleplays/")
    assert db.session.get(Notification, notice.id).read_at is not None
    assert not [i for i in _items(app, db, agent) if i.notification_id]


def test_home_to_do_in_chinese(client, auth, demo_org):
    _login(auth, demo_org["agent"])
    html = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "待办" in html
    assert "To do" not in html and "Take “" not in html


def test_nothing_to_do_says_what_next(client, auth, make_person):
    person = make_person(roles=("agent",))
    _login_plain = auth.login(person)
    assert _login_plain.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Nothing is waiting for you." in html
    assert "browse the catalogue" in html
