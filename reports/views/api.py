"""The read-only JSON API under /api/v1 (see reports/services/openapi.py for the reference).

Authentication is a bearer token only (`reports.services.tokens`); the session cookie is never
read here, so a signed-in browser gets 401 like anyone else without a token. Every answer is
JSON, errors included, in English (machine-facing), and nothing is cached.
"""

import hashlib
from functools import wraps

from flask import current_app, g, jsonify, request
from flask_babel import force_locale
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from lms.core.extensions import db
from lms.people.policy import report_scope
from reports.services import api, openapi, tokens

# Per token by default; deployments may set API_RATE_LIMIT (a Flask-Limiter limit string).
DEFAULT_RATE_LIMIT = "600 per minute"
_PUBLIC = {"api.openapi_document", "api.fallback"}
_CODES = {400: "bad_request", 401: "invalid_token", 403: "insufficient_scope",
          404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}


def rate_key() -> str:
    # Keyed by a digest of the Authorization header: no database read before the limit.
    header = request.headers.get("Authorization")
    if header:
        return "api:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return "api-anon:" + (get_remote_address() or "")


def _error(status: int, message: str, *, code: str | None = None, parameter: str | None = None,
          headers: dict | None = None):
    """A JSON error response (the Error schema)."""
    body = {"error": {"status": status, "code": code or _CODES.get(status, "server_error"),
                      "message": message, "parameter": parameter}}
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _unauthorized(reason: str):
    if reason == "missing":
        return _error(401, "A bearer token is required (Authorization: Bearer <token>).",
                     code="missing_token", headers={"WWW-Authenticate": 'Bearer realm="api"'})
    return _error(401, "The token is unknown, revoked or expired, or its person is deactivated.",
                 headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})


def authenticate():
    """Resolve the bearer token to g.api_token (and its person) or answer 401."""
    if request.endpoint in _PUBLIC:
        return None
    try:
        token = tokens.authenticate(
            db.session, tokens.bearer_token(request.headers.get("Authorization")))
    except tokens.TokenRefused as refused:
        return _unauthorized(refused.reason)
    g.api_token = token
    tokens.touch(token)
    return None


def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Authorization"
    return response


def http_error(exc: HTTPException):
    """HTTP errors raised in API views as JSON (the app's own handlers render pages)."""
    headers = {"Allow": ", ".join(exc.valid_methods)} if isinstance(
        exc, MethodNotAllowed) and exc.valid_methods else None
    messages = {404: "Not found.", 405: "This API is read-only: use GET.",
                429: "Too many requests for this token; try again later.",
                500: "Internal server error."}
    return _error(exc.code or 500, messages.get(exc.code, exc.description or exc.name),
                 headers=headers)


def bad_parameter(exc: api.BadParameter):
    return _error(400, exc.message, parameter=exc.parameter)


def _endpoint(scope: str | None):
    """An API view needing `scope` (None: any valid token), answering in English."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if scope is not None and scope not in g.api_token.scope_set:
                return _error(403, f"This token lacks the {scope} scope.", headers={
                    "WWW-Authenticate":
                        f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'})
            with force_locale("en"):
                return view(*args, **kwargs)
        return wrapped
    return decorator


def _scope():
    """Whom the token may read: exactly whom its person may see."""
    return report_scope(g.api_token.person)


def _person_or_404(employee_id: str):
    row = api.find_person(db.session, _scope(), employee_id)
    if row is None:
        raise NotFound()
    return row


def openapi_document():
    with force_locale("en"):
        return jsonify(openapi.document())


@_endpoint("people:read")
def people():
    query = api.parse_query(db.session, request.args, current_app.secret_key,
                            api.PEOPLE_PARAMETERS)
    return jsonify(api.people_page(db.session, _scope(), query, current_app.secret_key))


@_endpoint("people:read")
def person(employee_id: str):
    return jsonify(api.person_json(_person_or_404(employee_id)))


@_endpoint("profiles:read")
def profile(employee_id: str):
    return jsonify(api.person_profile(db.session, _person_or_404(employee_id)))


@_endpoint("certifications:read")
def person_certifications(employee_id: str):
    return jsonify(api.person_certifications(db.session, _person_or_404(employee_id)))


@_endpoint("certifications:read")
def certifications():
    query = api.parse_query(db.session, request.args, current_app.secret_key,
                            api.CERTIFICATION_PARAMETERS)
    return jsonify(api.certifications_page(db.session, _scope(), query,
                                           current_app.secret_key))


@_endpoint(None)
def framework():
    return jsonify(api.framework_json(db.session))


def fallback(rest: str):
    """JSON for what routing alone would answer with an HTML page: unknown paths (404) and
    other methods on the API's paths (405); blueprint error handlers never see those."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint_name, _args = adapter.match(request.path, method="GET")
    except HTTPException:
        endpoint_name = None
    if endpoint_name and endpoint_name != "api.fallback":
        return _error(405, "This API is read-only: use GET.",
                     headers={"Allow": "GET, HEAD, OPTIONS"})
    return _error(404, "Not found.")
