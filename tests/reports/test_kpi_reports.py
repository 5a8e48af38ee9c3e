"""KPI reports: the team trend, the training impact, HR's group figures and the review pack's
KPI table; who may read which (a table); query counts that do not grow with the team."""

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select, true

from certificates.models import Certificate
from lms.core import clock
from lms.kpis import periods
from lms.kpis.models import KpiDefinition, KpiValue
from lms.people.models import Person
from lms.people.policy import report_scope
from reports.services import group_figures, kpi_trends, review_pack, training_impact
from tests.reports.heatmap_world import build

URLS = ("/reports/kpi-trend", "/reports/training-impact", "/reports/group-figures",
        "/reports/group-figures.csv")


@pytest.fixture
def world(db, defaults, make_person, make_team):
    clock.freeze(datetime(2026, 6, 20, 9, tzinfo=UTC))
    return build(db, defaults, make_person, make_team)


def _kpi(db, code: str) -> KpiDefinition:
    return db.session.scalar(select(KpiDefinition).where(KpiDefinition.code == code))


def _value(db, person, kpi, start: date, value) -> None:
    db.session.add(KpiValue(person_id=person.id, kpi_id=kpi.id, period_start=start,
                            value=Decimal(str(value)), recorded_at=clock.now()))


@pytest.mark.parametrize(("role", "url", "status"), [
    *[("agent", url, 403) for url in URLS],
    *[("mentor", url, 403) for url in URLS],
    ("manager", URLS[0], 200), ("manager", URLS[1], 200),
    ("manager", URLS[2], 403), ("manager", URLS[3], 403),
    *[("hr", url, 200) for url in URLS],
    *[("admin", url, 200) for url in URLS],
])
def test_access(client, auth, make_person, defaults, role, url, status):
    auth.login(make_person(roles=(role,)))
    assert client.get(url).status_code == status


def test_signed_out_people_are_sent_to_sign_in(client, defaults):
    for url in URLS:
        assert client.get(url).status_code == 302


def test_navigation_links_follow_the_policy(client, auth, make_person, defaults):
    for role, seen in (("agent", ()), ("manager", URLS[:2]), ("hr", URLS[:3])):
        auth.login(make_person(roles=(role,)))
        html = client.get("/").get_data(as_text=True)
        for url in URLS[:3]:
            assert (f'href="{url}"' in html) == (url in seen), (role, url)
        auth.logout()


def test_team_trend_averages_the_readers_people_per_period(db, world):
    csat = _kpi(db, "CSAT")
    _value(db, world.a1, csat, date(2026, 5, 1), 90)
    _value(db, world.a2, csat, date(2026, 5, 1), 80)
    _value(db, world.a1, csat, date(2026, 4, 1), 70)
    _value(db, world.b1, csat, date(2026, 5, 1), 50)
    _value(db, world.a1, csat, date(2026, 6, 1), 10)     # the current month: not shown
    db.session.commit()
    trends = {t.kpi.code: t for t in kpi_trends.team_trend(
        db.session, report_scope(world.manager), None, clock.today())}
    line = trends["CSAT"]
    assert line.labels[0] == "2025-06" and line.labels[-1] == "2026-05"
    assert line.averages[-1] == Decimal(85) and line.people[-1] == 2
    assert line.averages[-2] == Decimal(70) and line.people[-2] == 1 and not line.met(-2)
    assert line.averages[0] is None and line.people[0] == 0
    everyone = {t.kpi.code: t for t in kpi_trends.team_trend(
        db.session, true(), None, clock.today())}["CSAT"]
    assert everyone.people[-1] == 3
    team_b = {t.kpi.code: t for t in kpi_trends.team_trend(
        db.session, true(), world.team_b.id, clock.today())}["CSAT"]
    assert team_b.averages[-1] == Decimal(50)


def test_trend_page_chart_and_table_and_team_scope(client, auth, db, world):
    csat = _kpi(db, "CSAT")
    _value(db, world.a1, csat, date(2026, 5, 1), 90)
    _value(db, world.a2, csat, date(2026, 5, 1), 80)
    db.session.commit()
    auth.login(world.manager)
    html = client.get(f"/reports/kpi-trend?team={world.team_a.id}").get_data(as_text=True)
    assert "Alpha 甲队" in html and "<svg" in html and 'role="img"' in html
    assert "Customer satisfaction (CSAT) as a table" in html and ">85.0 <" in html
    assert "2026-05" in html
    assert client.get(f"/reports/kpi-trend?team={world.team_b.id}").status_code == 404
    assert client.get("/reports/kpi-trend?team=999999").status_code == 404
    auth.logout()
    auth.login(world.hr)
    zh = client.get("/reports/kpi-trend", headers={"Accept-Language": "zh-CN"})
    assert "客户满意度（CSAT）" in zh.get_data(as_text=True)


def test_impact_compares_the_same_people_before_and_after(db, world):
    """One certified person with values on both sides; another with values after only."""
    path = db.session.get(type(world.a1.tier), world.a1.tier_id)
    issued = date(2026, 3, 10)
    for person in (world.a1, world.a2):
        _certificate(db, person, path, issued)
    csat = _kpi(db, "CSAT")
    for month, value in ((12, 80), (1, 82), (2, 84), (3, 10), (4, 90), (5, 94)):
        _value(db, world.a1, csat, date(2025 if month == 12 else 2026, month, 1), value)
    _value(db, world.a1, csat, date(2025, 11, 1), 0)    # outside three periods before
    _value(db, world.a2, csat, date(2026, 4, 1), 99)     # nothing before: not compared
    db.session.commit()
    found = {i.path.id: i for i in training_impact.impact(db.session, true(), 3)}[path.id]
    assert found.certified == 2
    line = next(x for x in found.kpis if x.kpi.code == "CSAT")
    assert (line.before, line.after, line.people) == (Decimal(82), Decimal(92), 1)
    assert line.change == Decimal(10) and line.improved and line.small and found.small
    one = {i.path.id: i for i in training_impact.impact(db.session, true(), 1)}[path.id]
    line = next(x for x in one.kpis if x.kpi.code == "CSAT")
    assert (line.before, line.after) == (Decimal(84), Decimal(90))
    other = {i.path.id: i for i in training_impact.impact(
        db.session, report_scope(_other_manager(db, world)), 3)}[path.id]
    assert other.certified == 0 and all(x.people == 0 for x in other.kpis)


def test_impact_page_notes_a_small_group_and_refuses_bad_periods(client, auth, db, world):
    path = db.session.get(type(world.a1.tier), world.a1.tier_id)
    _certificate(db, world.a1, path, date(2026, 3, 10))
    csat = _kpi(db, "CSAT")
    _value(db, world.a1, csat, date(2026, 2, 1), 80)
    _value(db, world.a1, csat, date(2026, 4, 1), 90)
    db.session.commit()
    auth.login(world.manager)
    html = client.get("/reports/training-impact").get_data(as_text=True)
    assert "Small group" in html and "<svg" in html and "n=1" in html
    assert "as a table" in html and "better" in html
    for bad in ("0", "13", "x"):
        response = client.get(f"/reports/training-impact?periods={bad}")
        assert response.status_code == 400
        assert "Periods before and after" in response.get_data(as_text=True)
    auth.logout()
    auth.login(_other_manager(db, world))
    html = client.get("/reports/training-impact").get_data(as_text=True)
    assert "n=1" not in html and "Nobody certified on this path" in html


def _other_manager(db, world) -> Person:
    return db.session.get(Person, world.b1.manager_id)


def _certificate(db, person, path, issued: date) -> Certificate:
    from certificates.models import RulesVersion

    version = db.session.scalar(select(RulesVersion).where(RulesVersion.path_id == path.id))
    if version is None:
        version = RulesVersion(path_id=path.id, number=1, digest="test", snapshot={})
        db.session.add(version)
        db.session.flush()
    code = uuid.uuid4().hex
    certificate = Certificate(
        serial=code[:12], verify_code=code, achievement_key=f"{person.id}:{path.id}:{code[:6]}",
        person_id=person.id, path_id=path.id, rules_version_id=version.id,
        holder_name=person.name, path_name=path.name, issued_on=issued,
        expires_on=issued + timedelta(days=365), validity_months=12)
    db.session.add(certificate)
    db.session.flush()
    return certificate


def test_group_figures_pass_rate_coverage_and_hours(db, world):
    """a1 passed (certified), a2 failed an assessment, b1 has no outcome yet."""
    from certificates.models import CertificationEvaluation

    path = db.session.get(type(world.a1.tier), world.a1.tier_id)
    certificate = _certificate(db, world.a1, path, date(2026, 3, 10))
    slot = next(s for s in path.slots if s.pass_mark is not None)
    for person, score in ((world.a2, slot.pass_mark - 1), (world.b1, slot.pass_mark)):
        evaluation = db.session.scalar(select(CertificationEvaluation).where(
            CertificationEvaluation.person_id == person.id,
            CertificationEvaluation.path_id == path.id))
        if evaluation is None:
            evaluation = CertificationEvaluation(person_id=person.id, path_id=path.id,
                                                 rules_version_id=certificate.rules_version_id)
            db.session.add(evaluation)
        evaluation.percent, evaluation.started = 10, True
        evaluation.components = {slot.code: str(score)}
    db.session.commit()
    figures = group_figures.group_figures(db.session, true(), clock.today())
    rate = next(r for r in figures.pass_rates if r.path.id == path.id)
    assert rate.people == 3 and rate.passed == 1 and rate.assessed == 2
    assert rate.rate == Decimal(50) and rate.target == Decimal(80) and not rate.met
    targets = {r.path.code: r.target for r in figures.pass_rates}
    assert targets["SENIOR"] == Decimal(85) and targets["MANAGER"] == Decimal(95)
    total = figures.coverage_total
    assert total.people == len(db.session.scalars(select(Person).where(Person.active)).all())
    assert total.trained == 0 and total.rate == Decimal(0)
    assert figures.hours.target == 120 and figures.hours.average == Decimal("0.0")
    assert figures.quarter_start == date(2026, 4, 1)


def test_group_figures_csv(client, auth, world):
    auth.login(world.hr)
    response = client.get("/reports/group-figures.csv")
    assert response.mimetype == "text/csv"
    assert "group-figures-2026-06-20.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Figure", "Group", "Value"]
    assert any(r[0] == "Pass rate (%)" and r[3] == "95.0" for r in rows)
    assert any(r[1] == "Alpha 甲队" for r in rows)
    page = client.get("/reports/group-figures").get_data(as_text=True)
    assert "Pass rate per tier" in page and "Training coverage this quarter" in page


def test_review_pack_shows_the_last_six_periods_of_kpis(app, db, demo_org, tmp_path):
    person = demo_org["E0102"]            # 陈静, certified new hire
    today = clock.today()
    months = kpi_trends.last_periods(today, "month", 6)
    csat = _kpi(db, "CSAT")
    value = db.session.scalar(select(KpiValue.value).where(
        KpiValue.person_id == person.id, KpiValue.kpi_id == csat.id,
        KpiValue.period_start == months[-1]))
    assert value is not None
    with app.test_request_context():
        html = review_pack.pack_html(db.session, person)
        pdf = review_pack.pack_pdf(db.session, person)
    assert "Service KPIs, last periods" in html
    assert all(periods.label(m, "month") in html for m in months)
    older = periods.label(periods.preceding(months[0], "month"), "month")
    assert older not in html.split("Service KPIs, last periods")[1].split("</table>")[0]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "陈静" in text and "Customer satisfaction (CSAT)" in text
    assert str(value.quantize(Decimal("0.1"))) in text


@pytest.mark.parametrize("url", URLS)
def test_query_count_does_not_grow_with_the_team(client, auth, db, world, make_person,
                                                 count_queries, url):
    path = db.session.get(type(world.a1.tier), world.a1.tier_id)
    csat = _kpi(db, "CSAT")
    _certificate(db, world.a1, path, date(2026, 3, 1))
    db.session.commit()
    auth.login(world.hr)
    client.get(url)
    counts = []
    for extra in (0, 12):
        for n in range(extra):
            person = make_person(team_id=world.team_a.id, tier_id=path.id)
            _certificate(db, person, path, date(2026, 3, 1))
            _value(db, person, csat, date(2026, 1 + n % 2, 1), 80 + n)
            _value(db, person, csat, date(2026, 4 + n % 2, 1), 85 + n)
        db.session.commit()
        with count_queries() as counter:
            response = client.get(url)
            assert response.status_code == 200
            response.get_data()
        counts.append(counter.count)
    assert counts[0] == counts[1]
