"""Signing in through a real OpenID Connect provider on a loopback port: the journey that
works, and every way it must be refused: a clear page, nothing changed, an audit entry."""

import pytest
from sqlalchemy import func, select

from lms.core.audit import AuditEntry
from lms.identity.models import ExternalIdentity, IdentityProvider, UsedToken
from lms.identity.services import replay
from lms.people.models import Person
from tests.identity.conftest import callback_for, sign_in_through_provider


def _refusals(db) -> list[str]:
    return [entry.details["code"] for entry in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "identity.sign_in_refused")
        .order_by(AuditEntry.id))]


def _counts(db) -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count()).select_from(Person)),
            db.session.scalar(select(func.count()).select_from(ExternalIdentity)),
            db.session.scalar(select(func.count()).select_from(UsedToken)))


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_an_existing_person_signs_in_and_is_linked_by_employee_id(
        client, db, make_person, make_provider, oidc_server):
    agent = make_person(employee_id="E1001", email="ann@example.com")
    make_provider()
    # The provider's e-mail differs: the link is made by employee ID, never by e-mail.
    oidc_server.add_user("ann", employee_id="E1001", email="ann.other@corp.example",
                         name="Ann")
    oidc_server.next_login = "ann"

    answer = sign_in_through_provider(client)

    assert answer.status_code == 302 and answer.headers["Location"] == "/"  # no tier: home
    assert _signed_in(client)
    link = db.session.scalar(select(ExternalIdentity))
    assert (link.person_id, link.subject) == (agent.id, "sub-ann")
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "identity.sign_in")).details["person_id"] == agent.id

    # The next time the link is used, whatever the employee ID claim says now.
    client.post("/logout")
    oidc_server.users["ann"]["employee_id"] = "E-CHANGED"
    assert sign_in_through_provider(client).status_code == 302
    assert _signed_in(client)


def test_the_authorization_request_carries_pkce_state_and_nonce(client, make_provider):
    make_provider()
    location = client.get("/sso/test/start").headers["Location"]
    for part in ("code_challenge_method=S256", "code_challenge=", "state=", "nonce=",
                 "scope=openid+profile+email"):
        assert part in location


@pytest.mark.parametrize("tamper, reason, words", [
    ({"aud": "another-app"}, "wrong_audience", "issued for another application"),
    ({"exp_delta": -3600}, "expired", "has expired"),
    ({"wrong_key": True}, "bad_signature", "not signed with its published keys"),
    ({"iss": "https://elsewhere.example"}, "wrong_issuer", "another issuer"),
])
def test_a_bad_id_token_is_refused_and_changes_nothing(
        client, db, make_person, make_provider, oidc_server, tamper, reason, words):
    make_person(employee_id="E1001")
    make_provider()
    oidc_server.add_user("ann", employee_id="E1001", email="ann@example.com", name="Ann")
    oidc_server.next_login = "ann"
    oidc_server.tamper = tamper
    before = _counts(db)

    answer = sign_in_through_provider(client)

    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert words in page and "Nothing was changed" in page
    assert _counts(db) == before
    assert not _signed_in(client)
    assert _refusals(db) == [reason]


def test_clock_skew_is_bounded(client, db, make_person, make_provider, oidc_server):
    make_person(employee_id="E1001")
    make_provider()
    oidc_server.add_user("ann", employee_id="E1001", email="ann@example.com")
    oidc_server.next_login = "ann"
    oidc_server.tamper = {"exp_delta": -60}  # a minute late: within the skew allowed
    assert sign_in_through_provider(client).status_code == 302
    client.post("/logout")
    oidc_server.tamper = {"exp_delta": -300}  # five minutes late: refused
    assert sign_in_through_provider(client).status_code == 403
    assert _refusals(db) == ["expired"]


def test_a_replayed_callback_is_refused(client, db, make_person, make_provider, oidc_server):
    make_person(employee_id="E1001")
    make_provider()
    oidc_server.add_user("ann", employee_id="E1001", email="ann@example.com")
    oidc_server.next_login = "ann"
    callback = callback_for(client)
    cookie = client.get_cookie("session").value
    assert client.get(callback).status_code == 302
    client.post("/logout")

    # The same answer again, with the browser's session as it was before the first use.
    client.set_cookie("session", cookie, domain="localhost")
    before = _counts(db)
    answer = client.get(callback)
    assert answer.status_code == 403
    assert "already used" in answer.get_data(as_text=True)
    assert _counts(db) == before
    assert _refusals(db) == ["state_replayed"]


def test_an_id_token_replayed_into_another_sign_in_is_refused(
        client, db, make_person, make_provider, oidc_server):
    make_person(employee_id="E1001")
    make_provider()
    oidc_server.add_user("ann", employee_id="E1001", email="ann@example.com")
    oidc_server.next_login = "ann"
    assert sign_in_through_provider(client).status_code == 302
    client.post("/logout")
    oidc_server.tamper = {"replay": True}  # the provider hands back the earlier ID token
    answer = sign_in_through_provider(client)
    assert answer.status_code == 403
    assert _refusals(db) == ["nonce_mismatch"]


def test_a_state_that_does_not_match_is_refused(client, db, make_provider, oidc_server):
    make_provider()
    oidc_server.add_user("ann", employee_id="E1001", email="ann@example.com")
    oidc_server.next_login = "ann"
    callback = callback_for(client)
    forged = callback.replace("state=", "state=x")
    assert client.get(forged).status_code == 403
    # Without the pending sign-in in the session (another browser) it is refused too.
    assert client.get(callback).status_code == 403
    assert _refusals(db) == ["state_mismatch", "no_pending_sign_in"]


def test_each_token_is_used_once(db, app):
    from datetime import UTC, datetime, timedelta

    later = datetime.now(UTC) + timedelta(minutes=5)
    assert replay.use_once(db.session, "oidc-nonce:1:abc", later)
    assert not replay.use_once(db.session, "oidc-nonce:1:abc", later)


def test_an_unknown_employee_is_refused_without_provisioning(
        client, db, make_provider, oidc_server):
    make_provider(provisioning=False)
    oidc_server.add_user("new", employee_id="E2002", email="new@example.com", name="New")
    oidc_server.next_login = "new"
    before = _counts(db)
    answer = sign_in_through_provider(client)
    assert answer.status_code == 403
    assert "no account with employee ID E2002" in answer.get_data(as_text=True)
    assert _counts(db) == before
    assert _refusals(db) == ["unknown_employee"]


def test_an_unknown_employee_is_provisioned_by_the_mapping(
        client, db, defaults, make_team, make_provider, oidc_server):
    make_team("General")
    north = make_team("North service")
    senior = defaults[list(defaults)[1]]
    make_provider(provisioning=True,
                  mapping_text=f"department=North -> team=North service; tier={senior.code}")
    oidc_server.add_user("new", employee_id="E2002", email="new@example.com", name="Nina New",
                         department="North")
    oidc_server.next_login = "new"

    answer = sign_in_through_provider(client)
    assert answer.status_code == 302 and answer.headers["Location"] == "/my-path"
    person = db.session.scalar(select(Person).where(Person.employee_id == "E2002"))
    assert (person.name, person.email, person.team_id, person.tier_id) == (
        "Nina New", "new@example.com", north.id, senior.id)
    assert person.roles == {"agent"} and person.password_hash is None
    assert _signed_in(client)
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "identity.provision")).details["employee_id"] == "E2002"


def test_provisioning_never_takes_over_an_account_by_email(
        client, db, make_person, make_provider, oidc_server):
    make_person(employee_id="E1001", email="ann@example.com")
    make_provider(provisioning=True)
    oidc_server.add_user("mallory", employee_id="E6666", email="ann@example.com")
    oidc_server.next_login = "mallory"
    before = _counts(db)
    answer = sign_in_through_provider(client)
    assert answer.status_code == 403
    assert "already in use" in answer.get_data(as_text=True)
    assert _counts(db) == before
    assert _refusals(db) == ["provisioning_refused"]


def test_a_deactivated_person_is_refused(client, db, make_person, make_provider, oidc_server):
    agent = make_person(employee_id="E1001")
    make_provider()
    oidc_server.add_user("ann", employee_id="E1001", email="ann@example.com")
    oidc_server.next_login = "ann"
    assert sign_in_through_provider(client).status_code == 302
    client.post("/logout")
    agent.active = False
    db.session.commit()
    before = _counts(db)

    answer = sign_in_through_provider(client)

    assert answer.status_code == 403
    assert "deactivated" in answer.get_data(as_text=True)
    assert _counts(db) == before
    assert not _signed_in(client)
    assert _refusals(db) == ["deactivated"]


def test_a_provider_error_and_a_disabled_provider_are_refused(
        client, db, make_provider, oidc_server):
    provider = make_provider()
    oidc_server.next_login = None  # the provider answers access_denied
    assert sign_in_through_provider(client).status_code == 403
    provider.enabled = False
    db.session.commit()
    assert client.get("/sso/test/start").status_code == 404
    assert _refusals(db) == ["provider_error"]


def test_signing_out_ends_the_provider_session(client, make_person, make_provider, oidc_server):
    make_person(employee_id="E1001")
    make_provider()
    oidc_server.add_user("ann", employee_id="E1001", email="ann@example.com")
    oidc_server.next_login = "ann"
    sign_in_through_provider(client)
    answer = client.post("/logout")
    assert answer.headers["Location"].startswith(f"{oidc_server.issuer}/logout?id_token_hint=")
    assert "post_logout_redirect_uri=http%3A%2F%2Flocalhost%2Flogin" in answer.headers["Location"]
    assert not _signed_in(client)


def test_the_client_secret_is_stored_encrypted_and_never_shown(
        client, db, auth, make_person, make_provider):
    from tests.identity.oidc_provider import CLIENT_SECRET

    provider = make_provider()
    stored = db.session.scalar(select(IdentityProvider.client_secret_encrypted))
    assert stored and CLIENT_SECRET not in stored
    auth.login(make_person(roles=("admin",)))
    page = client.get(f"/admin/sign-in/providers/{provider.id}").get_data(as_text=True)
    assert CLIENT_SECRET not in page and stored not in page


def test_an_admin_adds_a_provider_through_the_form(client, db, auth, make_person, oidc_server):
    from tests.identity.oidc_provider import CLIENT_ID, CLIENT_SECRET

    auth.login(make_person(roles=("admin",)))
    form = {"name": "Company", "key": "corp", "issuer": oidc_server.issuer,
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "scopes": "openid profile email", "employee_id_claim": "employee_id",
            "enabled": "y", "mapping_text": "department=North -> team=Nowhere"}
    refused = client.post("/admin/sign-in/providers/new", data=form)
    assert refused.status_code == 422
    assert "Mapping line 1" in refused.get_data(as_text=True)
    bad_issuer = client.post("/admin/sign-in/providers/new",
                             data={**form, "mapping_text": "", "issuer": "http://127.0.0.1:9"})
    assert bad_issuer.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(IdentityProvider)) == 0

    saved = client.post("/admin/sign-in/providers/new", data={**form, "mapping_text": ""})
    assert saved.status_code == 302
    provider = db.session.scalar(select(IdentityProvider))
    assert provider.metadata_doc["token_endpoint"] == f"{oidc_server.issuer}/token"
    client.post("/logout")
    assert "Sign in with Company" in client.get("/login").get_data(as_text=True)
