"""/scim/v2: JSON in, JSON out, a SCIM bearer token required (its own scope: nothing else of
the site accepts it, and it reaches nothing else). Thin: lms.identity.services.scim decides."""

from flask import Response, abort, g, json, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from lms.core.extensions import db
from lms.core.urls import public_url
from lms.identity.services import scim, scim_tokens
from lms.people.models import Person, Team

MEDIA_TYPE = "application/scim+json"


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)


def _error(status: int, detail: str, scim_type: str | None = None) -> Response:
    body = {"schemas": [scim.ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return _json(body, status)


def error_response(error: Exception):
    """Every failure under /scim/v2 as a SCIM error body (never an HTML page)."""
    db.session.rollback()
    if isinstance(error, scim.ScimError):
        return _error(error.status, error.message, error.scim_type)
    if isinstance(error, HTTPException):
        return _error(error.code or 500, error.description or error.name)
    raise error


def require_token():
    """Before every SCIM request: a live SCIM bearer token, else 401."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, presented = header.partition(" ")
    token = scim_tokens.token_for(db.session, presented.strip()) \
        if scheme.lower() == "bearer" else None
    if token is None:
        response = _error(401, _("A valid SCIM bearer token is required."))
        response.headers["WWW-Authenticate"] = 'Bearer realm="scim"'
        return response
    g.scim_client = scim.Client(name=token.name)
    db.session.commit()  # last_used_at, at most once a minute
    return None


def _body() -> dict:
    payload = request.get_json(silent=True, force=True)
    if not isinstance(payload, dict):
        raise scim.ScimError(400, _("The body is not a JSON object."), "invalidSyntax")
    return payload


def _page_args() -> tuple[int, int]:
    return (request.args.get("startIndex", 1, type=int) or 1,
            request.args.get("count", 100, type=int))


def _list(total: int, resources: list[dict], start: int) -> Response:
    return _json({"schemas": [scim.LIST_SCHEMA], "totalResults": total,
                  "startIndex": start, "itemsPerPage": len(resources), "Resources": resources})


def _user_location(person: Person) -> str:
    return public_url(url_for("scim.user", person_id=person.id))


def _group_location(team: Team) -> str:
    return public_url(url_for("scim.group", team_id=team.id))


def _person(person_id: str) -> Person:
    person = db.session.get(Person, int(person_id)) if person_id.isdigit() else None
    if person is None:
        abort(404, _("No such user."))
    return person


def _team(team_id: str) -> Team:
    team = db.session.get(Team, int(team_id)) if team_id.isdigit() else None
    if team is None or not team.active:
        abort(404, _("No such group."))
    return team


def service_provider_config():
    return _json({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": True}, "bulk": {"supported": False, "maxOperations": 0,
                                               "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": scim.MAX_PAGE},
        "changePassword": {"supported": False}, "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [{"type": "oauthbearertoken", "name": "Bearer token",
                                   "description": "A SCIM token made by an administrator"}],
    })


def schemas():
    return _list(2, [{"id": scim.USER_SCHEMA, "name": "User"},
                     {"id": scim.GROUP_SCHEMA, "name": "Group"}], 1)


def resource_types():
    return _list(2, [
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "User",
         "name": "User", "endpoint": "/Users", "schema": scim.USER_SCHEMA,
         "schemaExtensions": [{"schema": scim.ENTERPRISE, "required": False}]},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "Group",
         "name": "Group", "endpoint": "/Groups", "schema": scim.GROUP_SCHEMA},
    ], 1)


def users():
    if request.method == "POST":
        person = scim.create_user(db.session, g.scim_client, _body())
        db.session.commit()
        response = _json(scim.user_resource(person, _user_location(person)), 201)
        response.headers["Location"] = _user_location(person)
        return response
    start, count = _page_args()
    total, people = scim.find_users(db.session, request.args.get("filter"), start, count)
    return _list(total, [scim.user_resource(p, _user_location(p)) for p in people], start)


def user(person_id: str):
    person = _person(person_id)
    if request.method == "PUT":
        scim.replace_user(db.session, g.scim_client, person, _body())
        db.session.commit()
    elif request.method == "PATCH":
        scim.patch_user(db.session, g.scim_client, person, _body())
        db.session.commit()
    return _json(scim.user_resource(person, _user_location(person)))


def user_delete(person_id: str):
    scim.deactivate_user(db.session, g.scim_client, _person(person_id))
    db.session.commit()
    return Response(status=204)


def groups():
    if request.method == "POST":
        team = scim.create_group(db.session, g.scim_client, _body())
        db.session.commit()
        response = _json(scim.group_resource(db.session, team, _group_location(team)), 201)
        response.headers["Location"] = _group_location(team)
        return response
    start, count = _page_args()
    total, teams = scim.find_groups(db.session, request.args.get("filter"), start, count)
    return _list(total, [scim.group_resource(db.session, t, _group_location(t))
                         for t in teams], start)


def group(team_id: str):
    team = _team(team_id)
    if request.method == "PUT":
        scim.replace_group(db.session, g.scim_client, team, _body())
        db.session.commit()
    elif request.method == "PATCH":
        scim.patch_group(db.session, g.scim_client, team, _body())
        db.session.commit()
        if request.args.get("excludedAttributes") == "members":
            return Response(status=204)
    return _json(scim.group_resource(db.session, team, _group_location(team)))


def group_delete(team_id: str):
    scim.deactivate_group(db.session, g.scim_client, _team(team_id))
    db.session.commit()
    return Response(status=204)
