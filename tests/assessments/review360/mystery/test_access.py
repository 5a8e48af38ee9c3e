"""Access as a table: every role × every mystery-shopper route, on a visit of an agent the
actor has no link to; the agent and their manager see the answered visit."""

import pytest

from tests.assessments.review360.mystery.conftest import all_answers, report, schedule_now

ROLES = ("agent", "mentor", "manager", "hr", "admin")
HR = ("hr", "admin")

ROUTES = [
    ("GET", "/mystery", ROLES),
    ("GET", "/mystery/visits", ("manager", *HR)),
    ("GET", "/mystery/visits/{visit}", HR),
    ("GET", "/mystery/programmes", HR),
    ("GET", "/mystery/programmes/new", HR),
    ("GET", "/mystery/programmes/{programme}", HR),
    ("GET", "/mystery/programmes/{programme}/settings", HR),
    ("POST", "/mystery/programmes/{programme}/shoppers", HR),
    ("POST", "/mystery/programmes/{programme}/schedule", HR),
    ("POST", "/mystery/visits/{visit}/resend", HR),   # answered: refused, back to the page
    ("GET", "/mystery/checklists/{checklist}", HR),
    ("POST", "/mystery/checklists/{checklist}", HR),
    ("GET", "/mystery/checklists/{checklist}/items/{item}/edit", HR),
    ("POST", "/mystery/checklists/{checklist}/items/{item}/edit", HR),
    ("POST", "/mystery/checklists/{checklist}/items/{item}/retire", HR),
]


@pytest.fixture
def ids(shop):
    visit = schedule_now(shop)[0]
    report(visit, all_answers(visit))
    return {"visit": visit.id, "programme": shop.programme.id,
            "checklist": shop.programme.checklist_id,
            "item": shop.programme.checklist.items[-1].id}


@pytest.mark.parametrize("role", ROLES)
def test_role_access_table(client, auth, make_person, ids, role):
    actor = make_person(roles=(role,))
    auth.login(actor)
    for method, url, allowed in ROUTES:
        response = client.open(url.format(**ids), method=method)
        if role in allowed:
            assert response.status_code in (200, 302, 422), (role, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, url, response.status_code)


def test_signed_out_visitors_are_sent_to_sign_in(client, ids):
    for method, url, _allowed in ROUTES:
        response = client.open(url.format(**ids), method=method)
        assert response.status_code in (302, 401, 403), url


def test_the_agent_and_their_manager_see_the_visit(shop, client, auth):
    visit = schedule_now(shop)[0]
    report(visit, all_answers(visit, p8="no"))
    for person in (visit.agent, shop.manager):
        auth.login(person)
        page = client.get(f"/mystery/visits/{visit.id}")
        assert page.status_code == 200 and "88.2 %" in page.text
        assert "Policy accuracy" in page.text and "Shopper One" not in page.text
        auth.logout()
    auth.login(visit.agent)
    assert "88.2 %" in client.get("/mystery").text
    auth.logout()
    other = next(a for a in shop.agents if a.id != visit.agent_id)
    auth.login(other)
    assert client.get(f"/mystery/visits/{visit.id}").status_code in (403, 404)
    auth.logout()
    auth.login(shop.outsider)
    assert client.get(f"/mystery/visits/{visit.id}").status_code in (403, 404)


def test_managers_see_only_their_line_in_the_visit_list(shop, client, auth, make_person):
    visits = schedule_now(shop)
    other_manager = make_person(roles=("manager",), name="Other Manager")
    auth.login(other_manager)
    page = client.get("/mystery/visits?month=2026-10")
    assert page.status_code == 200
    assert all(v.agent.name not in page.text for v in visits)
    auth.logout()
    auth.login(shop.manager)
    page = client.get("/mystery/visits?month=2026-10")
    assert all(v.agent.name in page.text for v in visits) and "Invited" in page.text


def test_hr_sets_up_a_programme_through_the_pages(shop, client, auth, make_team):
    team = make_team("Online Chat")
    auth.login(shop.hr)
    bad = client.post("/mystery/programmes/new", data={
        "team_id": team.id, "visits_per_month": 0, "link_days": 14})
    assert bad.status_code == 422 and "Between 1 and" in bad.text
    again = client.post("/mystery/programmes/new", data={
        "team_id": shop.programme.team_id, "visits_per_month": 2, "link_days": 14})
    assert again.status_code == 422 and "already has" in again.text
    made = client.post("/mystery/programmes/new", data={
        "team_id": team.id, "visits_per_month": 2, "link_days": 14, "feeds_360": "y",
        "active": "y"})
    assert made.status_code == 302
    page = client.get(made.headers["Location"])
    assert "Online Chat" in page.text and "Policy accuracy" in page.text
    url = made.headers["Location"]
    refused = client.post(f"{url}/shoppers", data={"name": "X", "email": "nope",
                                                   "language": "en"})
    assert refused.status_code == 422 and "valid e-mail" in refused.text
    added = client.post(f"{url}/shoppers", data={"name": "Li Wei", "email": "li@shop.example",
                                                 "language": "zh_Hans_CN"})
    assert added.status_code == 302
