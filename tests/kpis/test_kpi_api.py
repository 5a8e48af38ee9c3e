"""POST /api/v1/kpis: scopes, who may push, bad rows refused by index, idempotent re-push,
a 10,000-row batch, and every answer as the OpenAPI document states it."""

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from lms.competencies.services.evidence import check_levels
from lms.kpis.models import KpiImport, KpiValue
from lms.people.models import Person
from reports.services import openapi, tokens

URL = "/api/v1/kpis"
DOCUMENT_URI = "urn:lms:openapi"


def headers(db, person, scopes=("kpis:write",)):
    _token, plaintext = tokens.create_token(db.session, None, name="wfm nightly",
                                            person=person, scopes=scopes)
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def push(client):
    """push(body, headers, status) -> JSON, validated against the OpenAPI document."""
    document = openapi.document()
    registry = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012))
    operation = document["paths"]["/kpis"]["post"]

    def run(body, auth, status):
        response = client.post(URL, json=body, headers=auth)
        assert response.status_code == status, response.get_json()
        answer = operation["responses"][str(status)]
        if "$ref" in answer:
            answer = document["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
        schema = {"$ref": DOCUMENT_URI
                  + answer["content"]["application/json"]["schema"]["$ref"]}
        errors = list(Draft202012Validator(schema, registry=registry)
                      .iter_errors(response.get_json()))
        assert not errors, [e.message for e in errors[:3]]
        return response.get_json()

    return run


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_scopes_and_roles(db, push, staff):
    rows = {"rows": [{"employee_id": "A1", "kpi": "CSAT", "period": "2026-11", "value": 90}]}
    push(rows, {}, 401)
    push(rows, headers(db, staff["hr"], ("people:read",)), 403)      # lacks kpis:write
    push(rows, headers(db, staff["A1"]), 403)                         # an agent's token
    push(rows, headers(db, staff["hr"]), 200)
    push(rows, headers(db, staff["admin"]), 200)
    assert count(db, KpiValue) == 1


def test_bad_rows_are_refused_with_their_index_and_nothing_is_stored(db, push, staff):
    auth = headers(db, staff["hr"])
    body = {"rows": [
        {"employee_id": "A1", "kpi": "CSAT", "period": "2026-11", "value": 90},
        {"employee_id": "NOPE", "kpi": "CSAT", "period": "2026-11", "value": 90},
        {"employee_id": "A2", "kpi": "FCR", "period": "2026-11", "value": 140},
        {"employee_id": "A1", "kpi": "CSAT", "period": "2026-11", "value": 91},
        {"employee_id": "A2", "kpi": "CSAT", "period": "2099-01", "value": 91},
        ["A3", "CSAT", "2026-11", 80],
        {"employee_id": "A3", "kpi": "CSAT", "period": "2026-11", "value": 80, "x": 1},
    ]}
    answer = push(body, auth, 422)
    assert answer["error"]["code"] == "invalid_rows"
    assert sorted({p["index"] for p in answer["problems"]}) == [1, 2, 3, 4, 5, 6]
    assert count(db, KpiValue) == 0 and count(db, KpiImport) == 0
    assert push({"rows": []}, auth, 400)["error"]["parameter"] == "rows"
    assert push({"nothing": 1}, auth, 400)["error"]["parameter"] == "rows"


def test_a_repush_is_idempotent_and_a_change_replaces(db, push, staff):
    auth = headers(db, staff["hr"])
    body = {"rows": [{"employee_id": e, "kpi": k, "period": "2026-11", "value": v}
                     for e in ("A1", "A2") for k, v in (("CSAT", 88.5), ("FCR", "86"))]}
    first = push(body, auth, 200)
    assert (first["changed"], first["unchanged"], first["replaced"]) == (4, 0, 0)
    again = push(body, auth, 200)
    assert (again["changed"], again["unchanged"], again["replaced"]) == (0, 4, 0)
    assert count(db, KpiValue) == 4
    body["rows"][0]["value"] = 70
    third = push(body, auth, 200)
    assert (third["changed"], third["replaced"]) == (1, 1)
    assert check_levels(db.session) == []


def test_at_most_10000_rows_and_a_full_batch_imports(db, push, staff, make_person):
    auth = headers(db, staff["hr"])
    too_many = {"rows": [{"employee_id": "A1", "kpi": "CSAT", "period": "2026-11",
                          "value": 80}] * 10_001}
    assert "10,000" in push(too_many, auth, 400)["error"]["message"]
    # 2,000 people × 5 KPIs: inserted directly, as onboarding would, to keep the test quick.
    db.session.add_all([Person(employee_id=f"B{n:05d}", name=f"Bulk {n}",
                               email=f"b{n}@example.com") for n in range(2000)])
    db.session.commit()
    rows = [{"employee_id": f"B{n:05d}", "kpi": kpi, "period": "2026-11", "value": 50 + n % 50}
            for n in range(2000) for kpi in ("CSAT", "FCR", "QA", "REPEAT", "COMPLAINT")]
    assert len(rows) == 10_000
    answer = push({"rows": rows}, auth, 200)
    assert answer["changed"] == 10_000
    assert count(db, KpiValue) == 10_000
    assert check_levels(db.session) == []
