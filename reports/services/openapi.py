"""The read API's OpenAPI 3.1 document (served at /api/v1/openapi.json): the reference that
tests/reports/test_api_openapi.py checks every real response against."""

from copy import deepcopy

from certificates.services.standing import STATUSES
from reports.services.api import DEFAULT_LIMIT, MAX_LIMIT
from reports.services.tokens import SCOPES


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "properties": properties, "required": sorted(properties),
              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$",
           "description": "An exact decimal, as stored (rounding is the reader's choice)."}
DATE = {"type": "string", "format": "date"}

SCHEMAS = {
    "Error": _object({"error": _object({
        "status": {"type": "integer"},
        "code": {"type": "string", "enum": [
            "missing_token", "invalid_token", "insufficient_scope", "forbidden", "bad_request",
            "not_found", "method_not_allowed", "too_large", "invalid_rows", "rate_limited",
            "server_error"]},
        "message": {"type": "string"},
        "parameter": _nullable({"type": "string"}),
    })}, "Every error: a machine-readable code, an English message, and the query parameter "
         "at fault for 400s."),
    "TeamRef": _object({"id": {"type": "integer"}, "name": {"type": "string"}}),
    "ManagerRef": _object({"id": {"type": "integer"}, "employee_id": {"type": "string"}}),
    "PersonRef": _object({"id": {"type": "integer"}, "employee_id": {"type": "string"},
                          "name": {"type": "string"}}),
    "Person": _object({
        "id": {"type": "integer"},
        "employee_id": {"type": "string", "description": "The key HR systems use."},
        "name": {"type": "string"},
        "email": {"type": "string"},
        "team": _nullable(_ref("TeamRef")),
        "manager": _nullable(_ref("ManagerRef")),
        "tier": _nullable({"type": "string", "description": "The tier's path code."}),
        "hire_date": _nullable(DATE),
        "active": {"type": "boolean"},
    }),
    "PersonList": _object({"data": {"type": "array", "items": _ref("Person")},
                           "next_cursor": _nullable({"type": "string"})}),
    "PathRef": _object({"id": {"type": "integer"}, "code": {"type": "string"},
                        "name": {"type": "string"}}),
    "Certification": _object({
        "path": _ref("PathRef"),
        "status": {"type": "string", "enum": list(STATUSES), "description":
                   "expiring: a valid certificate that ends within 60 days."},
        "percent": {"type": "integer", "minimum": 0, "maximum": 100,
                    "description": "Share of the path's rules met."},
        "missing": {"type": "array", "items": {"type": "string"},
                    "description": "What is still missing, in English."},
        "serial": _nullable({"type": "string"}),
        "issued_on": _nullable(DATE),
        "expires_on": _nullable(DATE),
        "composite": _nullable(DECIMAL),
        "components": {"type": "object", "additionalProperties": _nullable(DECIMAL),
                       "description": "Assessment slot code to exact score."},
    }, "A person's standing on one certification path."),
    "PersonCertifications": _object({
        "person": _ref("PersonRef"),
        "certifications": {"type": "array", "items": _ref("Certification")},
    }),
    "CertificationList": _object({
        "data": {"type": "array", "items": _ref("PersonCertifications")},
        "next_cursor": _nullable({"type": "string"})}),
    "ProfileEntry": _object({
        "code": {"type": "string"}, "name": {"type": "string"},
        "area": {"type": "string", "description": "The competency area's code."},
        "level": _nullable({"type": "integer", "description": "Evidenced level (whole)."}),
        "exact_level": _nullable(DECIMAL),
        "required_level": _nullable({"type": "integer",
                                     "description": "What the person's tier requires."}),
        "gap": _nullable({"type": "integer", "description":
                          "required_level minus level (no evidence counts as 0)."}),
        "heat": {"type": "string", "enum": ["green", "yellow", "orange", "red", "none"]},
        "sources": {"type": "array", "items": {"type": "string"},
                    "description": "Assessment kinds that evidenced it."},
    }),
    "Profile": _object({
        "person": _ref("PersonRef"),
        "tier": _nullable({"type": "string"}),
        "competencies": {"type": "array", "items": _ref("ProfileEntry")},
    }),
    "Framework": _object({
        "areas": {"type": "array", "items": _object({
            "code": {"type": "string"}, "name": {"type": "string"},
            "competencies": {"type": "array", "items": _object({
                "code": {"type": "string"}, "name": {"type": "string"},
                "description": {"type": "string"}})}})},
        "scale": {"type": "array", "items": _object({
            "level": {"type": "integer"}, "name": {"type": "string"},
            "description": {"type": "string"}})},
        "tiers": {"type": "array", "items": _object({
            "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
            "prerequisite": _nullable({"type": "string"})})},
        "matrix": {"type": "array", "items": _object({
            "tier": {"type": "string"}, "competency": {"type": "string"},
            "required_level": {"type": "integer"}})},
    }),
}


def _parameter(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


PARAMETERS = {
    "team_id": _parameter("team_id", "A team or department id (a department takes in its "
                          "teams).", {"type": "integer", "minimum": 0}),
    "manager_id": _parameter("manager_id", "A manager's person id: their whole reporting "
                             "line.", {"type": "integer", "minimum": 0}),
    "tier": _parameter("tier", "A tier's path code (e.g. NEWHIRE).", {"type": "string"}),
    "active": _parameter("active", "Active people (default), deactivated ones, or any.",
                         {"type": "string", "enum": ["true", "false", "any"],
                          "default": "true"}),
    "hired_from": _parameter("hired_from", "Hired on or after.", DATE),
    "hired_to": _parameter("hired_to", "Hired on or before.", DATE),
    "updated_since": _parameter(
        "updated_since", "Only what changed at or after this time (ISO 8601 with a time "
        "zone, e.g. 2026-12-01T00:00:00Z): on /people the person's record, on "
        "/certifications their standing (a new evaluation, certificate or approval request).",
        {"type": "string", "format": "date-time"}),
    "limit": _parameter("limit", "Items per page.", {"type": "integer", "minimum": 1,
                                                     "maximum": MAX_LIMIT,
                                                     "default": DEFAULT_LIMIT}),
    "cursor": _parameter("cursor", "The previous page's next_cursor (opaque, signed).",
                         {"type": "string"}),
    "path": _parameter("path", "Only this path's standing (a path code).", {"type": "string"}),
    "status": _parameter("status", "Only certifications in this status; people without one "
                         "are left out.", {"type": "string", "enum": list(STATUSES)}),
    "employee_id": {"name": "employee_id", "in": "path", "required": True,
                    "schema": {"type": "string", "maxLength": 40}},
}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


SCHEMAS["KpiRow"] = _object({
    "employee_id": {"type": "string"},
    "kpi": {"type": "string", "description": "The KPI's code (CSAT, FCR, …)."},
    "period": {"type": "string", "description": "2026-11 (month), 2026-W45 (week) or "
                                                "2026-Q4 (quarter), as the KPI's period."},
    "value": {"anyOf": [{"type": "number"}, {"type": "string"}],
              "description": "Within the KPI's range, at most four decimal places."},
})
SCHEMAS["KpiPush"] = {
    "type": "object", "required": ["rows"], "additionalProperties": False,
    "properties": {"rows": {"type": "array", "items": _ref("KpiRow"), "minItems": 1,
                            "maxItems": 10000},
                   "reason": {"type": "string", "maxLength": 500}}}
SCHEMAS["KpiPushResult"] = _object({
    "import_id": {"type": "integer"},
    "rows": {"type": "integer"},
    "changed": {"type": "integer", "description": "Rows whose value was new or different."},
    "unchanged": {"type": "integer", "description": "Rows already stored with that value."},
    "replaced": {"type": "integer", "description": "Stored values replaced."},
})
SCHEMAS["KpiRejection"] = _object({
    "error": SCHEMAS["Error"]["properties"]["error"],
    "problems": {"type": "array", "items": _object({"index": {"type": "integer"},
                                                     "message": {"type": "string"}})},
}, "Nothing was imported: every problem with the index of its row (0-based).")

RESPONSES = {
    "BadRequest": _error("A query parameter is unknown or unusable (named in the body), or "
                         "the cursor was not made by this server."),
    "Unauthorized": {**_error("No bearer token, or one that is unknown, revoked or expired, "
                              "or whose person is deactivated. Cookies are never accepted."),
                     "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
    "Forbidden": _error("The token lacks the scope this endpoint needs."),
    "NotFound": _error("No such person, or one the token's person may not see (the same "
                       "answer for both)."),
    "TooManyRequests": _error("Too many requests for this token; try again later."),
}


def _ok(schema: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema)}}}


def _errors(*codes: str) -> dict:
    names = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden",
             "404": "NotFound", "429": "TooManyRequests"}
    return {code: {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def _get(summary: str, scope: str | None, schema: str, parameters=(), errors=(),
         description: str = "") -> dict:
    operation = {
        "summary": summary,
        "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in parameters],
        "responses": {"200": _ok(schema, summary),
                      **_errors(*sorted({"401", "429", *errors,
                                         *(("403",) if scope else ())}))},
        "security": [{"bearer": []}],
    }
    if description or scope:
        operation["description"] = (description + (f" Needs the `{scope}` scope."
                                                   if scope else "")).strip()
    return {"get": operation}


LIST_PARAMETERS = ("team_id", "manager_id", "tier", "active", "hired_from", "hired_to",
                   "updated_since", "limit", "cursor")


def document() -> dict:
    """The OpenAPI 3.1 document, a fresh copy each call."""
    return deepcopy({
        "openapi": "3.1.0",
        "info": {
            "title": "Service Academy read API", "version": "1.0.0",
            "description": (
                "Read-only access for HR systems to people, certifications and competency "
                "profiles. A token sees exactly what the person it was created for may see "
                "(HR everyone, a manager their reporting line, a mentor their mentees, anyone "
                "else themselves). Lists are ordered by employee ID and paginated by cursor: "
                "pass `next_cursor` back as `cursor` until it is null. Unknown query "
                "parameters are refused (400)."),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/people": _get("People", "people:read", "PersonList", LIST_PARAMETERS, ("400",)),
            "/people/{employee_id}": _get("One person", "people:read", "Person",
                                          ("employee_id",), ("404",)),
            "/people/{employee_id}/profile": _get(
                "A person's competency profile against their tier", "profiles:read",
                "Profile", ("employee_id",), ("404",)),
            "/people/{employee_id}/certifications": _get(
                "A person's certification standing per path", "certifications:read",
                "PersonCertifications", ("employee_id",), ("404",),
                "Every path the person has a record for, and their tier's path."),
            "/certifications": _get(
                "Certification standing, person by person", "certifications:read",
                "CertificationList", (*LIST_PARAMETERS, "path", "status"), ("400",)),
            "/kpis": {"post": {
                "summary": "Push KPI values",
                "description": (
                    "KPI values per person × KPI × period, up to 10,000 rows a call, all or "
                    "nothing: any bad row (unknown employee or KPI, a period not begun, a "
                    "value out of range, the same key twice) refuses the call with every "
                    "problem and its row index. Idempotent: a value already stored is left "
                    "alone, a different one replaced. Needs the `kpis:write` scope and a "
                    "token of an HR person or administrator."),
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("KpiPush")}}},
                "responses": {
                    "200": _ok("KpiPushResult", "The values were stored."),
                    "422": {"description": "Rows with problems; nothing was stored.",
                            "content": {"application/json": {"schema": _ref("KpiRejection")}}},
                    **_errors("400", "401", "403", "429")},
                "security": [{"bearer": []}]}},
            "/framework": _get("The competency framework, scale and matrix", None,
                               "Framework", description="Any valid token may read it."),
            "/openapi.json": {"get": {
                "summary": "This document", "security": [],
                "responses": {"200": {"description": "The OpenAPI document",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}}},
        },
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer", "bearerFormat": "lms_pat_…",
                "description": "A personal access token an administrator created under "
                               "Reports → API tokens. Scopes: " + "; ".join(
                                   f"{name} ({label})" for name, label in SCOPES.items())}},
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": RESPONSES,
        },
    })
