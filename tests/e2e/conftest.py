"""The browser suite's fixtures: the demo organisation on a live server, Debian's Chromium
through Playwright, and a page that checks accessibility on every navigation.

The live app is built like every other test's (tests/conftest.py: the demo template copied
into place), with CSRF on, as in production. The journeys test the browser layer, not SQL, so
scripts/test.sh runs them on SQLite only.
"""

import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from lms.people.models import Person
from tests.e2e.accessibility import load_axe_source
from tests.e2e.pages import AuditedPage

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture
def app_config(app_config):
    """The usual test app, but with CSRF protection and no fixed SERVER_NAME."""
    return {**app_config, "WTF_CSRF_ENABLED": True, "SERVER_NAME": None,
            "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False}


@pytest.fixture
def demo(app, db):
    """The demo organisation (the session's demo template, which this test starts from);
    returns {email: (person id, name)}."""
    people = {p.email: (p.id, p.name) for p in db.session.query(Person)}
    # End the transaction: SQLite transactions take the write lock up front.
    db.session.remove()
    return people


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture
def live_server(app, demo):
    """The app served on 127.0.0.1 (a free port) from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def axe_source():
    return load_axe_source()


@pytest.fixture(scope="session")
def browser(axe_source):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, axe_source):
    """An AuditedPage in a fresh browser context (own cookies; CSP bypassed for axe only)."""
    context = browser.new_context(bypass_csp=True, locale="en-GB")
    context.set_default_timeout(15_000)
    audited = AuditedPage(context.new_page(), live_server, axe_source)
    yield audited
    try:
        audited.assert_all_audited()
    finally:
        context.close()
