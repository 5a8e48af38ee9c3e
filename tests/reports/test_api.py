"""The read API: who a token sees, authentication, scopes, pagination, filters, errors and a
constant number of queries per page."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from certificates.models import Certificate
from lms.core import clock
from reports.models import ApiToken
from reports.services import tokens
from reports.services.api import _serializer, encode_cursor

ALL_SCOPES = tuple(tokens.SCOPES)


@pytest.fixture
def make_token(db):
    """make_token(person, scopes=all, expires_on=None) -> Authorization headers."""
    def make(person, scopes=ALL_SCOPES, expires_on=None):
        _token, plaintext = tokens.create_token(db.session, None, name="test", person=person,
                                                scopes=scopes, expires_on=expires_on)
        db.session.commit()
        return {"Authorization": f"Bearer {plaintext}"}
    return make


@pytest.fixture
def org(defaults, make_person, make_team):
    """A small organisation (fast to build): {employee_id: Person}."""
    hotline, chat = make_team("Hotline"), make_team("Chat")
    newhire = defaults["NEWHIRE"].id
    hr = make_person(("hr",), employee_id="H1")
    boss = make_person(("manager",), employee_id="M1", team_id=hotline.id)
    mentor = make_person(("agent", "mentor"), employee_id="T1", team_id=chat.id)
    people = [hr, boss, mentor,
              make_person(employee_id="A1", team_id=hotline.id, manager_id=boss.id,
                          tier_id=newhire),
              make_person(employee_id="A2", team_id=chat.id, mentor_id=mentor.id,
                          tier_id=newhire),
              make_person(employee_id="A3", team_id=chat.id, tier_id=newhire)]
    return {p.employee_id: p for p in people}


def _all_pages(client, url, headers, limit=7):
    """Every item of a paginated list, following next_cursor; asserts no item repeats."""
    items, cursor, pages = [], None, 0
    while True:
        sep = "&" if "?" in url else "?"
        page_url = f"{url}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(page_url, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert len(body["data"]) <= limit
        items += body["data"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert pages < 100
    return items


def _people(client, headers, url="/api/v1/people"):
    return {p["employee_id"] for p in _all_pages(client, url, headers)}


def _certified_people(client, headers):
    return {i["person"]["employee_id"] for i in _all_pages(client, "/api/v1/certifications",
                                                           headers)}


def test_hr_token_sees_everyone_page_by_page(client, demo_org, make_token):
    headers = make_token(demo_org["E0002"])
    active = {e for e, p in demo_org.items() if p.active}
    items = _all_pages(client, "/api/v1/people", headers)
    assert [p["employee_id"] for p in items] == sorted(active)       # ordered, no repeats
    assert _people(client, headers, "/api/v1/people?active=any") == set(demo_org)
    assert _people(client, headers, "/api/v1/people?active=false") == {"E0199"}
    assert _certified_people(client, headers) == active
    first = client.get("/api/v1/people/E0102", headers=headers).get_json()
    assert first["name"] == "陈静" and first["tier"] == "NEWHIRE"
    assert first["manager"] == {"id": demo_org["E0011"].id, "employee_id": "E0011"}
    assert first["team"]["name"] == "Hotline — Shanghai"
    profile = client.get("/api/v1/people/E0102/profile", headers=headers).get_json()
    assert profile["tier"] == "NEWHIRE"
    required = [c for c in profile["competencies"] if c["required_level"] is not None]
    assert required and any(c["sources"] for c in profile["competencies"])
    for entry in required:
        assert entry["gap"] == entry["required_level"] - (entry["level"] or 0)


def test_manager_token_sees_only_their_reporting_line(client, demo_org, make_token):
    manager = demo_org["E0011"]                                    # 王芳, Hotline
    headers = make_token(manager)
    line = {"E0011"} | {e for e, p in demo_org.items() if p.active and p.manager_id ==
                        manager.id}
    assert _people(client, headers) == line
    assert "E0109" not in line                                     # 徐明, Online Chat
    assert _certified_people(client, headers) == line
    unknown = client.get("/api/v1/people/E9999", headers=headers)
    for url in ("/api/v1/people/E0109", "/api/v1/people/E0109/certifications",
                "/api/v1/people/E0109/profile"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404
        assert response.get_json() == unknown.get_json()           # no existence leak
        assert "徐明" not in response.get_data(as_text=True)
    chat = demo_org["E0109"].team_id
    for url in (f"/api/v1/people?team_id={chat}", f"/api/v1/certifications?team_id={chat}",
                f"/api/v1/people?manager_id={demo_org['E0012'].id}",
                "/api/v1/people?active=any", "/api/v1/certifications?status=certified"
                "&active=any"):
        body = client.get(url, headers=headers).get_json()
        seen = {i.get("employee_id") or i["person"]["employee_id"] for i in body["data"]}
        assert seen <= line, url
    assert client.get("/api/v1/people/E0101", headers=headers).status_code == 200
    # Their own manager reads the whole line below, however deep.
    seen = _people(client, make_token(demo_org["E0010"]))
    assert {"E0011", "E0101", "E0109", "E0117"} <= seen
    assert not seen & {"E0001", "E0002", "E0003"}


def test_mentor_token_sees_mentees_and_agent_token_only_themselves(client, org, make_token):
    mentor = make_token(org["T1"])
    assert _people(client, mentor) == {"T1", "A2"}
    assert _certified_people(client, mentor) == {"T1", "A2"}
    assert client.get("/api/v1/people/A2/profile", headers=mentor).status_code == 200
    assert client.get("/api/v1/people/A3", headers=mentor).status_code == 404
    agent = make_token(org["A1"])
    assert _people(client, agent) == {"A1"}
    assert _certified_people(client, agent) == {"A1"}
    assert client.get("/api/v1/people/A1/certifications", headers=agent).status_code == 200
    for url in ("/api/v1/people/A2", "/api/v1/people/M1/profile",
                "/api/v1/people/A3/certifications"):
        assert client.get(url, headers=agent).status_code == 404
    manager = make_token(org["M1"])
    assert _people(client, manager) == {"M1", "A1"}
    assert _people(client, make_token(org["H1"])) == set(org)


def _assert_401(response, code="invalid_token"):
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == code


def test_refused_tokens_get_401(client, db, org, make_token):
    hr = org["H1"]
    _assert_401(client.get("/api/v1/people"), "missing_token")
    _assert_401(client.get("/api/v1/people", headers={"Authorization": "Basic abc"}),
                "missing_token")
    _assert_401(client.get("/api/v1/people", headers={
        "Authorization": "Bearer lms_pat_" + "A" * 43}))                   # unknown
    _assert_401(client.get("/api/v1/people", headers={
        "Authorization": "Bearer lms_pat_\x00" + "A" * 42}))               # malformed
    revoked = make_token(hr)
    token = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    tokens.revoke_token(db.session, None, token, "leaked in a chat")
    db.session.commit()
    _assert_401(client.get("/api/v1/people", headers=revoked))
    expiring = make_token(hr, expires_on=clock.today())
    assert client.get("/api/v1/people", headers=expiring).status_code == 200
    clock.freeze(clock.now() + timedelta(days=2))
    _assert_401(client.get("/api/v1/people", headers=expiring))
    clock.freeze(None)
    leaver = make_token(org["M1"])
    org["M1"].active = False
    db.session.commit()
    _assert_401(client.get("/api/v1/people", headers=leaver))


def test_a_token_without_the_scope_gets_403(client, org, make_token):
    headers = make_token(org["H1"], scopes=("people:read",))
    assert client.get("/api/v1/people", headers=headers).status_code == 200
    for url in ("/api/v1/certifications", "/api/v1/people/A1/certifications",
                "/api/v1/people/A1/profile"):
        response = client.get(url, headers=headers)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "insufficient_scope"
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert client.get("/api/v1/framework", headers=headers).status_code == 200


def test_a_signed_in_browser_without_a_token_gets_401(client, auth, org):
    assert auth.login(org["H1"]).status_code == 302
    assert client.get("/people").status_code == 200                    # the cookie works
    _assert_401(client.get("/api/v1/people"), "missing_token")          # not here


def test_tampered_cursors_are_400(app, client, org, make_token):
    headers = make_token(org["H1"])
    cursor = client.get("/api/v1/people?limit=2", headers=headers).get_json()["next_cursor"]
    forged = encode_cursor("another-secret", "E0100", 1)
    signature = cursor.partition(".")[2]
    wrong_shape = _serializer(app.secret_key).dumps({"after": "E0100"})
    for bad in (cursor[:-2] + "xx", forged, "not-a-cursor", "W10.abc",
                "WyJFMDEwMCIsMV0." + signature, wrong_shape,
                _serializer(app.secret_key).dumps(["E0100", True])):
        response = client.get(f"/api/v1/people?cursor={bad}", headers=headers)
        assert response.status_code == 400, bad
        assert response.get_json()["error"] == {
            "status": 400, "code": "bad_request", "message": "invalid cursor",
            "parameter": "cursor"}
    # A well-formed cursor from this server still works.
    assert client.get(f"/api/v1/people?cursor={cursor}", headers=headers).status_code == 200


@pytest.mark.parametrize(("query", "parameter"), [
    ("team_id=abc", "team_id"), ("team_id=-1", "team_id"), ("manager_id=1.5", "manager_id"),
    ("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"),
    ("tier=NOPE", "tier"), ("active=maybe", "active"), ("hired_from=2026-13-01", "hired_from"),
    ("hired_to=yesterday", "hired_to"), ("hired_from=2026-05-01&hired_to=2026-04-01",
                                         "hired_to"),
    ("colour=red", "colour"), ("status=certified", "status"),
])
def test_bad_filters_are_400_naming_the_parameter(client, org, make_token, query,
                                                  parameter):
    headers = make_token(org["H1"])
    response = client.get(f"/api/v1/people?{query}", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


@pytest.mark.parametrize(("query", "parameter"), [
    ("status=done", "status"), ("path=NOPE", "path"), ("path=NEWHIRE&limit=500", "limit")])
def test_bad_certification_filters_are_400(client, org, make_token, query, parameter):
    response = client.get(f"/api/v1/certifications?{query}",
                          headers=make_token(org["H1"]))
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


def test_filters_narrow_the_lists(client, demo_org, make_token):
    headers = make_token(demo_org["E0002"])
    senior = _people(client, headers, "/api/v1/people?tier=SENIOR")
    assert senior == {e for e, p in demo_org.items() if p.active and p.tier
                      and p.tier.code == "SENIOR"}
    chat = demo_org["E0109"].team_id
    assert _people(client, headers, f"/api/v1/people?team_id={chat}") == {
        e for e, p in demo_org.items() if p.active and p.team_id == chat}
    line = _people(client, headers, f"/api/v1/people?manager_id={demo_org['E0010'].id}")
    assert {"E0011", "E0101", "E0109"} <= line and "E0010" not in line
    hired = demo_org["E0102"].hire_date
    recent = _people(client, headers, f"/api/v1/people?hired_from={hired.isoformat()}")
    assert "E0102" in recent and all(demo_org[e].hire_date >= hired for e in recent)
    certified = _all_pages(client, "/api/v1/certifications?path=NEWHIRE&status=certified",
                           headers, limit=1)
    assert "E0102" in {i["person"]["employee_id"] for i in certified}
    assert all(c["status"] == "certified" and c["path"]["code"] == "NEWHIRE"
               for i in certified for c in i["certifications"])
    one_path = client.get("/api/v1/certifications?path=SENIOR&limit=200",
                          headers=headers).get_json()
    assert all([c["path"]["code"] for c in i["certifications"]] == ["SENIOR"]
               for i in one_path["data"])


def test_certification_standing_follows_the_certificate(client, db, demo_org, make_token):
    headers = make_token(demo_org["E0002"])

    def newhire():
        body = client.get("/api/v1/people/E0102/certifications", headers=headers).get_json()
        return next(c for c in body["certifications"] if c["path"]["code"] == "NEWHIRE")

    held = newhire()
    assert held["status"] == "certified" and held["percent"] == 100 and held["serial"]
    certificate = db.session.scalars(select(Certificate).where(
        Certificate.serial == held["serial"])).one()
    clock.freeze(clock.now() + timedelta(days=(certificate.expires_on - clock.today()).days
                                         - 10))
    assert newhire()["status"] == "expiring"
    clock.freeze(clock.now() + timedelta(days=20))
    assert newhire()["status"] == "expired"
    clock.freeze(None)
    from certificates.services.awards import revoke
    revoke(db.session, None, certificate, "issued in error")
    db.session.commit()
    assert newhire()["status"] == "revoked"
    revoked = client.get("/api/v1/certifications?status=revoked", headers=headers).get_json()
    assert [i["person"]["employee_id"] for i in revoked["data"]] == ["E0102"]


def test_only_get_is_allowed_and_unknown_paths_are_json(client, org, make_token):
    headers = make_token(org["H1"])
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for url in ("/api/v1/people", "/api/v1/people/A1", "/api/v1/openapi.json"):
            response = client.open(url, method=method, headers=headers)
            assert response.status_code == 405, (method, url)
            assert response.get_json()["error"]["code"] == "method_not_allowed"
            assert "GET" in response.headers["Allow"]
    response = client.get("/api/v1/nothing-here", headers=headers)
    assert response.status_code == 404 and response.is_json
    response = client.get("/api/v1/people/A%001", headers=headers)   # NUL: no SQL error
    assert response.status_code == 404 and response.is_json
    response = client.get("/api/v1/people/" + "E" * 300, headers=headers)
    assert response.status_code == 404
    assert client.get("/api/v1/people", headers=headers).headers["Cache-Control"] == "no-store"


@pytest.mark.commits  # the touch writes on a connection and transaction of its own
def test_last_use_is_written_at_most_once_a_minute(client, db, org, make_token):
    headers = make_token(org["H1"])
    token = db.session.scalars(select(ApiToken)).one()
    assert token.last_used_at is None
    start = clock.now()
    clock.freeze(start)
    client.get("/api/v1/framework", headers=headers)
    db.session.refresh(token)
    assert token.last_used_at == start
    clock.freeze(start + timedelta(seconds=30))
    client.get("/api/v1/framework", headers=headers)
    db.session.refresh(token)
    assert token.last_used_at == start                                   # not every request
    clock.freeze(start + timedelta(seconds=90))
    client.get("/api/v1/framework", headers=headers)
    db.session.refresh(token)
    assert token.last_used_at == start + timedelta(seconds=90)


URLS_BY_PAGE = ("/api/v1/people?limit=200", "/api/v1/certifications?limit=200",
                "/api/v1/certifications?status=not_started&limit=200",
                "/api/v1/people?tier=NEWHIRE&team_id=1&limit=200")


def test_a_page_costs_the_same_queries_whatever_the_number_of_people(
        client, demo_org, make_person, make_token, count_queries):
    headers = make_token(demo_org["E0002"])
    clock.freeze(clock.now())       # last use is then written once, by the warm-up request
    client.get("/api/v1/framework", headers=headers)

    def cost(url):
        with count_queries() as counter:
            response = client.get(url, headers=headers)
        assert response.status_code == 200
        return counter.count, len(response.get_json()["data"])

    tier, team = demo_org["E0101"].tier_id, demo_org["E0101"].team_id
    # One of each kind already on every page, so the comparison is between pages that show
    # some people, not between an empty page and a full one.
    make_person(name="Extra first", employee_id="X0999", tier_id=tier, team_id=team,
                manager_id=demo_org["E0011"].id)
    before = {url: cost(url) for url in URLS_BY_PAGE}
    for n in range(30):
        make_person(name=f"Extra {n}", employee_id=f"X{n:04d}", tier_id=tier, team_id=team,
                    manager_id=demo_org["E0011"].id)
    for url in URLS_BY_PAGE:
        (queries, shown), (queries_before, shown_before) = cost(url), before[url]
        assert shown > shown_before, url
        assert queries == queries_before, (url, queries_before, queries)
        assert queries <= 10, (url, queries)


def test_requests_are_rate_limited_per_token(app_config, make_app, org, make_token):
    limited = make_app({**app_config, "RATELIMIT_ENABLED": True,
                        "API_RATE_LIMIT": "2 per minute"})
    client = limited.test_client()
    first, second = make_token(org["H1"]), make_token(org["M1"])
    assert client.get("/api/v1/framework", headers=first).status_code == 200
    assert client.get("/api/v1/framework", headers=first).status_code == 200
    response = client.get("/api/v1/framework", headers=first)
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert client.get("/api/v1/framework", headers=second).status_code == 200


def test_updated_since_returns_only_what_changed(client, db, org, make_token):
    headers = make_token(org["H1"])
    later = clock.now() + timedelta(hours=1)
    stamp = quote(later.isoformat())  # "+00:00" would arrive as a space unquoted
    assert client.get(f"/api/v1/people?updated_since={stamp}",
                      headers=headers).get_json()["data"] == []
    clock.freeze(later + timedelta(minutes=5))  # the conftest unfreezes after each test
    org["A2"].name = "A2 renamed"
    db.session.commit()
    changed = client.get(f"/api/v1/people?updated_since={later.isoformat().replace('+00:00', 'Z')}",
                         headers=headers).get_json()["data"]
    assert [p["employee_id"] for p in changed] == ["A2"]
    assert client.get("/api/v1/certifications?updated_since=" + stamp,
                      headers=headers).get_json()["data"] == []
    for bad in ("yesterday", "2026-12-01", "2026-12-01T00:00:00"):
        response = client.get(f"/api/v1/people?updated_since={bad}", headers=headers)
        assert response.status_code == 400
        assert response.get_json()["error"]["parameter"] == "updated_since"
