"""Access as a table for the 360 routes: every role × every route, on objects the actor has
no link to (another person's subject and rater), and signed-out visitors."""

import pytest

from tests.assessments.review360.conftest import nominate_and_approve

ROLES = ("agent", "mentor", "manager", "hr", "admin")
HR = ("hr", "admin")

ROUTES = [
    ("GET", "/360", ROLES),
    ("GET", "/360/cycles", HR),
    ("GET", "/360/cycles/new", HR),
    ("GET", "/360/cycles/{cycle}", HR),
    ("GET", "/360/cycles/{cycle}/settings", HR),
    ("POST", "/360/cycles/{cycle}/subjects", HR),
    ("POST", "/360/cycles/{cycle}/extend", HR),
    ("GET", "/360/subjects/{subject}", HR),
    ("POST", "/360/subjects/{subject}/colleagues", HR),
    ("POST", "/360/subjects/{subject}/customers", HR),
    ("POST", "/360/subjects/{subject}/approve", ()),  # already approved: nobody (403 or 302)
    ("POST", "/360/subjects/{subject}/raters/{customer}/resend", HR),
    ("POST", "/360/subjects/{subject}/raters/{customer}/confirm", HR),
    ("POST", "/360/subjects/{subject}/submit", ()),
    ("GET", "/360/subjects/{subject}/results", ()),  # open cycle: nobody yet
    ("GET", "/360/subjects/{subject}/results.json", ()),
    ("GET", "/360/subjects/{subject}/report.pdf", ()),
    ("GET", "/360/respond/{peer}", ()),
    ("POST", "/360/respond/{peer}", ()),
    ("GET", "/360/questionnaires", ("admin",)),
    ("GET", "/360/questionnaires/{questionnaire}", ("admin",)),
    ("POST", "/360/questionnaires/{questionnaire}/items", ("admin",)),
    ("POST", "/360/questionnaires/{questionnaire}/items/remove", ("admin",)),
    # Last: these change what the routes above may do.
    ("POST", "/360/subjects/{subject}/raters/{peer}/withdraw", HR),
    ("POST", "/360/cycles/{cycle}/close", HR),
]


@pytest.fixture
def ids(world):
    nominate_and_approve(world)
    return {"cycle": world.cycle.id, "subject": world.subject.id,
            "peer": world.rater("peer", world.peers[0]).id,
            "customer": world.rater("customer", email="c0@customer.example").id,
            "questionnaire": world.subject.version.questionnaire_id}


@pytest.mark.parametrize("role", ROLES)
def test_role_access_table(client, auth, make_person, ids, role):
    """Every route for one role (one database per role keeps the table fast); a route that
    changes something may run after another that did, which the statuses allow for."""
    actor = make_person(roles=(role,))
    auth.login(actor)
    for method, url, allowed in ROUTES:
        response = client.open(url.format(**ids), method=method)
        if role in allowed:
            assert response.status_code in (200, 302, 400, 422), (url, response.status_code)
        elif url.endswith("/approve") and role in HR:
            # HR may approve, but these nominations are approved already: refused with a
            # message on the page.
            assert response.status_code == 302, url
        else:
            assert response.status_code == 403, (url, response.status_code)


def test_signed_out_goes_to_login(client, ids):
    for method, url, _allowed in ROUTES:
        response = client.open(url.format(**ids), method=method)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


def test_unknown_ids_are_404(client, auth, world):
    auth.login(world.hr)
    for url in ("/360/cycles/999", "/360/subjects/999", "/360/respond/999",
                "/360/subjects/999/results"):
        assert client.get(url).status_code == 404, url
    other = world.subject.raters[0].id
    assert client.post(f"/360/subjects/999/raters/{other}/withdraw").status_code == 404
