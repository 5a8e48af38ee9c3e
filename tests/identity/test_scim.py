"""SCIM 2.0: the request sequence an Entra ID provisioning run sends (users, then groups),
replayed against /scim/v2, and the organisation it leaves; tokens of their own scope."""

import re

import pytest
from sqlalchemy import func, select

from lms.core.audit import AuditEntry
from lms.identity.models import ScimToken
from lms.identity.services.scim_tokens import create_token, revoke_token
from lms.people.models import Person, Team
from lms.people.policy import reporting_line_ids
from lms.people.services.reporting_line import check_reporting_line

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def scim(client, db):
    token = create_token(db.session, _Actor(), "Entra ID")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}

    class Scim:
        plaintext = token

        def __call__(self, method, url, body=None):
            return client.open(f"/scim/v2{url}", method=method, json=body, headers=headers)

    return Scim()


class _Actor:
    id = None


def _user(n: int) -> dict:
    """A user as Entra ID's default attribute mapping sends it (employeeId mapped to the
    enterprise extension's employeeNumber)."""
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": f"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4e{n}",
        "userName": f"Test_User_{n}@testuser.com",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": f"Test_User_{n}@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": f"Given{n} Family{n}", "familyName": f"Family{n}",
                 "givenName": f"Given{n}"},
        "roles": [],
        ENTERPRISE: {"employeeNumber": f"E90{n}", "department": "Sales"},
    }


def test_an_entra_id_provisioning_run(scim, db):
    # Users: look up, create, read, change, deactivate.
    found = scim("GET", '/Users?filter=userName eq "Test_User_1@testuser.com"')
    assert found.status_code == 200 and found.json["totalResults"] == 0
    created = scim("POST", "/Users", _user(1))
    assert created.status_code == 201, created.json
    user_id = created.json["id"]
    assert created.headers["Location"].endswith(f"/scim/v2/Users/{user_id}")
    assert created.json["userName"] == "test_user_1@testuser.com"
    assert created.json[ENTERPRISE]["employeeNumber"] == "E901"
    assert scim("POST", "/Users", _user(1)).status_code == 409  # uniqueness
    second = scim("POST", "/Users", _user(2)).json["id"]
    assert scim("GET", f"/Users/{user_id}").json["displayName"] == "Given1 Family1"
    found = scim("GET", '/Users?filter=userName eq "Test_User_1@testuser.com"')
    assert [r["id"] for r in found.json["Resources"]] == [user_id]
    assert scim("GET", '/Users?filter=userName eq "non-existent user"').json[
        "totalResults"] == 0

    changed = scim("PATCH", f"/Users/{user_id}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": 'emails[type eq "work"].value',
         "value": "updatedEmail@testuser.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"}]})
    assert changed.status_code == 200 and changed.json["userName"] == "updatedemail@testuser.com"
    deactivated = scim("PATCH", f"/Users/{user_id}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]})
    assert deactivated.json["active"] is False

    # Groups: create, find, rename, membership.
    group = scim("POST", "/Groups", {"schemas": [GROUP], "externalId": "8aa1a0c0-c4c3",
                                     "displayName": "Sales", "meta": {"resourceType": "Group"}})
    assert group.status_code == 201 and group.json["members"] == []
    group_id = group.json["id"]
    assert scim("GET", f"/Groups/{group_id}?excludedAttributes=members").status_code == 200
    found = scim("GET", '/Groups?filter=displayName eq "Sales"&excludedAttributes=members')
    assert [g["id"] for g in found.json["Resources"]] == [group_id]
    renamed = scim("PATCH", f"/Groups/{group_id}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "Sales North"}]})
    assert renamed.json["displayName"] == "Sales North"
    for member in (user_id, second):
        added = scim("PATCH", f"/Groups/{group_id}", {"schemas": [PATCH], "Operations": [
            {"op": "Add", "path": "members", "value": [{"$ref": None, "value": member}]}]})
        assert added.status_code == 200
    removed = scim("PATCH", f"/Groups/{group_id}", {"schemas": [PATCH], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": second}]}]})
    # Only active people are listed as members.
    assert removed.json["members"] == []
    assert scim("PATCH", f"/Groups/{group_id}", {"schemas": [PATCH], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": second}]}]}).status_code == 200
    assert scim("DELETE", f"/Users/{user_id}").status_code == 204

    # The organisation matches: nobody deleted, the deactivated person keeps their record.
    first = db.session.get(Person, int(user_id))
    other = db.session.get(Person, int(second))
    team = db.session.get(Team, int(group_id))
    assert (first.active, first.email, first.employee_id) == (
        False, "updatedemail@testuser.com", "E901")
    assert (other.active, other.team_id, team.name) == (True, team.id, "Sales North")
    assert first.team_id == team.id
    assert [m["value"] for m in scim("GET", f"/Groups/{group_id}").json["members"]] == [second]
    actions = set(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.details["via"].as_string() == "scim")))
    assert {"scim.user_create", "scim.user_update", "person.deactivate", "scim.group_create",
            "scim.team_member_add", "scim.team_member_remove"} <= actions

    assert scim("DELETE", f"/Groups/{group_id}").status_code == 204
    assert db.session.get(Team, int(group_id)).active is False
    assert scim("GET", f"/Groups/{group_id}").status_code == 404


def test_okta_style_patch_without_path(scim, db):
    user_id = scim("POST", "/Users", _user(3)).json["id"]
    answer = scim("PATCH", f"/Users/{user_id}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "value": {"active": False}}]})
    assert answer.json["active"] is False
    assert scim("PUT", f"/Users/{user_id}", {**_user(3), "active": True}).json["active"] is True


@pytest.mark.parametrize("body, status, scim_type", [
    ({"schemas": [USER], "userName": "x@example.com"}, 400, "invalidValue"),
    ({**_user(4), "userName": "not-an-email", "emails": []}, 400, "invalidValue"),
])
def test_bad_users_are_refused_and_change_nothing(scim, db, body, status, scim_type):
    before = db.session.scalar(select(func.count()).select_from(Person))
    answer = scim("POST", "/Users", body)
    assert answer.status_code == status
    assert answer.json["scimType"] == scim_type and answer.json["detail"]
    assert db.session.scalar(select(func.count()).select_from(Person)) == before


def test_bad_filters_and_patches_are_refused(scim):
    assert scim("GET", '/Users?filter=name co "x"').json["scimType"] == "invalidFilter"
    user_id = scim("POST", "/Users", _user(5)).json["id"]
    answer = scim("PATCH", f"/Users/{user_id}", {"Operations": [{"op": "move"}]})
    assert answer.status_code == 400 and answer.json["scimType"] == "invalidSyntax"
    assert scim("GET", "/Users/999999").status_code == 404


def test_administrators_are_not_deactivated_by_provisioning(scim, make_person):
    admin = make_person(roles=("admin",))
    answer = scim("DELETE", f"/Users/{admin.id}")
    assert answer.status_code == 400 and answer.json["scimType"] == "mutability"


def test_provisioning_keeps_the_stored_reporting_line(scim, db, make_person):
    # SCIM sends no manager; a provisioned person placed under one and then deactivated by the
    # provider stays in that manager's line, as everywhere else.
    boss = make_person(roles=("manager",))
    created = scim("POST", "/Users", _user(1)).json["id"]
    db.session.get(Person, int(created)).manager_id = boss.id
    db.session.commit()
    assert scim("PATCH", f"/Users/{created}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]}).status_code == 200
    assert db.session.scalars(reporting_line_ids(boss.id)).all() == [int(created)]
    assert check_reporting_line(db.session) == []


def test_scim_tokens_have_their_own_scope(client, db, scim, auth, make_person):
    assert client.get("/scim/v2/Users").status_code == 401
    assert client.get("/scim/v2/Users", headers={
        "Authorization": "Bearer lms_scim_wrong"}).status_code == 401
    # A SCIM token opens nothing else: not the read API.
    assert client.get("/api/v1/people", headers={
        "Authorization": f"Bearer {scim.plaintext}"}).status_code == 401
    # A signed-in administrator's cookie does not open SCIM.
    auth.login(make_person(roles=("admin",)))
    assert client.get("/scim/v2/Users").status_code == 401
    # Stored as a hash only; a revoked token stops working.
    row = db.session.scalar(select(ScimToken))
    assert scim.plaintext not in (row.token_hash, row.prefix)
    revoke_token(db.session, make_person(roles=("admin",)), row)
    db.session.commit()
    assert scim("GET", "/Users").status_code == 401


def test_an_admin_makes_a_token_that_is_shown_once(client, db, auth, make_person):
    auth.login(make_person(roles=("admin",)))
    page = client.post("/admin/sign-in/scim-tokens", data={"name": "Okta"})
    token = re.search(r'id="token-value"[^>]* value="([^"]+)"', page.get_data(as_text=True)
                      ).group(1)
    assert token.startswith("lms_scim_")
    assert token not in client.get("/admin/sign-in").get_data(as_text=True)
    assert client.get("/scim/v2/ServiceProviderConfig", headers={
        "Authorization": f"Bearer {token}"}).json["patch"]["supported"] is True
