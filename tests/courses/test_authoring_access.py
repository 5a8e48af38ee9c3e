"""Access as a table: every authoring URL × every kind of person."""

import io

import pytest

from courses.services import authoring
from tests.courses import payloads

# "author" is a mentor holding the author right; "mentor" is one without it.
ACTORS = ("agent", "mentor", "author", "manager", "hr", "admin")
AUTHORS = ("author", "admin")
ADMINS = ("admin",)

# (method, url template, form data, who is allowed)
ROUTES = [
    ("GET", "/author/courses", None, AUTHORS),
    ("GET", "/author/courses?q=CS&status=draft", None, AUTHORS),
    ("GET", "/author/courses/new", None, AUTHORS),
    ("POST", "/author/courses/new", {"code": "NEW-1", "title": "New"}, AUTHORS),
    ("GET", "/author/courses/{course}", None, AUTHORS),
    ("GET", "/author/courses/{course}/settings", None, AUTHORS),
    ("POST", "/author/courses/{course}/settings", {"code": "CS-101", "title": "Renamed"},
     AUTHORS),
    ("POST", "/author/courses/{published}/draft", {}, AUTHORS),
    ("POST", "/author/courses/{course}/discard-draft", {}, AUTHORS),
    ("POST", "/author/courses/{course}/archive", {"archived": "1"}, AUTHORS),
    ("GET", "/author/courses/{course}/publish", None, AUTHORS),
    ("POST", "/author/courses/{course}/publish", {"notes": "v1"}, AUTHORS),
    ("POST", "/author/courses/{course}/modules", {"title": "Another"}, AUTHORS),
    ("GET", "/author/modules/{module}/edit", None, AUTHORS),
    ("POST", "/author/modules/{module}/edit", {"title": "Renamed"}, AUTHORS),
    ("POST", "/author/modules/{module}/move", {"direction": "down"}, AUTHORS),
    ("POST", "/author/modules/{module}/delete", {}, AUTHORS),
    ("GET", "/author/modules/{module}/lessons/new", None, AUTHORS),
    ("POST", "/author/modules/{module}/lessons/new",
     {"title": "L", "body": "b", "minutes": "5", "action": "save"}, AUTHORS),
    ("GET", "/author/lessons/{lesson}", None, AUTHORS),
    ("GET", "/author/lessons/{lesson}/edit", None, AUTHORS),
    ("POST", "/author/lessons/{lesson}/edit",
     {"title": "L", "body": "b", "minutes": "5", "action": "preview"}, AUTHORS),
    ("POST", "/author/lessons/{lesson}/move", {"direction": "up"}, AUTHORS),
    ("POST", "/author/lessons/{lesson}/delete", {}, AUTHORS),
    ("POST", "/author/preview", {"body": "# Hi"}, AUTHORS),
    ("POST", "/author/lessons/{lesson}/attachments", "upload", AUTHORS),
    ("POST", "/author/attachments/{attachment}/delete", {}, AUTHORS),
    ("GET", "/attachments/{attachment}", None, AUTHORS),
    ("GET", "/author/authors", None, ADMINS),
    ("POST", "/author/authors/{mentor}", {"allowed": "1"}, ADMINS),
]


@pytest.fixture
def world(db, app, make_course, make_person):
    course = make_course("CS-101")
    published = make_course("CS-102", publish=True)
    version = authoring.current_draft(db.session, course)
    module = version.modules[0]
    lesson = module.lessons[0]
    attachment = authoring.add_attachment(
        db.session, None, lesson, "handout.pdf", io.BytesIO(payloads.pdf()),
        app.config["STORAGE_DIR"], app.config["ATTACHMENT_MAX_BYTES"])
    db.session.commit()
    mentor = make_person(roles=("mentor",), name="Some Mentor")
    return {"course": course.id, "published": published.id, "module": module.id,
            "lesson": lesson.id, "attachment": attachment.id, "mentor": mentor.id}


def make_actor(db, make_person, actor):
    if actor != "author":
        return make_person(roles=(actor,))
    person = make_person(roles=("mentor",))
    person.can_author = True
    db.session.commit()
    return person


def send(client, method, url, data):
    if data == "upload":
        return client.post(url, data={"file": (io.BytesIO(payloads.png()), "a.png")},
                           content_type="multipart/form-data")
    response = client.open(url, method=method, data=data)
    response.get_data()
    response.close()
    return response


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "url", "data", "allowed"), ROUTES)
def test_authoring_access_table(client, auth, db, make_person, world, actor, method, url,
                                data, allowed):
    auth.login(make_actor(db, make_person, actor))
    response = send(client, method, url.format(**world), data)
    if actor in allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403
        assert "Not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "url", "data", "allowed"), ROUTES)
def test_signed_out_goes_to_login(client, world, method, url, data, allowed):
    response = send(client, method, url.format(**world), data)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", [
    "/author/courses/999999", "/author/courses/999999/settings", "/author/modules/999999/edit",
    "/author/lessons/999999/edit", "/author/lessons/999999", "/attachments/999999",
])
def test_unknown_ids_are_404(client, auth, make_person, world, url):
    auth.login(make_person(roles=("admin",)))
    assert client.get(url).status_code == 404


def test_nav_link_only_for_authors(client, auth, db, make_person):
    auth.login(make_person(roles=("mentor",)))
    assert "/author/courses" not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(make_actor(db, make_person, "author"))
    assert "/author/courses" in client.get("/").get_data(as_text=True)
