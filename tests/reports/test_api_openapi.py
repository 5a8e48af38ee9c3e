"""The OpenAPI document is valid, served without a token, and every endpoint's real answers
(successes and errors) match the schemas it states."""

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from certificates.models import Certificate
from reports.services import openapi, tokens

DOCUMENT_URI = "urn:lms:openapi"


def test_the_document_is_valid_openapi_3_1():
    document = openapi.document()
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_document_is_served_without_a_token(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == openapi.document()


def _operation(document, path: str) -> tuple[str, dict]:
    """The path template matching a request path, and its GET operation."""
    relative = path.split("?")[0].removeprefix("/api/v1")
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, relative):
            return template, item["get"]
    raise AssertionError(f"{path} is not in the document")


def _response_schema(document, operation: dict, status: int) -> dict:
    response = operation["responses"][str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


@pytest.fixture
def check(client):
    """check(url, headers, status) -> body, after validating it against the document."""
    document = openapi.document()
    registry = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012))
    covered: set[tuple[str, int]] = set()

    def run(url, headers, status):
        response = client.get(url, headers=headers)
        assert response.status_code == status, (url, response.get_json())
        template, operation = _operation(document, url)
        schema = _response_schema(document, operation, status)
        if "$ref" in schema:
            schema = {"$ref": DOCUMENT_URI + schema["$ref"]}
        validator = Draft202012Validator(schema, registry=registry,
                                         format_checker=Draft202012Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(response.get_json()), key=str)
        assert not errors, (url, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]])
        covered.add((template, status))
        return response.get_json()

    run.covered = covered
    run.document = document
    return run


def _headers(db, person, scopes=tuple(tokens.SCOPES)):
    _token, plaintext = tokens.create_token(db.session, None, name="schema", person=person,
                                            scopes=scopes)
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def test_every_answer_matches_the_document(check, db, demo_org):
    hr = _headers(db, demo_org["E0002"])
    narrow = _headers(db, demo_org["E0002"], ("people:read",))
    no_people = _headers(db, demo_org["E0002"], ("profiles:read",))
    manager = _headers(db, demo_org["E0011"])
    # A revoked certificate too, so each status shape is seen.
    from certificates.services.awards import revoke
    revoke(db.session, None, db.session.scalars(select(Certificate)).first(), "test")
    db.session.commit()

    page = check("/api/v1/people?limit=3", hr, 200)
    check(f"/api/v1/people?limit=3&cursor={page['next_cursor']}", hr, 200)
    check("/api/v1/people?active=any&tier=NEWHIRE&hired_from=2020-01-01&limit=200", hr, 200)
    check("/api/v1/people/E0102", hr, 200)
    check("/api/v1/people/E0199", hr, 200)                           # deactivated: shown
    check("/api/v1/people/E0102/profile", hr, 200)
    check("/api/v1/people/E0001/profile", hr, 200)                   # no tier
    check("/api/v1/people/E0102/certifications", hr, 200)
    check("/api/v1/people/E0020/certifications", hr, 200)
    listing = check("/api/v1/certifications?limit=200&active=any", hr, 200)
    statuses = {c["status"] for i in listing["data"] for c in i["certifications"]}
    assert {"revoked", "not_started"} <= statuses
    check("/api/v1/certifications?path=SENIOR&status=in_progress", hr, 200)
    check("/api/v1/framework", hr, 200)
    check("/api/v1/openapi.json", {}, 200)

    for url in ("/api/v1/people?limit=0", "/api/v1/people?cursor=forged",
                "/api/v1/certifications?status=nope"):
        assert check(url, hr, 400)["error"]["parameter"]
    for url in ("/api/v1/people", "/api/v1/people/E0102", "/api/v1/people/E0102/profile",
                "/api/v1/people/E0102/certifications", "/api/v1/certifications",
                "/api/v1/framework"):
        check(url, {}, 401)
        check(url, {"Authorization": "Bearer lms_pat_" + "x" * 43}, 401)
    for url in ("/api/v1/people/E0102/profile", "/api/v1/people/E0102/certifications",
                "/api/v1/certifications"):
        check(url, narrow, 403)
    for url in ("/api/v1/people", "/api/v1/people/E0102"):
        check(url, no_people, 403)
    for url in ("/api/v1/people/E0109", "/api/v1/people/E0109/profile",
                "/api/v1/people/E0109/certifications", "/api/v1/people/E9999"):
        check(url, manager, 404)

    # Every success and error the document states was seen, except the rate limit
    # (tests/reports/test_api.py exercises it).
    # (POST /kpis is checked in tests/kpis/test_kpi_api.py.)
    stated = {(template, int(code)) for template, item in check.document["paths"].items()
              if "get" in item for code in item["get"]["responses"] if code != "429"}
    assert stated == check.covered
