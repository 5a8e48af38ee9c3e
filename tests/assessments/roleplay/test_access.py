"""Role-play access as a table (role × route), the lead rule, and query counts that do not
grow with the queue."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from assessments.roleplay.services import queue, submissions
from lms.core import policy
from lms.core.extensions import db

ROLES = ("agent", "mentor", "manager", "hr", "admin")
ROUTES = [
    ("GET", "/roleplays", ROLES),
    ("GET", "/roleplays/scenarios/{scenario}", ROLES),
    ("GET", "/roleplays/queue", ("mentor", "manager", "admin")),
    ("GET", "/roleplays/agreement", ("manager", "admin")),
    ("GET", "/roleplays/calibration", ("mentor", "manager", "admin")),
    ("GET", "/roleplays/live", ("mentor", "admin")),
    ("GET", "/roleplays/author", ("admin",)),
    ("GET", "/roleplays/author/scenarios/new", ("admin",)),
    ("GET", "/roleplays/author/scenarios/{scenario}", ("admin",)),
    ("GET", "/roleplays/author/rubrics/{rubric}", ("admin",)),
    ("GET", "/roleplays/author/rubrics/{rubric}/export.csv", ("admin",)),
    ("POST", "/roleplays/author/rubrics/{rubric}/criteria/0/delete", ("admin",)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "allowed"), ROUTES)
def test_role_access_table(client, auth, make_person, world, role, method, url, allowed):
    actor = make_person(roles=(role,))
    auth.login(actor)
    # A delete the pass mark no longer fits asks to confirm first: the table posts it confirmed.
    response = client.open(url.format(scenario=world.scenario.id, rubric=world.rubric.id),
                           method=method, data={"confirm": "1"} if method == "POST" else None)
    if role in allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403


def test_leads_are_admins_and_the_mentors_or_agents_managers(world, chat_submission,
                                                             make_person):
    sub = chat_submission()
    outsider_manager = make_person(roles=("manager",))
    assert policy.may(world.admin, "roleplay.lead", sub)
    assert policy.may(world.manager, "roleplay.lead", sub)
    assert not policy.may(outsider_manager, "roleplay.lead", sub)
    assert not policy.may(world.mentor, "roleplay.lead", sub)
    # A manager two levels up leads too.
    director = make_person(roles=("manager",))
    world.manager.manager_id = director.id
    db.session.commit()
    assert policy.may(director, "roleplay.lead", sub)


@contextmanager
def counted():
    found = []

    def listener(*_args, **_kwargs):
        found.append(1)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


@pytest.mark.parametrize("who", ["mentor", "admin"])
def test_queue_query_count_does_not_grow(client, auth, world, make_person, who):
    def add(n):
        for _ in range(n):
            agent = make_person(roles=("agent",), team_id=world.agent.team_id,
                                mentor_id=world.mentor.id)
            sub = submissions.start_chat(db.session, agent, world.scenario, "script")
            submissions.post_message(db.session, agent, sub, "Sorry!")
            submissions.submit(db.session, agent, sub)
        db.session.commit()

    actor = getattr(world, who)
    auth.login(actor)
    add(2)
    with counted() as few:
        assert client.get("/roleplays/queue").status_code == 200
    add(10)
    with counted() as many:
        page = client.get("/roleplays/queue").get_data(as_text=True)
    assert page.count("/grade") >= 12
    assert len(many) == len(few)
    if who == "mentor":
        assert len(queue.queue_for(db.session, actor)) == 12
    else:
        assert queue.led_queue(db.session, actor).total == 12


def test_led_queue_pages_and_filters_by_reporting_line(world, chat_submission, make_person):
    for _ in range(3):
        chat_submission(make_person(roles=("agent",), team_id=world.agent.team_id))
    outsider = make_person(roles=("agent",))   # no team, no manager, no mentor
    chat_submission(outsider)
    everyone = queue.led_queue(db.session, world.admin, per_page=2)
    assert (everyone.total, everyone.pages, everyone.unassigned) == (4, 2, 1)
    assert len(queue.led_queue(db.session, world.admin, page=2, per_page=2).rows) == 2
    # The manager leads the team's mentors' work, not the outsider's.
    assert queue.led_queue(db.session, world.manager).total == 3
    assert queue.led_queue(db.session, make_person(roles=("manager",))).total == 0
