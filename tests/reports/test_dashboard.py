"""The certification status dashboard: scope, filters, sorting, paging, totals, query count."""

import re
from datetime import date

from lms.demo import DEMO_PASSWORD
from lms.people.models import Team
from lms.people.policy import is_in_reporting_line


def _login(auth, person):
    auth.login(person, password=DEMO_PASSWORD)


def _shown_ids(html: str) -> set[str]:
    """Employee ids in the people table (first cell of each body row)."""
    body = html.split('class="table dash-table"', 1)[1]
    return set(re.findall(r"<tr[^>]*>\s*<td>([A-Z]\d{4,5})</td>", body))


def test_hr_sees_everyone_with_statuses_and_totals(client, auth, demo_org):
    _login(auth, demo_org["E0002"])
    response = client.get("/reports/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    active = {p.employee_id for p in demo_org.values() if p.active}
    # The first page of 50 (the demo has about 150), all of them people HR may see.
    assert _shown_ids(html) <= active and len(_shown_ids(html)) == min(len(active), 50)
    assert "E0199" not in _shown_ids(html)                       # the leaver
    assert "Totals by team" in html and "Completion rate" in html
    assert "Certified" in html and "In training" in html
    assert "/reports/export.csv" in html and "/reports/export.xlsx" in html
    # The demo new hire is certified: the badge and "until <expiry>".
    assert "until " in html


def test_status_badges_follow_each_readers_language(client, auth, demo_org):
    """The badges are worded once per page, in that page's language: an English page first
    must not leave English badges on the next Chinese one."""
    _login(auth, demo_org["E0002"])
    english = client.get("/reports/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    chinese = client.get("/reports/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert ">In training<" in english and "培训中" not in english
    assert "In training" not in chinese and "Not started" not in chinese
    assert ">未开始<" in chinese


def test_manager_and_mentor_see_only_their_people(client, auth, demo_org):
    manager = demo_org["E0011"]
    _login(auth, manager)
    html = client.get("/reports/").get_data(as_text=True)
    shown = _shown_ids(html)
    assert "E0101" in shown and "E0109" not in shown
    assert all(eid == "E0011" or is_in_reporting_line(demo_org[eid], manager)
               for eid in shown)
    auth.logout()
    mentor = demo_org["E0021"]
    _login(auth, mentor)
    shown = _shown_ids(client.get("/reports/").get_data(as_text=True))
    assert shown == {"E0021"} | {p.employee_id for p in demo_org.values()
                                 if p.mentor_id == mentor.id and p.active}


URLS = ("/reports/", "/reports/export.csv", "/reports/export.xlsx")
BAD_FILTERS = [
    {"hired_from": "not-a-date"}, {"sort": "password_hash"}, {"order": "sideways"},
    {"expiring_within": "-5"}, {"expiring_within": "lots"}, {"status": "sacked"},
    {"tier": "999999"}, {"manager": "x"}, {"hired_from": "2026-05-01", "hired_to": "2026-01-01"},
]


def test_agents_and_other_teams_are_refused(client, auth, demo_org):
    _login(auth, demo_org["E0101"])
    assert [client.get(url).status_code for url in URLS] == [403, 403, 403]
    auth.logout()
    # A manager passing another team's id gets a form error (400), not that team's data.
    _login(auth, demo_org["E0011"])
    chat = demo_org["E0109"].team_id                  # Online Chat: not in 王芳's line
    for url in URLS:
        response = client.get(url, query_string={"team": chat})
        html = response.get_data(as_text=True)
        assert response.status_code == 400, url
        assert "Not a valid choice" in html and response.mimetype == "text/html"
        assert demo_org["E0109"].name not in html and "E0101" not in html


def test_invalid_filters_are_400_with_errors_and_no_rows(client, auth, make_person):
    make_person(name="Visible Agent", employee_id="V0001")
    _login(auth, make_person(roles=("hr",), password=DEMO_PASSWORD))
    for args in BAD_FILTERS:
        response = client.get("/reports/", query_string=args)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, args
        assert "These filters cannot be used" in html
        assert 'class="table dash-table"' not in html and "V0001" not in html
        assert client.get("/reports/export.csv", query_string=args).status_code == 400


def test_filters_narrow_and_are_kept_in_links(client, auth, demo_org):
    _login(auth, demo_org["E0002"])
    hotline = demo_org["E0101"].team_id
    html = client.get("/reports/", query_string={"team": hotline, "status": "in_progress"}) \
        .get_data(as_text=True)
    shown = _shown_ids(html)
    assert shown and all(demo_org[e].team_id == hotline for e in shown)
    # Sort headers and downloads carry the filters.
    assert f"/reports/export.csv?team={hotline}&amp;status=in_progress" in html
    assert re.search(rf'href="/reports/\?team={hotline}&amp;status=in_progress&amp;sort=team"',
                     html)
    # Sorted by name ascending already: the name header turns it descending.
    assert "sort=name&amp;order=desc" in html
    html = client.get("/reports/?sort=employee_id&order=desc").get_data(as_text=True)
    body = html.split('class="table dash-table"', 1)[1]
    ids = re.findall(r"<tr[^>]*>\s*<td>([A-Z]\d{4,5})</td>", body)
    assert ids == sorted(ids, reverse=True)
    assert 'aria-sort="descending"' in html
    client.post("/language", data={"lang-locale": "zh_Hans_CN", "next": "/reports/"})
    html = client.get("/reports/").get_data(as_text=True)
    assert "认证状态" in html and "按团队汇总" in html


def _team_of(db, make_team, make_person, count, team=None, start=0):
    team = team or make_team("Benchmark Team")
    for n in range(start, start + count):
        make_person(name=f"Bench {n:03d}", employee_id=f"B{n:04d}", team_id=team.id,
                    email=f"bench{n}@example.com", hire_date=date(2025, 1, 1 + n % 28))
    return team


def test_pages_of_fifty_with_clamping(client, auth, db, make_team, make_person):
    team = _team_of(db, make_team, make_person, 60)
    _login(auth, make_person(roles=("hr",), password=DEMO_PASSWORD))
    first = client.get("/reports/", query_string={"team": team.id}).get_data(as_text=True)
    assert len(_shown_ids(first)) == 50
    assert "Page 1 of 2" in first and f"team={team.id}&amp;page=2" in first
    second = client.get("/reports/", query_string={"team": team.id, "page": 2})
    assert len(_shown_ids(second.get_data(as_text=True))) == 10
    # Totals cover the whole filtered set, not the page.
    assert re.search(r"Benchmark Team</th><td class=\"num\">60</td>", first)
    beyond = client.get("/reports/", query_string={"team": team.id, "page": 99})
    assert beyond.status_code == 200 and "Page 2 of 2" in beyond.get_data(as_text=True)
    assert client.get("/reports/?page=abc").status_code == 404
    assert client.get("/reports/?page=-1").status_code == 404
    assert client.get("/reports/?page=0").status_code == 200


def test_query_count_is_constant_in_the_number_of_people(
        client, auth, demo_org, db, make_team, make_person, count_queries):
    newhire = demo_org["E0101"].tier_id
    team = _team_of(db, make_team, make_person, 10)
    for person in team_people(db, team):
        person.tier_id, person.manager_id = newhire, demo_org["E0011"].id
    db.session.commit()
    _login(auth, demo_org["E0002"])

    def counted(args) -> int:
        with count_queries() as counter:
            response = client.get("/reports/", query_string=args)
        assert response.status_code == 200
        return counter.count

    small, everyone = counted({"team": team.id}), counted({})
    _team_of(db, make_team, make_person, 50, team=team, start=10)
    for person in team_people(db, team):
        person.tier_id, person.manager_id = newhire, demo_org["E0011"].id
    db.session.commit()
    # 10 -> 60 people in the team (a full page), 51 -> 101 in all: the same counts.
    assert counted({"team": team.id}) == small
    assert counted({}) == everyone


def team_people(db, team: Team):
    from lms.people.models import Person

    return db.session.query(Person).filter_by(team_id=team.id).all()


def test_each_person_shows_kpis_of_the_last_three_periods_and_training_hours(
        client, auth, demo_org, db):
    from sqlalchemy import select

    from classroom.services.hours import hours_for
    from lms.core import clock
    from lms.kpis.models import KpiValue
    from reports.services import figures

    _login(auth, demo_org["E0002"])
    year = clock.today().year
    # The KPI column is hidden until the reader chooses it (rows stay one line tall).
    html = client.get("/reports/").get_data(as_text=True)
    assert f"Training hours {year}" in html and 'class="dash-kpis"' not in html
    client.post("/reports/columns", data={"shown": ["hours", "kpis"]})
    html = client.get("/reports/").get_data(as_text=True)
    assert f"Training hours {year}" in html and "KPIs, last 3 periods" in html
    columns = figures.kpi_columns(db.session, clock.today())
    values = {(p, k, s): v for p, k, s, v in db.session.execute(
        select(KpiValue.person_id, KpiValue.kpi_id, KpiValue.period_start, KpiValue.value))}
    shown = _shown_ids(html)
    hours = hours_for(db.session, [demo_org[e] for e in shown], year)
    with_kpis = 0
    for employee_id in shown:
        person = demo_org[employee_id]
        row = re.search(rf"<td>{employee_id}</td>(.*?)</tr>", html, re.S).group(1)
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert cells[-1] == str(hours[person.id].hours())
        for first, positions in figures.by_kpi(columns):
            said = [figures.plain(values.get((person.id, first.kpi_id, columns[n].start)))
                    for n in positions]
            assert re.search(rf"<abbr[^>]*>{re.escape(first.code)}</abbr>" + " ·".join(
                rf' <span title="[^"]+">{re.escape(v)}</span>' for v in said), row), \
                (employee_id, first.code, said)
            with_kpis += any(v != "—" for v in said)
    assert with_kpis   # the demo's KPI history reaches the last three months
