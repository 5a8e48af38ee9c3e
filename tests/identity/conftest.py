"""Identity providers saved against the loopback OIDC provider (tests/conftest.py starts it),
and a helper that walks a browser's sign-in through it with the test client."""

from urllib.parse import urlsplit

import pytest
import requests

from lms.identity.services.providers import ProviderData, save_provider
from tests.identity.oidc_provider import CLIENT_ID, CLIENT_SECRET


@pytest.fixture
def make_provider(app, db, oidc_server):
    """make_provider(**fields) -> IdentityProvider "test", saved through the service (so its
    discovery document is really read from the provider)."""

    def make(**fields):
        data = ProviderData(key="test", name="Test IdP", issuer=oidc_server.issuer,
                            client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                            employee_id_claim="employee_id")
        for name, value in fields.items():
            setattr(data, name, value)
        provider = save_provider(db.session, None, None, data, app.config["SECRET_KEY"])
        db.session.commit()
        return provider

    return make


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def callback_for(client, key: str = "test") -> str:
    """Start a sign-in and let the provider answer; returns the callback path it sent the
    browser to (not yet followed)."""
    started = client.get(f"/sso/{key}/start")
    assert started.status_code == 302, started.status_code
    answer = requests.get(started.headers["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return local_path(answer.headers["Location"])


def sign_in_through_provider(client, key: str = "test"):
    """The whole round trip; returns the callback's response."""
    return client.get(callback_for(client, key))
