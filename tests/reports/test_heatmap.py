"""The heat map: aggregation, drill-down, evidence page, trend replay, scope and query counts."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import true

from lms.competencies.services.matrix import heat
from lms.core import clock
from lms.people.policy import report_scope
from reports.services import heatmap
from reports.services import rows as report_rows
from reports.services.filters import ReportFilters
from tests.reports.heatmap_world import build, evidence


@pytest.fixture
def world(db, defaults, make_person, make_team):
    clock.freeze(datetime(2026, 6, 20, 9, tzinfo=UTC))
    return build(db, defaults, make_person, make_team)


def _team(rows, team_id):
    return next(t for t in rows if t.team_id == team_id)


def test_team_cells_average_the_shortfall_and_count_who_meets(db, world):
    teams = heatmap.team_heat(db.session, true(), ReportFilters())
    cell = _team(teams, world.team_a.id).cells[world.listen.id]
    # a1 meets (shortfall 0); a2 has no evidence (shortfall = the required level).
    assert (cell.people, cell.met) == (2, 1)
    assert cell.average == Decimal(world.required) / 2
    assert cell.met_percent == 50
    rounded = int((Decimal(world.required) / 2).to_integral_value(rounding="ROUND_HALF_UP"))
    assert cell.colour == heat(rounded, 0)
    bravo = _team(teams, world.team_b.id).cells[world.listen.id]
    assert bravo.colour == heat(world.required - 1, 0) and bravo.met == 0


def test_surplus_does_not_hide_a_gap_and_batches_agree(db, world):
    evidence(db, world.a2, world.listen, 5, datetime(2026, 2, 1, tzinfo=UTC), source="13")
    db.session.commit()
    cell = _team(heatmap.team_heat(db.session, true(), ReportFilters()),
                 world.team_a.id).cells[world.listen.id]
    assert cell.average == 0 and cell.met == 2 and cell.colour == "green"
    whole = heatmap.team_heat(db.session, true(), ReportFilters())
    # The database's aggregation agrees with one worked out per person from `details`.
    people = report_rows.report_people(db.session, true(), ReportFilters())
    detail = report_rows.details(db.session, people)
    expected = {}
    for person in people:
        team = expected.setdefault(person.team_id, [0, {}])
        team[0] += 1
        for cid, line in detail[person.id].competencies.items():
            if line.required is not None:
                short = max(line.required - (line.level or 0), 0)
                n, met, total = team[1].get(cid, (0, 0, 0))
                team[1][cid] = (n + 1, met + (short == 0), total + short)
    assert {t.team_id: [t.people, {k: (c.people, c.met, c.shortfall)
                                   for k, c in t.cells.items()}] for t in whole} == expected


def test_people_cells_show_level_and_required(db, world):
    rows = heatmap.people_heat(db.session, true(), ReportFilters(), world.team_a.id)
    by_id = {r.row.id: r for r in rows}
    assert set(by_id) >= {world.a1.id, world.a2.id} and world.b1.id not in by_id
    met = by_id[world.a1.id].cells[world.listen.id]
    assert (met.level, met.required, met.colour) == (world.required, world.required, "green")
    none = by_id[world.a2.id].cells[world.listen.id]
    assert (none.level, none.colour) == (None, "red")


def test_trend_replays_the_profile_policy_at_each_month_end(db, world):
    # a2: quiz 2 in March, quiz 4 in May (replaces it), role-play 2 in May (averaged in).
    evidence(db, world.a2, world.listen, 2, datetime(2026, 3, 5, tzinfo=UTC), source="21")
    evidence(db, world.a2, world.listen, 4, datetime(2026, 5, 5, tzinfo=UTC), source="22")
    evidence(db, world.a2, world.listen, 2, datetime(2026, 5, 6, tzinfo=UTC),
             kind="roleplay", source="23")
    db.session.commit()
    trend = heatmap.team_trend(db.session, [world.a2.id], today=date(2026, 6, 20))
    assert trend.months[-1] == date(2026, 6, 20) and trend.months[0] == date(2025, 7, 31)
    assert len(trend.months) == 12
    area = world.listen.area_id
    by_month = dict(zip(trend.months, trend.values[area], strict=True))
    assert by_month[date(2026, 2, 28)] is None
    assert by_month[date(2026, 3, 31)] == 2 and by_month[date(2026, 4, 30)] == 2
    assert by_month[date(2026, 5, 31)] == 3          # (4 + 2) / 2
    # Two people: the area's point is the mean over (person, competency) pairs.
    both = heatmap.team_trend(db.session, [world.a1.id, world.a2.id], today=date(2026, 6, 20))
    assert dict(zip(both.months, both.values[area], strict=True))[date(2026, 2, 28)] == \
        world.required


def test_month_ends_cross_the_year():
    ends = heatmap.month_ends(date(2026, 2, 10), 3)
    assert ends == [date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 10)]


def test_scope_manager_sees_only_their_line(db, world):
    rows = heatmap.team_heat(db.session, report_scope(world.manager), ReportFilters())
    assert {t.team_id for t in rows} == {world.team_a.id}


def test_pages_for_hr(client, auth, world):
    auth.login(world.hr)
    page = client.get("/reports/heatmap")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Alpha 甲队" in html and "Bravo" in html
    assert f"/reports/heatmap?team={world.team_a.id}" in html
    team = client.get(f"/reports/heatmap?team={world.team_a.id}").get_data(as_text=True)
    assert "王小明" in team and f"/reports/people/{world.a1.id}/evidence" in team
    assert "Zoë &lt;b&gt;Müller&lt;/b&gt;" in team and "<b>Müller" not in team
    assert f"{world.required} / {world.required}" in team and "<svg" in team
    assert "Bravo Person" not in team


def test_manager_cannot_reach_another_team(client, auth, world):
    auth.login(world.manager)
    html = client.get("/reports/heatmap").get_data(as_text=True)
    assert "Alpha" in html and "Bravo" not in html
    assert client.get(f"/reports/heatmap?team={world.team_b.id}").status_code == 404
    assert client.get("/reports/heatmap?team=999999").status_code == 404
    assert client.get(f"/reports/people/{world.b1.id}/evidence").status_code == 404
    assert client.get(f"/reports/people/{world.a1.id}/evidence").status_code == 200


def test_bad_filters_are_a_400_with_a_message(client, auth, world):
    auth.login(world.hr)
    response = client.get("/reports/heatmap?hired_from=2026-13-45&expiring_within=-3")
    assert response.status_code == 400
    assert "Hired from" in response.get_data(as_text=True)


def test_evidence_page_lists_the_rows_behind_each_level(client, auth, db, world):
    evidence(db, world.a1, world.listen, 2, datetime(2025, 12, 1, tzinfo=UTC), source="9")
    db.session.commit()
    auth.login(world.mentor)  # a1's mentor
    html = client.get(f"/reports/people/{world.a1.id}/evidence").get_data(as_text=True)
    assert "Active listening" in html and "Quiz or exam" in html
    assert ">11<" in html and ">9<" in html          # source ids
    assert "latest of its kind" in html and "history" in html
    assert client.get(f"/reports/people/{world.a2.id}/evidence").status_code == 404
    auth.logout()
    auth.login(world.a2)
    assert client.get(f"/reports/people/{world.a2.id}/evidence").status_code == 200
    assert client.get(f"/reports/people/{world.a1.id}/evidence").status_code == 404
    assert client.get("/reports/people/999999/evidence").status_code == 404


@pytest.mark.parametrize("view", ["teams", "team"])
def test_query_count_does_not_grow_with_people(client, auth, db, world, make_person,
                                               count_queries, view):
    auth.login(world.hr)
    url = "/reports/heatmap" + (f"?team={world.team_a.id}" if view == "team" else "")
    client.get(url)
    counts = []
    for extra in (0, 15):
        for n in range(extra):
            person = make_person(team_id=world.team_a.id, tier_id=world.a1.tier_id)
            evidence(db, person, world.listen, 1 + n % 4,
                     datetime(2026, 1 + n % 5, 3, tzinfo=UTC), source=str(100 + n))
        db.session.commit()
        # Counted afresh each time (nothing kept from the last page: reports.services.totals).
        client.application.extensions.get("reports.kept", {}).clear()
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
