"""Headers, cookies, CSRF, error pages, and the settings a deployment cannot start without."""

import os
import subprocess
import sys

import pytest


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_production_cookie_flags(app_config, make_person, make_app):
    app = make_app(dict(app_config, SESSION_COOKIE_SECURE=True))
    person = make_person()
    response = app.test_client().post(
        "/login", data={"login": person.email, "password": "correct-horse-battery"},
        base_url="https://localhost",
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in response.headers


@pytest.fixture
def csrf_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_forms_without_csrf_token_are_refused(csrf_config, client, make_person, db):
    person = make_person()
    response = client.post("/login", data={"login": person.email,
                                           "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_logout_without_csrf_token_is_refused(csrf_config, client, make_person):
    import re

    person = make_person()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"login": person.email, "password": "correct-horse-battery",
                                "csrf_token": token})
    assert client.get("/account").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 200


def test_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.own_app  # adds a route, which a shared app refuses once it has served
def test_friendly_500(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_signed_in_pages_are_not_cached(client, auth, make_person):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    auth.login(make_person())
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_language_chosen_before_sign_in_survives_it(client, make_person):
    person = make_person()
    client.post("/language", data={"lang-locale": "zh_Hans_CN"})
    client.post("/login", data={"login": person.email, "password": "correct-horse-battery"})
    page = client.get("/account").get_data(as_text=True)
    assert '<html lang="zh-Hans"' in page


@pytest.mark.own_app  # adds a route, which a shared app refuses once it has served
def test_a_lost_race_on_a_unique_row_gets_the_409_page(app, client, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    @app.post("/race")
    def race():
        raise IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed"))

    response = client.post("/race")
    assert response.status_code == 409
    assert "Changed at the same moment" in response.get_data(as_text=True)


@pytest.mark.own_app  # adds a route, which a shared app refuses once it has served
def test_no_store_header_costs_no_database_work_after_a_post(app, client, auth, make_person):
    """The header is decided from the session: a signed-in POST runs no query after the
    view's own work just to set it."""
    from sqlalchemy import event

    from lms.core.extensions import db as _db

    statements = []

    @app.post("/touch")
    def touch():
        statements.clear()  # count only what happens after the view
        return "ok"

    auth.login(make_person())
    with app.app_context():
        engine = _db.engine

    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.post("/touch")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.headers["Cache-Control"] == "no-store"
    assert statements == []


@pytest.fixture
def production_config(app_config, monkeypatch):
    """A deployment's settings: neither debug nor testing, nothing from the environment."""
    for key in ("PUBLIC_URL", "FLASK_DEBUG", "TRUSTED_PROXIES"):
        monkeypatch.delenv(key, raising=False)
    return dict(app_config, TESTING=False)


def test_the_app_refuses_to_start_without_public_url(production_config):
    from lms import create_app
    from lms.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="PUBLIC_URL is not set"):
        create_app(production_config)
    for wrong in ("academy.example.com", "ftp://academy.example.com", "https://"):
        with pytest.raises(ConfigurationError, match="PUBLIC_URL must be"):
            create_app(dict(production_config, PUBLIC_URL=wrong))


def test_the_app_starts_with_public_url_from_the_environment(production_config, monkeypatch,
                                                             make_app):
    monkeypatch.setenv("PUBLIC_URL", "https://academy.example.com/")
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    app = make_app(production_config)
    assert app.config["PUBLIC_URL"] == "https://academy.example.com"
    assert app.config["TRUSTED_PROXIES"] == 2


def test_debug_runs_without_public_url(production_config, make_app):
    app = make_app(dict(production_config, DEBUG=True))
    assert app.config["PUBLIC_URL"] == ""


def test_a_bad_trusted_proxies_value_is_refused(production_config, monkeypatch):
    from lms import create_app
    from lms.config import ConfigurationError

    monkeypatch.setenv("TRUSTED_PROXIES", "yes")
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES must be a whole number"):
        create_app(dict(production_config, PUBLIC_URL="https://academy.example.com"))


def test_the_flask_command_says_what_to_set(production_config, tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in ("PUBLIC_URL", "FLASK_DEBUG")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "lms", "db", "current"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert done.stderr.strip().startswith("Error: PUBLIC_URL is not set")
    assert "Traceback" not in done.stderr
