"""Personal access tokens: the service (stored hashed, audited, refusals) and the admin
screens (list, create shown once, revoke with a reason and CSRF)."""

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from reports.models import ApiToken
from reports.services import tokens


@pytest.fixture
def people(make_person):
    return {"admin": make_person(("admin",), name="Ada Admin"),
            "hr": make_person(("hr",), name="Harriet HR"),
            "agent": make_person(name="Andy Agent")}


def test_a_token_is_stored_hashed_and_audited(db, people):
    token, plaintext = tokens.create_token(
        db.session, people["admin"], name="HR sync", person=people["hr"],
        scopes=["certifications:read", "people:read", "people:read"])
    db.session.commit()
    assert re.fullmatch(r"lms_pat_[A-Za-z0-9_-]{43}", plaintext)
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.hint == plaintext[-4:]
    assert token.scopes == "certifications:read people:read"
    stored = db.session.execute(select(ApiToken.__table__)).one()._asdict()
    assert plaintext not in {str(v) for v in stored.values()}
    assert tokens.authenticate(db.session, plaintext).id == token.id
    tokens.revoke_token(db.session, people["admin"], token, "rotated")
    db.session.commit()
    with pytest.raises(tokens.TokenRefused, match="revoked"):
        tokens.authenticate(db.session, plaintext)
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["api_token.create", "api_token.revoke"]
    revoke = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert revoke.reason == "rotated" and revoke.actor_id == people["admin"].id


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": " "}, "name"), ({"scopes": []}, "scopes"), ({"scopes": ["admin:write"]}, "scopes"),
    ({"expires_on": "yesterday"}, "expires_on"), ({"person": "inactive"}, "person"),
])
def test_create_refuses_bad_input(db, people, fields, field):
    if fields.get("person") == "inactive":
        people["agent"].active = False
        fields = {**fields, "person": people["agent"]}
    if fields.get("expires_on") == "yesterday":
        fields = {**fields, "expires_on": clock.today() - timedelta(days=1)}
    values = {"name": "x", "person": people["hr"], "scopes": ["people:read"], **fields}
    with pytest.raises(DomainError) as refused:
        tokens.create_token(db.session, people["admin"], **values)
    assert refused.value.field == field
    assert db.session.scalar(select(ApiToken.id)) is None


def test_revoke_refuses_twice_and_without_reason(db, people):
    token, _plain = tokens.create_token(db.session, None, name="x", person=people["hr"],
                                        scopes=["people:read"])
    with pytest.raises(DomainError):
        tokens.revoke_token(db.session, None, token, "  ")
    tokens.revoke_token(db.session, None, token, "done")
    with pytest.raises(DomainError, match="already"):
        tokens.revoke_token(db.session, None, token, "again")


def test_expiry_date_runs_through_the_day(db, people):
    token, plaintext = tokens.create_token(db.session, None, name="x", person=people["hr"],
                                           scopes=["people:read"], expires_on=clock.today())
    db.session.commit()
    tokens.authenticate(db.session, plaintext)
    with pytest.raises(tokens.TokenRefused, match="expired"):
        tokens.authenticate(db.session, plaintext, now=token.expires_at)


def test_admin_creates_a_token_shown_once(client, auth, db, people):
    auth.login(people["admin"])
    form = client.get("/reports/api-tokens/new").get_data(as_text=True)
    assert "Harriet HR" in form and "people:read" in form
    response = client.post("/reports/api-tokens/new", data={
        "name": "HR system sync", "person": people["hr"].id,
        "scopes": ["people:read", "profiles:read"], "expires_on": ""})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    plaintext = re.search(r"lms_pat_[A-Za-z0-9_-]{43}", page).group(0)
    assert "shown only this once" in page
    assert response.headers["Cache-Control"] == "no-store"
    listing = client.get("/reports/api-tokens").get_data(as_text=True)
    assert "HR system sync" in listing and "Harriet HR" in listing
    assert plaintext not in listing and plaintext[-4:] in listing
    api = client.get("/api/v1/people", headers={"Authorization": f"Bearer {plaintext}"})
    assert api.status_code == 200


def test_tampered_create_form_is_refused(client, auth, db, people):
    auth.login(people["admin"])
    for data in ({"name": "x", "person": "999999", "scopes": ["people:read"]},
                 {"name": "x", "person": people["hr"].id, "scopes": ["admin:write"]},
                 {"name": "x", "person": people["hr"].id, "scopes": []},
                 {"name": "", "person": people["hr"].id, "scopes": ["people:read"]},
                 {"name": "x", "person": people["hr"].id, "scopes": ["people:read"],
                  "expires_on": "2001-01-01"}):
        response = client.post("/reports/api-tokens/new", data=data)
        assert response.status_code == 422, data
        assert "field-error" in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken.id)) is None


def test_admin_revokes_with_a_reason(client, auth, db, people):
    token, plaintext = tokens.create_token(db.session, None, name="Old sync",
                                           person=people["hr"], scopes=["people:read"])
    db.session.commit()
    auth.login(people["admin"])
    url = f"/reports/api-tokens/{token.id}/revoke"
    response = client.post(url, data={f"revoke{token.id}-reason": ""})
    assert response.status_code == 422
    db.session.refresh(token)
    assert token.revoked_at is None
    response = client.post(url, data={f"revoke{token.id}-reason": "vendor changed"})
    assert response.status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert "Revoked" in client.get("/reports/api-tokens").get_data(as_text=True)
    assert client.get("/api/v1/people", headers={
        "Authorization": f"Bearer {plaintext}"}).status_code == 401
    assert client.post("/reports/api-tokens/999999/revoke",
                       data={"revoke999999-reason": "x"}).status_code == 404


@pytest.mark.parametrize("role", ["agent", "mentor", "manager", "hr"])
def test_only_admins_revoke(client, auth, db, people, make_person, role):
    token, _plain = tokens.create_token(db.session, None, name="x", person=people["hr"],
                                        scopes=["people:read"])
    db.session.commit()
    auth.login(make_person((role,)))
    response = client.post(f"/reports/api-tokens/{token.id}/revoke",
                           data={f"revoke{token.id}-reason": "mine now"})
    assert response.status_code == 403
    db.session.refresh(token)
    assert token.revoked_at is None


def test_revoke_needs_the_csrf_token(app_config, make_app, db, people):
    token, _plain = tokens.create_token(db.session, None, name="x", person=people["hr"],
                                        scopes=["people:read"])
    db.session.commit()
    client = make_app({**app_config, "WTF_CSRF_ENABLED": True}).test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    client.post("/login", data={"login": people["admin"].email,
                                "password": "correct-horse-battery",
                                "csrf_token": csrf.group(1)})
    response = client.post(f"/reports/api-tokens/{token.id}/revoke",
                           data={f"revoke{token.id}-reason": "no csrf"})
    assert response.status_code == 400
    db.session.refresh(token)
    assert token.revoked_at is None
