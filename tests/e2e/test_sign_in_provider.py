"""The browser journey of company sign-in: an administrator configures the OpenID Connect
provider (a real one on a loopback port), signs out; a new agent signs in through it for the
first time and lands on My path in the team and tier the mapping gives; signing out ends the
provider's session too; once deactivated, the same agent is refused with a clear page."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.paths.models import CertificationPath
from lms.people.models import Person
from tests.e2e.pages import flash_messages, login_as, sign_out
from tests.identity.oidc_provider import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.e2e


def _add_provider(page, issuer: str) -> None:
    page.goto("/admin/sign-in")
    page.click(page.raw.get_by_role("link", name="Add an identity provider"))
    form = page.raw.locator("main form")
    form.get_by_label("Name shown on the sign-in button").fill("Contoso")
    form.get_by_label("Key (in the provider's redirect address)").fill("contoso")
    form.get_by_label("Issuer URL").fill(issuer)
    form.get_by_label("Client ID").fill(CLIENT_ID)
    form.get_by_label("Client secret").fill(CLIENT_SECRET)
    form.get_by_label("Claim that carries the employee ID").fill("employee_id")
    form.get_by_label("Create an account on first sign-in").check()
    form.get_by_label("Claim mapping (one rule a line)").fill(
        "department=Chat -> team=Online Chat; tier=NEWHIRE; roles=agent")
    page.click(form.get_by_role("button", name="Save"))


def test_a_new_agent_signs_in_through_the_company_provider(page, app, db, oidc_server,
                                                          live_server):
    # Links the app writes (the provider's redirect address) are built on PUBLIC_URL.
    app.config["PUBLIC_URL"] = live_server
    oidc_server.add_user("wei", employee_id="N7001", email="wei.zhang@demo.example",
                         name="张伟", department="Chat")

    login_as(page, "admin")
    _add_provider(page, oidc_server.issuer)
    assert "Identity provider saved." in flash_messages(page)
    expect(page.raw.locator("main table").first).to_contain_text(
        f"{live_server}/sso/contoso/callback")
    sign_out(page)

    oidc_server.next_login = "wei"
    page.click(page.raw.get_by_role("link", name="Sign in with Contoso"))
    expect(page.raw).to_have_url(re.compile(r"/my-path$"))
    expect(page.heading()).to_have_text("My path")

    person = db.session.scalar(select(Person).where(Person.employee_id == "N7001"))
    assert person.team.name == "Online Chat"
    assert db.session.get(CertificationPath, person.tier_id).code == "NEWHIRE"
    assert person.roles == {"agent"}
    person_id = person.id
    db.session.remove()  # SQLite: no read transaction left open under the server's writes

    sign_out(page)
    assert oidc_server.ended and oidc_server.ended[-1]["client_id"] == CLIENT_ID
    expect(page.raw).to_have_url(re.compile(r"/login$"))

    db.session.get(Person, person_id).active = False
    db.session.commit()
    db.session.remove()
    page.click(page.raw.get_by_role("link", name="Sign in with Contoso"))
    expect(page.heading()).to_have_text("Sign-in refused")
    expect(page.raw.get_by_role("alert")).to_contain_text("deactivated")
