"""Signing in and out, sessions that end, throttling, password change and reset links."""

import re
from datetime import timedelta

import pytest

from lms import clock
from lms.people.models import Person


def test_login_by_email_or_employee_id(client, auth, make_person):
    make_person(employee_id="E777", email="ana@example.com")
    assert auth.login("ANA@example.com").status_code == 302
    auth.logout()
    assert auth.login("E777").status_code == 302


def test_wrong_password_gives_one_message(client, auth, make_person):
    make_person(email="ana@example.com")
    page = auth.login("ana@example.com", "nope").get_data(as_text=True)
    assert "password is not correct" in page
    page = auth.login("nobody@example.com", "nope").get_data(as_text=True)
    assert "password is not correct" in page


def test_deactivated_cannot_login(client, auth, make_person, db):
    person = make_person()
    person.active = False
    db.session.commit()
    page = auth.login(person).get_data(as_text=True)
    assert "deactivated" in page
    assert client.get("/").status_code == 302


def test_anonymous_is_sent_to_login(client):
    response = client.get("/people")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_next_parameter_cannot_leave_the_site(client, make_person):
    person = make_person()
    response = client.post("/login?next=//evil.example/x",
                           data={"login": person.email, "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/matrix",
                           data={"login": person.email, "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/matrix"


def _session_cookie(client):
    return client.get_cookie("session").value


def test_logout_invalidates_a_copied_session_cookie(app, client, auth, make_person):
    person = make_person()
    auth.login(person)
    stolen = _session_cookie(client)
    auth.logout()
    other = app.test_client()
    other.set_cookie("session", stolen)
    assert other.get("/account").status_code == 302  # back to login: the version moved on


def test_password_change_ends_other_sessions_but_not_this_one(app, client, auth, make_person):
    person = make_person()
    auth.login(person)
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"login": person.email, "password": "correct-horse-battery"})
    assert elsewhere.get("/account").status_code == 200
    response = client.post("/account", data={
        "pw-current_password": "correct-horse-battery", "pw-new_password": "new-long-password",
        "pw-confirm": "new-long-password",
    })
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302


def test_password_change_bad_input(client, auth, make_person, db):
    person = make_person()
    auth.login(person)
    page = client.post("/account", data={
        "pw-current_password": "wrong-password", "pw-new_password": "new-long-password",
        "pw-confirm": "new-long-password",
    }).get_data(as_text=True)
    assert "current password is not correct" in page
    page = client.post("/account", data={
        "pw-current_password": "correct-horse-battery", "pw-new_password": "short",
        "pw-confirm": "short",
    }).get_data(as_text=True)
    assert "at least 10" in page
    page = client.post("/account", data={
        "pw-current_password": "correct-horse-battery", "pw-new_password": "new-long-password",
        "pw-confirm": "different-password",
    }).get_data(as_text=True)
    assert "passwords differ" in page
    assert db.session.get(Person, person.id).check_password("correct-horse-battery")


def test_deactivation_ends_a_live_session(client, auth, make_person, db, app):
    admin = make_person(roles=("admin",))
    agent = make_person()
    auth.login(agent)
    assert client.get("/account").status_code == 200
    admin_client = app.test_client()
    admin_client.post("/login", data={"login": admin.email, "password": "correct-horse-battery"})
    admin_client.post(f"/admin/people/{agent.id}/active", data={"active": "0", "reason": "left"})
    assert client.get("/account").status_code == 302


def test_admin_reset_link_flow(app, client, auth, make_person, db):
    admin = make_person(roles=("admin",))
    agent = make_person()
    auth.login(admin)
    page = client.post(f"/admin/people/{agent.id}/reset-link").get_data(as_text=True)
    link = re.search(r'value="(http://localhost/reset/[^"]+)"', page).group(1)
    path = link.replace("http://localhost", "")
    auth.logout()
    assert client.get(path).status_code == 200
    response = client.post(path, data={"new_password": "freshly-chosen-pw",
                                       "confirm": "freshly-chosen-pw"})
    assert response.status_code == 302
    assert auth.login(agent, "freshly-chosen-pw").status_code == 302
    auth.logout()
    replay = client.post(path, data={"new_password": "attacker-password",
                                     "confirm": "attacker-password"})
    assert replay.status_code == 400
    assert db.session.get(Person, agent.id).check_password("freshly-chosen-pw")


def test_tampered_reset_link_refused(client):
    assert client.get("/reset/not-a-token").status_code == 400


def test_only_admins_issue_reset_links(client, auth, make_person):
    hr = make_person(roles=("hr",))
    agent = make_person()
    auth.login(hr)
    assert client.post(f"/admin/people/{agent.id}/reset-link").status_code == 403


@pytest.fixture
def throttle_config(app_config):
    app_config.update(LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_MAX_FAILURES_PER_ADDRESS=5)
    return app_config


def test_failed_logins_lock_the_account(throttle_config, client, auth, make_person):
    person = make_person(email="ana@example.com")
    for _ in range(3):
        auth.login(person, "wrong-password")
    page = auth.login(person).get_data(as_text=True)
    assert "Too many failed sign-ins" in page
    assert client.get("/account").status_code == 302
    # The window passes: the right password works again.
    clock.freeze(clock.now() + timedelta(minutes=16))
    assert auth.login(person).status_code == 302


def test_failed_logins_lock_the_address_across_accounts(throttle_config, client, auth,
                                                       make_person):
    victim = make_person()
    for n in range(5):
        auth.login(f"guess{n}@example.com", "wrong-password")
    page = auth.login(victim).get_data(as_text=True)
    assert "Too many failed sign-ins" in page


def test_throttle_shared_through_redis(throttle_config, make_person, make_app):
    """With REDIS_URL the counters live in Redis, so every worker process sees them."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    throttle_config["REDIS_URL"] = url
    person = make_person()
    first, second = make_app(dict(throttle_config)), make_app(dict(throttle_config))
    for _ in range(3):
        first.test_client().post("/login", data={"login": person.email, "password": "bad"})
    page = second.test_client().post(
        "/login", data={"login": person.email, "password": "correct-horse-battery"}
    ).get_data(as_text=True)
    assert "Too many failed sign-ins" in page
    redis.Redis.from_url(url).flushdb()
