"""The read-only JSON API under /api/v1 (see reports/services/openapi.py for the reference).

Authentication is a bearer token only (`reports.services.tokens`); the session cookie is never
read here, so a signed-in browser gets 401 like anyone else without a token. Every answer is
JSON, errors included, in English (machine-facing), and nothing is cached.
"""

import hashlib
import json
from decimal import Decimal
from functools import wraps

from flask import current_app, g, jsonify, request
from flask_babel import force_locale
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from lms.core.database import SAFE_METHODS
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.policy import may
from lms.kpis.services import values as kpi_values
from lms.people.policy import report_scope
from reports.services import api, openapi, tokens

# Per token by default; deployments may set API_RATE_LIMIT (a Flask-Limiter limit string).
DEFAULT_RATE_LIMIT = "600 per minute"
_PUBLIC = {"api.openapi_document", "api.fallback"}
_CODES = {400: "bad_request", 401: "invalid_token", 403: "insufficient_scope",
          404: "not_found", 405: "method_not_allowed", 413: "too_large",
          422: "invalid_rows", 429: "rate_limited"}


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
    # A writing request's transaction holds SQLite's write lock from its first read, so its
    # token's last use is written in that transaction (touch's own connection would wait).
    tokens.touch(token, in_session=request.method not in SAFE_METHODS)
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
                413: "The request body is too large.",
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


@_endpoint("kpis:write")
def push_kpis():
    """KPI values from a QA or WFM system: {"rows": [{employee_id, kpi, period, value}],
    "reason": optional}, at most 10,000 rows. All or nothing: any bad row refuses the call
    (422, each problem with the row's index). Idempotent per person × KPI × period."""
    token = g.api_token
    if not may(token.person, "kpis.import"):
        return _error(403, "The token's person may not import KPI values (HR or admin only).",
                      code="forbidden")
    try:
        body = json.loads(request.get_data(cache=False) or b"null", parse_float=Decimal)
    except ValueError:
        return _error(400, "The body is not JSON.", parameter="rows")
    rows = body.get("rows") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not rows:
        return _error(400, 'Send a JSON object {"rows": [...]} with at least one row.',
                      parameter="rows")
    if len(rows) > kpi_values.MAX_ROWS:
        return _error(400, f"At most {kpi_values.MAX_ROWS:,} rows per call; this one has "
                           f"{len(rows):,}.", parameter="rows")
    reason = body.get("reason") or ""
    if not isinstance(reason, str) or len(reason) > 500:
        return _error(400, "reason must be text of at most 500 characters.",
                      parameter="reason")
    plan = kpi_values.check_rows(db.session, kpi_values.api_records(rows))
    if plan.problems:
        db.session.rollback()
        response = _error(422, f"{len(plan.problems)} problem(s) in the rows; nothing was "
                               "imported.")
        body = response.get_json()
        body["problems"] = [{"index": p.line, "message": p.message}
                            for p in plan.problems[:1000]]
        response.set_data(json.dumps(body))
        return response
    try:
        record = kpi_values.import_values(
            db.session, token.person, plan, source="api", file_name=token.name,
            reason=reason or f"API token {token.name}")
    except DomainError as error:
        db.session.rollback()
        return _error(422, error.message)
    db.session.commit()
    return jsonify({"import_id": record.id, "rows": record.rows,
                    "changed": record.rows - plan.unchanged, "unchanged": plan.unchanged,
                    "replaced": record.replaced})


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
