"""The report rows: scope, filters, sorting, details and a constant number of queries."""

from datetime import timedelta

import pytest
from sqlalchemy import true

from lms.core import clock
from lms.people.policy import is_in_reporting_line, report_scope
from reports.services import rows as report_rows
from reports.services.filters import ReportFilters, filter_form, filters_from


def _ids(rows):
    return {r.employee_id for r in rows}


def test_scope_follows_the_policy(db, demo_org):
    hr, hotline_manager, mentor = demo_org["E0002"], demo_org["E0011"], demo_org["E0021"]
    everyone = report_rows.report_people(db.session, report_scope(hr), ReportFilters())
    active = {p.employee_id for p in demo_org.values() if p.active}
    assert _ids(everyone) == active
    line = report_rows.report_people(db.session, report_scope(hotline_manager),
                                     ReportFilters())
    assert "E0101" in _ids(line)                      # 刘洋, Hotline
    assert "E0109" not in _ids(line)                  # 徐明, Online Chat
    assert all(p.employee_id == "E0011" or is_in_reporting_line(p, hotline_manager)
               for p in demo_org.values() if p.employee_id in _ids(line))
    mentees = report_rows.report_people(db.session, report_scope(mentor),
                                        ReportFilters())
    assert _ids(mentees) == {"E0021"} | {p.employee_id for p in demo_org.values()
                                         if p.mentor_id == mentor.id and p.active}
    agent = demo_org["E0101"]
    assert _ids(report_rows.report_people(db.session, report_scope(agent),
                                          ReportFilters())) == {"E0101"}


def test_filters_narrow_the_rows(db, demo_org):
    chat = demo_org["E0109"].team_id
    rows = report_rows.report_people(db.session, true(), ReportFilters(team_id=chat))
    assert rows and all(r.team_id == chat for r in rows)
    department = db.session.get(type(demo_org["E0109"].team), chat).parent_id
    assert len(report_rows.report_people(db.session, true(),
                                         ReportFilters(team_id=department))) > len(rows)
    line = report_rows.report_people(db.session, true(),
                                     ReportFilters(manager_id=demo_org["E0010"].id))
    assert "E0011" in _ids(line) and "E0101" in _ids(line) and "E0010" not in _ids(line)
    senior = demo_org["E0020"].tier_id
    assert all(r.tier_id == senior for r in report_rows.report_people(
        db.session, true(), ReportFilters(tier_id=senior)))
    today = clock.today()
    recent = report_rows.report_people(db.session, true(), ReportFilters(
        hired_from=today - timedelta(days=100)))
    assert recent and all(r.hire_date >= today - timedelta(days=100) for r in recent)
    assert "E0199" not in _ids(report_rows.report_people(db.session, true(), ReportFilters()))
    assert "E0199" in _ids(report_rows.report_people(db.session, true(),
                                                     ReportFilters(include_inactive=True)))


def test_status_filter_and_sorting(db, demo_org):
    everyone = report_rows.report_people(db.session, true(), ReportFilters())
    statuses = {r.employee_id: r.status for r in everyone}
    assert statuses["E0102"] == "certified"           # the demo new hire who meets every rule
    certified = report_rows.report_people(db.session, true(), ReportFilters(status="certified"))
    assert _ids(certified) == {e for e, s in statuses.items() if s == "certified"}
    by_name = [r.name.casefold() for r in everyone]
    assert by_name == sorted(by_name)
    newest = report_rows.report_people(db.session, true(),
                                       ReportFilters(sort="hire_date", descending=True))
    dates = [r.hire_date for r in newest if r.hire_date]
    assert dates == sorted(dates, reverse=True)


def test_details_hold_levels_required_and_overdue(db, demo_org):
    rows = report_rows.report_people(db.session, true(), ReportFilters())
    held = report_rows.details(db.session, rows)
    certified = held[demo_org["E0102"].id]
    assert certified.competencies
    assert any(line.required is not None for line in certified.competencies.values())
    assert all(line.gap <= 0 for line in certified.competencies.values()
               if line.required is not None and line.level is not None)


@pytest.mark.parametrize("copies", [1, 3])
def test_query_count_does_not_grow_with_people(db, demo_org, make_person, count_queries,
                                               copies):
    tier = demo_org["E0101"].tier_id
    for _ in range(copies * 20):
        make_person(tier_id=tier, team_id=demo_org["E0101"].team_id)
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as counter:
        rows = report_rows.report_people(db.session, true(), ReportFilters())
        report_rows.details(db.session, rows)
    assert counter.count == 1 + 6  # details: profiles, required levels, 360, overdue, standings (2)


def test_filter_form_refuses_tampered_values(db, demo_org):
    manager = demo_org["E0011"]
    scope = report_scope(manager)
    other_team = demo_org["E0109"].team_id
    form = filter_form(db.session, scope, {"team": str(other_team)})
    assert not form.validate() and "team" in form.errors
    form = filter_form(db.session, scope, {"hired_from": "2026-13-40", "status": "bogus",
                                           "expiring_within": "-5"})
    assert not form.validate()
    assert {"hired_from", "status", "expiring_within"} <= set(form.errors)
    form = filter_form(db.session, scope, {"hired_from": "2026-05-01", "hired_to": "2026-01-01"})
    assert not form.validate() and "hired_to" in form.errors
    own_team = demo_org["E0101"].team_id
    form = filter_form(db.session, scope, {"team": str(own_team), "status": "certified",
                                           "order": "desc"})
    assert form.validate(), form.errors
    chosen = filters_from(form)
    assert (chosen.team_id, chosen.status, chosen.descending) == (own_team, "certified", True)
    assert filters_from(filter_form(db.session, scope, chosen.query_args())) == chosen


def test_each_status_filter_keeps_exactly_the_people_with_that_status(db, demo_org,
                                                                     make_person):
    # The expiry conditions the filter adds for "certified" and "expiring" (so the database
    # can start from the standings' index) keep the same people as the status alone.
    make_person(name="Just Hired", tier_id=demo_org["E0101"].tier_id)   # nothing done yet
    everyone = report_rows.report_people(db.session, true(), ReportFilters())
    seen = {r.status for r in everyone}
    assert {"certified", "not_started"} <= seen
    for status in ("not_started", "in_progress", "pending_approval", "certified", "expiring",
                   "expired", "revoked"):
        kept = report_rows.report_people(db.session, true(), ReportFilters(status=status))
        assert _ids(kept) == {r.employee_id for r in everyone if r.status == status}, status


@pytest.mark.parametrize("sort,descending", [("name", False), ("name", True),
                                              ("employee_id", False), ("employee_id", True),
                                              ("expires_on", False), ("team", True)])
def test_every_page_is_its_slice_of_the_whole_order(db, demo_org, sort, descending):
    # Pages in the second half are found walking the order from its end: each page is the
    # same slice of the whole list either way.
    filters = ReportFilters(sort=sort, descending=descending)
    whole = [r.id for r in report_rows.report_people(db.session, true(), filters)]
    assert len(whole) > 14
    size, pages = 4, (len(whole) + 3) // 4
    for page in range(1, pages + 1):
        shown, total = report_rows.report_page(db.session, true(), filters, page, size)
        assert total == len(whole)
        assert [r.id for r in shown] == whole[(page - 1) * size:page * size], page
        known, _ = report_rows.report_page(db.session, true(), filters, page, size,
                                           total=total)
        assert [r.id for r in known] == [r.id for r in shown]


@pytest.mark.parametrize("status", ["certified", "expiring"])
@pytest.mark.parametrize("descending", [False, True])
def test_sorting_by_expiry_within_a_status_orders_as_the_whole_list_does(db, demo_org, status,
                                                                           descending):
    # "Certified" and "expiring" are ordered by the stored expiry column (so the database can
    # walk its index): the same people in the same order as the general sort, filtered.
    sort = ReportFilters(sort="expires_on", descending=descending)
    whole = [r.id for r in report_rows.report_people(db.session, true(), sort)
             if r.status == status]
    assert whole, status
    kept = report_rows.report_people(db.session, true(), ReportFilters(
        status=status, sort="expires_on", descending=descending))
    assert [r.id for r in kept] == whole
    dates = [r.expires_on for r in kept]
    assert dates == sorted(dates, reverse=descending) and None not in dates


def test_team_totals_are_kept_until_a_standing_or_a_person_changes(app, db, demo_org,
                                                                   count_queries):
    filters = ReportFilters()
    with count_queries() as first:
        counted = report_rows.team_totals(db.session, true(), filters)
    with count_queries() as again:
        kept = report_rows.team_totals(db.session, true(), filters)
    assert kept == counted
    assert again.count == first.count - 1              # the change mark and the names only
    # A person leaves: the mark moves (their row's updated_at), the totals are counted anew.
    leaver = demo_org["E0101"]
    leaver.active = False
    db.session.commit()
    _teams, grand = report_rows.team_totals(db.session, true(), filters)
    assert grand.people == counted[1].people - 1
    # Too old: counted again even though nothing moved.
    store = app.extensions["reports.kept"]
    for key, (mark, _at, value) in list(store.items()):
        store[key] = (mark, -1e9, value)
    with count_queries() as aged:
        report_rows.team_totals(db.session, true(), filters)
    assert aged.count == first.count
