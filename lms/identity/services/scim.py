"""SCIM 2.0 provisioning (RFC 7643/7644), the subset Entra ID and Okta use: users and groups
(groups are teams), `filter=attr eq "value"`, PATCH add/replace/remove. People are never
deleted: DELETE and active=false deactivate, keeping certificates and history.

A user's `userName` is their e-mail; the employee ID comes from the enterprise extension's
`employeeNumber`, else `externalId`. Callers own the commit; refusals are `ScimError`s with
the HTTP status and SCIM error type the client is told.
"""

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.core import audit
from lms.core.errors import DomainError
from lms.people.models import Person, Team
from lms.people.services.directory import (
    PersonData,
    create_person,
    is_email,
    normalise_email,
    save_team,
    set_team_active,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MAX_PAGE = 200

_FILTER = re.compile(r'^\s*([A-Za-z][\w.:]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)
_MEMBER_PATH = re.compile(r'^members\[value eq "([^"]+)"\]$', re.IGNORECASE)


class ScimError(DomainError):
    """A refused SCIM request: `status` (HTTP) and `scim_type` (RFC 7644 §3.12)."""

    def __init__(self, status: int, message: str, scim_type: str | None = None):
        super().__init__(message)
        self.status, self.scim_type = status, scim_type


@dataclass
class Client:
    """Who is provisioning (a SCIM token's name), for the audit trail."""

    name: str


def _audit(client: Client, action: str, obj, **details) -> None:
    audit.record(None, action, obj, via="scim", client=client.name, **details)


def _truthy(value) -> bool:
    # Entra sends "True"/"False" as strings in PATCH values.
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


# Users


def user_resource(person: Person, location: str) -> dict:
    """The person as a SCIM User."""
    resource = {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "id": str(person.id),
        "externalId": person.employee_id,
        "userName": person.email,
        "displayName": person.name,
        "name": {"formatted": person.name},
        "emails": [{"value": person.email, "type": "work", "primary": True}],
        "active": person.active,
        ENTERPRISE: {"employeeNumber": person.employee_id},
        "meta": {"resourceType": "User", "location": location,
                 "created": person.created_at.isoformat(),
                 "lastModified": person.updated_at.isoformat()},
    }
    if person.team is not None:
        resource[ENTERPRISE]["department"] = person.team.name
        resource["groups"] = [{"value": str(person.team.id), "display": person.team.name}]
    return resource


def parse_filter(text: str | None) -> tuple[str, str] | None:
    """(attribute lower-cased, value) of `attr eq "value"`; refuses any other filter."""
    if not text:
        return None
    found = _FILTER.match(text)
    if found is None:
        raise ScimError(400, _("Only filters of the form attribute eq \"value\" are supported."),
                        "invalidFilter")
    return found.group(1).lower(), found.group(2).replace('\\"', '"')


def find_users(session, filter_text: str | None, start: int, count: int):
    """(total, people) matching the filter (userName, externalId, id, employeeNumber)."""
    stmt = select(Person)
    condition = parse_filter(filter_text)
    if condition is not None:
        attribute, value = condition
        if attribute in ("username", "emails.value", "emails"):
            stmt = stmt.where(func.lower(Person.email) == normalise_email(value))
        elif attribute in ("externalid", f"{ENTERPRISE}:employeenumber".lower()):
            stmt = stmt.where(Person.employee_id == value)
        elif attribute == "id":
            stmt = stmt.where(Person.id == (int(value) if value.isdigit() else -1))
        else:
            raise ScimError(400, _("Users cannot be filtered by %(attr)s.", attr=attribute),
                            "invalidFilter")
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    people = session.scalars(stmt.order_by(Person.id).offset(max(start, 1) - 1)
                             .limit(min(max(count, 0), MAX_PAGE))).all()
    return total, list(people)


def _user_fields(payload: dict) -> dict:
    """The fields a SCIM User body sets, as this system names them (absent: not given)."""
    fields: dict = {}
    enterprise = payload.get(ENTERPRISE) or {}
    employee_id = enterprise.get("employeeNumber") or payload.get("externalId")
    if employee_id:
        fields["employee_id"] = str(employee_id).strip()
    emails = payload.get("emails") or []
    primary = next((e for e in emails if isinstance(e, dict) and e.get("primary")), None)
    primary = primary or next((e for e in emails if isinstance(e, dict)), None)
    email = (primary or {}).get("value") or payload.get("userName")
    if email:
        fields["email"] = str(email)
    name = payload.get("name") or {}
    display = (payload.get("displayName") or name.get("formatted")
               or " ".join(p for p in (name.get("givenName"), name.get("familyName")) if p))
    if display:
        fields["name"] = str(display).strip()
    if "active" in payload:
        fields["active"] = _truthy(payload["active"])
    return fields


def _check_unique(session, person: Person | None, fields: dict) -> None:
    own = person.id if person is not None else None
    if "employee_id" in fields:
        taken = session.scalar(select(Person.id).where(Person.employee_id == fields["employee_id"]))
        if taken is not None and taken != own:
            raise ScimError(409, _("Employee ID %(id)s is already in use.",
                                   id=fields["employee_id"]), "uniqueness")
    if "email" in fields:
        if not is_email(normalise_email(fields["email"])):
            raise ScimError(400, _("%(email)s is not an email address.", email=fields["email"]),
                            "invalidValue")
        taken = session.scalar(select(Person.id).where(
            func.lower(Person.email) == normalise_email(fields["email"])))
        if taken is not None and taken != own:
            raise ScimError(409, _("Email %(email)s is already in use.", email=fields["email"]),
                            "uniqueness")


def create_user(session, client: Client, payload: dict) -> Person:
    """A new agent from a SCIM User; refuses a body without employee ID, e-mail or name, and
    duplicates (409, as SCIM clients expect)."""
    fields = _user_fields(payload)
    missing = [n for n in ("employee_id", "email", "name") if not fields.get(n)]
    if missing:
        raise ScimError(400, _("The user lacks %(fields)s (employeeNumber or externalId, "
                               "userName or emails, displayName or name).",
                               fields=", ".join(missing)), "invalidValue")
    _check_unique(session, None, fields)
    person = create_person(session, None, PersonData(
        employee_id=fields["employee_id"], name=fields["name"], email=fields["email"]))
    _audit(client, "scim.user_create", person, employee_id=person.employee_id)
    if not fields.get("active", True):
        _set_active(session, client, person, False)
    return person


def _set_active(session, client: Client, person: Person, active: bool) -> None:
    if person.active == active:
        return
    if not active and person.has_role("admin"):
        # Administrators hold the break-glass account: provisioning never locks them out.
        raise ScimError(400, _("Administrators are deactivated in the application, not by "
                               "provisioning."), "mutability")
    person.active = active
    person.session_version += 1  # a deactivated person's sessions end now
    session.flush()
    _audit(client, "person.activate" if active else "person.deactivate", person)


def _apply(session, client: Client, person: Person, fields: dict) -> None:
    _check_unique(session, person, fields)
    before = {"employee_id": person.employee_id, "email": person.email, "name": person.name}
    if fields.get("employee_id"):
        person.employee_id = fields["employee_id"]
    if fields.get("email"):
        person.email = normalise_email(fields["email"])
    if fields.get("name"):
        person.name = fields["name"]
    session.flush()
    after = {"employee_id": person.employee_id, "email": person.email, "name": person.name}
    if after != before:
        _audit(client, "scim.user_update", person, before=before, after=after)
    if "active" in fields:
        _set_active(session, client, person, fields["active"])


def replace_user(session, client: Client, person: Person, payload: dict) -> Person:
    """PUT: the body's fields replace the person's (what it leaves out stays)."""
    _apply(session, client, person, _user_fields(payload))
    return person


_USER_PATHS = {
    "active": "active", "username": "email", "displayname": "name", "name.formatted": "name",
    "externalid": "employee_id", f"{ENTERPRISE}:employeenumber".lower(): "employee_id",
    'emails[type eq "work"].value': "email", "emails": "email",
}


def patch_user(session, client: Client, person: Person, payload: dict) -> Person:
    """PATCH add/replace of active, userName, displayName, name, e-mail and employee ID
    (with a path, or without one as a body of attributes, as Okta sends)."""
    fields: dict = {}
    for operation in _operations(payload):
        op, path, value = operation
        if op == "remove":
            raise ScimError(400, _("Attributes of a user cannot be removed."), "mutability")
        if not path:
            if not isinstance(value, dict):
                raise ScimError(400, _("A PATCH without a path needs an object value."),
                                "invalidValue")
            fields.update(_user_fields(value))
            continue
        target = _USER_PATHS.get(path.lower())
        if target is None:
            if path.lower().startswith(("name.", ENTERPRISE.lower())):
                continue  # given/family names and other enterprise fields: not kept here
            raise ScimError(400, _("The attribute %(path)s cannot be changed.", path=path),
                            "invalidPath")
        if isinstance(value, list):
            value = next((v.get("value") for v in value if isinstance(v, dict)), None)
        fields[target] = _truthy(value) if target == "active" else str(value or "").strip()
    _apply(session, client, person, fields)
    return person


def _operations(payload: dict) -> list[tuple[str, str, object]]:
    operations = payload.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, _("The PATCH body has no Operations."), "invalidSyntax")
    found = []
    for operation in operations:
        op = str(operation.get("op", "")).lower() if isinstance(operation, dict) else ""
        if op not in ("add", "replace", "remove"):
            raise ScimError(400, _("Unknown PATCH operation %(op)s.", op=op or "?"),
                            "invalidSyntax")
        found.append((op, str(operation.get("path") or ""), operation.get("value")))
    return found


def deactivate_user(session, client: Client, person: Person) -> None:
    """DELETE: the person is deactivated, never deleted (certificates and history stay)."""
    _set_active(session, client, person, False)


# Groups (teams)


def group_resource(session, team: Team, location: str) -> dict:
    """The team as a SCIM Group, its active people as members."""
    members = session.execute(select(Person.id, Person.name).where(
        Person.team_id == team.id, Person.active.is_(True)).order_by(Person.id)).all()
    return {"schemas": [GROUP_SCHEMA], "id": str(team.id), "displayName": team.name,
            "members": [{"value": str(i), "display": n} for i, n in members],
            "meta": {"resourceType": "Group", "location": location}}


def find_groups(session, filter_text: str | None, start: int, count: int):
    """(total, teams) matching the filter (displayName, id, externalId as the name)."""
    stmt = select(Team).where(Team.active.is_(True))
    condition = parse_filter(filter_text)
    if condition is not None:
        attribute, value = condition
        if attribute in ("displayname", "externalid"):
            stmt = stmt.where(func.lower(Team.name) == value.lower())
        elif attribute == "id":
            stmt = stmt.where(Team.id == (int(value) if value.isdigit() else -1))
        else:
            raise ScimError(400, _("Groups cannot be filtered by %(attr)s.", attr=attribute),
                            "invalidFilter")
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    teams = session.scalars(stmt.order_by(Team.id).offset(max(start, 1) - 1)
                            .limit(min(max(count, 0), MAX_PAGE))).all()
    return total, list(teams)


def _person(session, value) -> Person:
    person = session.get(Person, int(value)) if str(value).isdigit() else None
    if person is None:
        raise ScimError(400, _("Unknown member %(id)s.", id=value), "invalidValue")
    return person


def _add_members(session, client: Client, team: Team, values) -> None:
    for value in values or []:
        person = _person(session, value.get("value") if isinstance(value, dict) else value)
        if person.team_id != team.id:
            before = person.team_id
            person.team_id = team.id
            session.flush()
            _audit(client, "scim.team_member_add", person, team_id=team.id, before=before)


def _remove_members(session, client: Client, team: Team, ids) -> None:
    for value in ids:
        person = _person(session, value)
        if person.team_id == team.id:
            person.team_id = None
            session.flush()
            _audit(client, "scim.team_member_remove", person, team_id=team.id)


def create_group(session, client: Client, payload: dict) -> Team:
    """A new team from a SCIM Group with its members; 409 when the name is taken."""
    name = str(payload.get("displayName") or "").strip()
    if not name:
        raise ScimError(400, _("The group has no displayName."), "invalidValue")
    if session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower())) is not None:
        raise ScimError(409, _("A team named %(name)s already exists.", name=name), "uniqueness")
    team = save_team(session, None, None, name, "", None)
    _audit(client, "scim.group_create", team, name=name)
    _add_members(session, client, team, payload.get("members"))
    return team


def replace_group(session, client: Client, team: Team, payload: dict) -> Team:
    """PUT: the name and the whole member list."""
    name = str(payload.get("displayName") or team.name).strip()
    if name != team.name:
        save_team(session, None, team, name, team.description, team.parent_id)
    wanted = {str(m.get("value")) for m in payload.get("members") or [] if isinstance(m, dict)}
    current = {str(i) for i in session.scalars(select(Person.id).where(
        Person.team_id == team.id))}
    _remove_members(session, client, team, sorted(current - wanted))
    _add_members(session, client, team, sorted(wanted - current))
    return team


def patch_group(session, client: Client, team: Team, payload: dict) -> Team:
    """PATCH: add or remove members, replace the name (or the members)."""
    for op, path, value in _operations(payload):
        lowered = path.lower()
        member = _MEMBER_PATH.match(path)
        if op == "remove" and member:
            _remove_members(session, client, team, [member.group(1)])
        elif op == "remove" and lowered == "members":
            ids = [v.get("value") for v in value or [] if isinstance(v, dict)]
            if not value:  # remove every member
                ids = list(session.scalars(select(Person.id).where(Person.team_id == team.id)))
            _remove_members(session, client, team, ids)
        elif op == "add" and lowered == "members":
            _add_members(session, client, team, value)
        elif op == "replace" and lowered == "members":
            replace_group(session, client, team, {"members": value or []})
        elif op == "replace" and (lowered == "displayname" or (not path and isinstance(
                value, dict) and "displayName" in value)):
            name = value if isinstance(value, str) else value["displayName"]
            save_team(session, None, team, str(name), team.description, team.parent_id)
        elif op in ("add", "replace") and lowered == "externalid":
            continue  # the client's own id for the group: the team's name is the key here
        else:
            raise ScimError(400, _("The group attribute %(path)s cannot be changed that way.",
                                   path=path or "?"), "invalidPath")
    return team


def deactivate_group(session, client: Client, team: Team) -> None:
    """DELETE: the team is deactivated (its people keep their history)."""
    set_team_active(session, None, team, False)
    _audit(client, "scim.group_delete", team)
