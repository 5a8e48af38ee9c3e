"""Access as a table: every protected route × every role, and cross-person id tampering."""

import pytest

ROLES = ("agent", "mentor", "manager", "hr", "admin")

# (method, url template, roles allowed). {other} is a person the actor has no link to.
ROUTES = [
    ("GET", "/", ROLES),
    ("GET", "/matrix", ROLES),
    ("GET", "/paths", ROLES),
    ("GET", "/paths/{path}", ROLES),
    ("GET", "/account", ROLES),
    ("GET", "/people", ("mentor", "manager", "hr", "admin")),
    ("GET", "/people/{other}", ("hr", "admin")),
    ("GET", "/admin/people/new", ("hr", "admin")),
    ("GET", "/admin/people/{other}/edit", ("hr", "admin")),
    ("POST", "/admin/people/{other}/reset-link", ("admin",)),
    ("GET", "/admin/people/import", ("hr", "admin")),
    ("GET", "/admin/teams", ("hr", "admin")),
    ("GET", "/admin/teams/new", ("hr", "admin")),
    ("GET", "/admin/matrix", ("admin",)),
    ("GET", "/reports/", ("mentor", "manager", "hr", "admin")),
    ("GET", "/reports/export.csv", ("mentor", "manager", "hr", "admin")),
    ("GET", "/reports/export.xlsx", ("mentor", "manager", "hr", "admin")),
    ("GET", "/reports/audit", ("admin",)),
    ("GET", "/reports/audit.csv", ("admin",)),
    ("GET", "/reports/heatmap", ("mentor", "manager", "hr", "admin")),
    ("GET", "/reports/api-tokens", ("admin",)),
    ("GET", "/reports/api-tokens/new", ("admin",)),
    ("GET", "/admin/system", ("admin",)),
    ("POST", "/admin/people/{other}/welcome", ("hr", "admin")),
    ("GET", "/admin/sign-in", ("admin",)),
    ("GET", "/admin/sign-in/providers/new", ("admin",)),
    ("POST", "/admin/sign-in/settings", ("admin",)),
]

# Person reports: whoever may view the person; anyone else gets 404 (no existence leak).
PERSON_ROUTES = [
    "/reports/people/{other}/evidence",
    "/reports/people/{other}/review-pack.pdf",
]


@pytest.fixture
def world(make_person, defaults):
    other = make_person(roles=("agent",), name="Other Agent")
    return {"other": other.id, "path": defaults["NEWHIRE"].id}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "allowed"), ROUTES)
def test_role_access_table(client, auth, make_person, world, role, method, url, allowed):
    actor = make_person(roles=(role,))
    auth.login(actor)
    response = client.open(url.format(**world), method=method)
    if role in allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403
        assert "Not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "url", "allowed"), ROUTES)
def test_signed_out_goes_to_login(client, world, method, url, allowed):
    response = client.open(url.format(**world), method=method)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", PERSON_ROUTES)
def test_person_report_access_table(client, auth, make_person, world, role, url):
    actor = make_person(roles=(role,))
    auth.login(actor)
    assert client.get(url.format(other=actor.id)).status_code == 200  # oneself
    response = client.get(url.format(**world))
    assert response.status_code == (200 if role in ("hr", "admin") else 404)
    assert client.get(url.format(other=999999)).status_code == 404


@pytest.mark.parametrize("url", PERSON_ROUTES + ["/reports/review-packs/1",
                                                 "/reports/review-packs/1.json",
                                                 "/reports/review-packs/1/download"])
def test_person_reports_signed_out_go_to_login(client, world, url):
    response = client.get(url.format(**world))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_team_packs_access(client, auth, make_person, make_team, role):
    team = make_team()
    member = make_person(name="Team Member", team_id=team.id)
    actor = make_person(roles=(role,))
    auth.login(actor)
    response = client.post(f"/reports/teams/{team.id}/review-packs")
    # reports.view for the route; then only a team with people in the reader's scope, whose
    # job page follows.
    expected = {"agent": 403, "mentor": 404, "manager": 404}.get(role, 302)
    assert response.status_code == expected
    assert member.team_id == team.id


def test_agent_cannot_read_another_agent_by_id(client, auth, make_person):
    me = make_person(name="Me")
    other = make_person(name="Someone Else")
    auth.login(me)
    assert client.get(f"/people/{me.id}").status_code == 200
    response = client.get(f"/people/{other.id}")
    assert response.status_code == 403
    assert "Someone Else" not in response.get_data(as_text=True)
    assert client.get("/people/999999").status_code == 404


def test_mentor_sees_mentees_only(client, auth, make_person):
    mentor = make_person(roles=("mentor",))
    mentee = make_person(mentor_id=mentor.id, name="Mentee")
    stranger = make_person(name="Stranger")
    auth.login(mentor)
    assert client.get(f"/people/{mentee.id}").status_code == 200
    assert client.get(f"/people/{stranger.id}").status_code == 403
    listing = client.get("/people").get_data(as_text=True)
    assert "Mentee" in listing and "Stranger" not in listing


def test_manager_sees_whole_reporting_line(client, auth, make_person):
    boss = make_person(roles=("manager",))
    lead = make_person(roles=("manager",), manager_id=boss.id, name="Lead")
    agent = make_person(manager_id=lead.id, name="Deep Agent")
    outsider = make_person(name="Outsider")
    auth.login(boss)
    assert client.get(f"/people/{agent.id}").status_code == 200
    assert client.get(f"/people/{outsider.id}").status_code == 403
    listing = client.get("/people").get_data(as_text=True)
    assert "Deep Agent" in listing and "Lead" in listing and "Outsider" not in listing
    auth.logout()
    auth.login(lead)
    assert client.get(f"/people/{boss.id}").status_code == 403


def test_hr_cannot_grant_admin(client, auth, make_person, db):
    hr = make_person(roles=("hr",))
    agent = make_person()
    auth.login(hr)
    page = client.post(f"/admin/people/{agent.id}/edit", data={
        "employee_id": agent.employee_id, "name": agent.name, "email": agent.email,
        "roles": ["agent", "admin"],
    }).get_data(as_text=True)
    assert "Only an administrator" in page
    from lms.people.models import Person

    assert db.session.get(Person, agent.id).roles == {"agent"}


def test_hr_cannot_deactivate_an_admin(client, auth, make_person, db):
    hr = make_person(roles=("hr",))
    admin = make_person(roles=("admin",))
    auth.login(hr)
    client.post(f"/admin/people/{admin.id}/active", data={"active": "0"})
    from lms.people.models import Person

    assert db.session.get(Person, admin.id).active is True
