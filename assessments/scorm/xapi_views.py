"""The LMS's xAPI endpoint for launched xAPI packages (`/xapi/`): statements in, state kept.

The package runs in a sandboxed frame (an opaque origin, no cookies), so every answer allows
any origin without credentials (CORS), and the launch's Authorization header, a short-lived
token for one learner's attempt, is the only credential (see services.tincan).
"""

import json

from flask import Response, abort, current_app, jsonify, request
from flask_babel import gettext as _

from assessments.scorm.models import ScormAttempt
from assessments.scorm.services import packages, tincan
from lms.core.errors import DomainError, NotFound
from lms.core.extensions import db
from lms.people.models import Person

XAPI_VERSION = "1.0.3"
BODY_MAX_BYTES = 1024 * 1024
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Experience-API-Version, "
                                    "If-Match, If-None-Match",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, X-Experience-API-Version, "
                                     "X-Experience-API-Consistent-Through",
    "Access-Control-Max-Age": "600",
}


def cross_origin(response: Response) -> Response:
    """Every answer of the endpoint (pre-flights included) may be read by the sandboxed
    frame, which never sends cookies."""
    response.headers.update(CORS)
    response.headers["X-Experience-API-Version"] = XAPI_VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(message: str, status: int) -> Response:
    return Response(message, status=status, mimetype="text/plain")


def _attempt(lock: bool = False) -> tuple[ScormAttempt, Person]:
    try:
        attempt = tincan.attempt_for_auth(db.session, current_app.config["SECRET_KEY"],
                                          request.headers.get("Authorization"))
    except NotFound as error:
        abort(_refused(error.message, 401))
    if lock:  # one writer at a time per attempt: state documents live in one JSON column
        db.session.refresh(attempt, with_for_update=True)
    if (request.content_length or 0) > BODY_MAX_BYTES:
        abort(_refused("too large", 413))
    return attempt, db.session.get(Person, attempt.person_id)


def _activities(attempt: ScormAttempt) -> frozenset[str]:
    return packages.package_activities(current_app.config["STORAGE_DIR"], attempt.package)


def _json_body():
    try:
        return json.loads(request.get_data(cache=False, as_text=True) or "null")
    except ValueError:
        abort(_refused("the body is not JSON", 400))


def about():
    """The xAPI versions this endpoint speaks (public, as xAPI says)."""
    return jsonify({"version": [XAPI_VERSION, "1.0.2", "1.0.1", "1.0.0"]})


def statements():
    """POST one statement or a list (answers their ids); PUT one with ?statementId=."""
    attempt, person = _attempt(lock=True)
    body = _json_body()
    statement_id = request.args.get("statementId") if request.method == "PUT" else None
    if request.method == "PUT" and (not statement_id or not isinstance(body, dict)):
        return _refused("PUT needs ?statementId= and one statement", 400)
    try:
        ids = tincan.receive_statements(db.session, attempt, person, _activities(attempt),
                                        body if isinstance(body, list) else [body],
                                        statement_id)
    except DomainError as error:
        db.session.rollback()
        return _refused(error.message, 400)
    attempt.commits += 1
    db.session.commit()
    return Response(status=204) if request.method == "PUT" else jsonify(ids)


def _state_target(attempt: ScormAttempt, person: Person) -> str:
    try:
        agent = json.loads(request.args.get("agent") or "null")
    except ValueError:
        agent = None
    registration = request.args.get("registration")
    if registration and registration != tincan.registration(attempt):
        raise DomainError(_("The state belongs to another registration."))
    tincan.check_agent(agent, person)
    return tincan.package_activity(attempt.package, _activities(attempt),
                                   request.args.get("activityId"))


def activities_state():
    """The package's state documents (its bookmark, suspend data): GET one or the list of
    ids, PUT to replace, POST to merge JSON, DELETE one or all."""
    attempt, person = _attempt(lock=request.method != "GET")
    state_id = request.args.get("stateId")
    try:
        activity_id = _state_target(attempt, person)
        if request.method == "GET":
            if not state_id:
                return jsonify(tincan.state_ids(attempt, activity_id))
            document = tincan.get_state(attempt, activity_id, state_id)
            if document is None:
                return _refused("no such state", 404)
            return Response(document["body"], mimetype=document["type"])
        if request.method == "DELETE":
            tincan.delete_state(attempt, activity_id, state_id)
        else:
            try:
                body = request.get_data(cache=False).decode("utf-8")
            except UnicodeDecodeError:
                return _refused("state documents are UTF-8 text", 400)
            tincan.put_state(attempt, activity_id, state_id or "", body,
                             request.mimetype, merge=request.method == "POST")
    except DomainError as error:
        db.session.rollback()
        return _refused(error.message, 400)
    attempt.commits += 1
    db.session.commit()
    return Response(status=204)


def activities():
    """The definition of one of the package's activities (its id: all this LMS knows)."""
    attempt, _person = _attempt()
    try:
        activity_id = tincan.package_activity(attempt.package, _activities(attempt),
                                              request.args.get("activityId"))
    except DomainError as error:
        return _refused(error.message, 400)
    return jsonify({"objectType": "Activity", "id": activity_id})
