"""Who may open which classroom page: a table of (role, URL, status)."""

from datetime import UTC, datetime

import pytest

from classroom.services import enrolment
from lms.core import clock
from tests.conftest import PASSWORD

ROLES = ("agent", "mentor", "manager", "hr", "admin", "trainer")

# role -> status for each page; 302 → the login page only when signed out.
TABLE = {
    "/classroom": dict(agent=200, mentor=200, manager=200, hr=200, admin=200, trainer=200),
    "/classroom/events": dict(agent=403, mentor=403, manager=200, hr=200, admin=200,
                              trainer=403),
    "/classroom/events/new": dict(agent=403, mentor=403, manager=403, hr=200, admin=200,
                                  trainer=403),
    "/classroom/events/{event}": dict(agent=200, mentor=200, manager=200, hr=200, admin=200,
                                      trainer=200),
    "/classroom/events/{event}/settings": dict(agent=403, mentor=403, manager=403, hr=200,
                                               admin=200, trainer=403),
    "/classroom/sessions/{session}/register": dict(agent=403, mentor=403, manager=403, hr=200,
                                                   admin=200, trainer=200),
    "/classroom/sessions/{session}/qr": dict(agent=403, mentor=403, manager=403, hr=200,
                                             admin=200, trainer=200),
    "/classroom/sessions/{session}/sign-in.pdf": dict(agent=403, mentor=403, manager=403,
                                                      hr=200, admin=200, trainer=200),
    "/classroom/feed": dict(agent=200, mentor=200, manager=200, hr=200, admin=200,
                            trainer=200),
}


@pytest.mark.parametrize("role", ROLES)
def test_role_access_table(client, make_event, make_person, trainer, hr, role):
    event = make_event()
    row = event.sessions[0]
    person = trainer if role == "trainer" else make_person((role,))
    client.post("/login", data={"login": person.email, "password": PASSWORD})
    clock.freeze(datetime(2026, 12, 8, 1, 0, tzinfo=UTC))
    got = {url: client.get(url.format(event=event.id, session=row.id)).status_code
           for url in TABLE}
    assert got == {url: statuses[role] for url, statuses in TABLE.items()}


def test_signed_out_goes_to_login_and_posts_are_refused(client, make_event):
    event = make_event()
    for url in ("/classroom", f"/classroom/events/{event.id}",
                f"/classroom/sessions/{event.sessions[0].id}/register"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(f"/classroom/events/{event.id}/signup").status_code == 302


def test_a_manager_enrols_only_their_own_people(db, client, make_event, make_person):
    event = make_event(self_signup=False)
    manager = make_person(("manager",))
    mine = make_person(manager_id=manager.id, employee_id="MINE1")
    make_person(employee_id="OTHER1")
    client.post("/login", data={"login": manager.email, "password": PASSWORD})
    refused = client.post(f"/classroom/events/{event.id}/enrol",
                          data={"employee_ids": "MINE1, OTHER1"})
    assert refused.status_code == 422 and "You may not enrol" in refused.get_data(as_text=True)
    assert enrolment.enrolment_of(db.session, event.id, mine.id) is None
    done = client.post(f"/classroom/events/{event.id}/enrol", data={"employee_ids": "MINE1"})
    assert done.status_code == 302
    assert enrolment.enrolment_of(db.session, event.id, mine.id).status == "enrolled"


def test_an_agent_cannot_sign_up_where_self_signup_is_off(client, make_event, make_person):
    event = make_event(self_signup=False)
    agent = make_person()
    client.post("/login", data={"login": agent.email, "password": PASSWORD})
    assert client.post(f"/classroom/events/{event.id}/signup").status_code == 403


def test_hr_schedules_through_the_pages(db, client, hr, defaults, trainer):
    client.post("/login", data={"login": hr.email, "password": PASSWORD})
    made = client.post("/classroom/events/new", data={
        "title": "Cohort 2026-12", "title_zh": "2026-12 期", "path_id": defaults["NEWHIRE"].id,
        "capacity": "12", "self_signup": "y"})
    assert made.status_code == 302
    url = made.headers["Location"]
    event_id = int(url.rstrip("/").rsplit("/", 1)[1])
    bad = client.post(f"/classroom/events/{event_id}/sessions", data={
        "day": "2026-12-10", "starts": "10:00", "ends": "09:00", "timezone": "Asia/Shanghai"})
    assert bad.status_code == 422 and "end after it starts" in bad.get_data(as_text=True)
    good = client.post(f"/classroom/events/{event_id}/sessions", data={
        "day": "2026-12-10", "starts": "09:00", "ends": "12:00", "timezone": "Asia/Shanghai",
        "room": "Room 1", "trainer_ids": str(trainer.id)})
    assert good.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Room 1" in page and "Tao Trainer" in page
    empty = client.post(f"/classroom/events/{event_id}/cancel", data={"reason": ""})
    assert empty.status_code == 422
