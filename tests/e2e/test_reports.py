"""Browser journey: HR filters the demo organisation on the certification dashboard,
downloads the CSV and the XLSX (both opened and checked), sees the competency heat map
down to one team's people and downloads their review packs, prepared in the background; a
manager cannot see another team's people through any page, export, review pack or API call."""

import csv
import io
import zipfile

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.core.extensions import db
from lms.people.models import Person, Team
from reports.services.tokens import create_token
from tests.e2e.pages import download, follow_nav_link, login_as

pytestmark = pytest.mark.e2e
HOTLINE, CHAT = "Hotline — Shanghai", "Online Chat"


def _org(app):
    """{employee_id: (id, team name)} and {team name: id} of the demo organisation."""
    with app.app_context():
        people = {p.employee_id: (p.id, p.team.name if p.team else None)
                  for p in db.session.scalars(select(Person))}
        teams = {t.name: t.id for t in db.session.scalars(select(Team))}
        db.session.remove()
    return people, teams


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    """The export's rows as dicts (its first row is the header)."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_hr_filters_downloads_and_reads_the_heat_map(page, app, demo):
    people, teams = _org(app)
    hotline = {eid for eid, (_, team) in people.items() if team == HOTLINE}
    login_as(page, "hr")
    follow_nav_link(page, "/reports/")
    expect(page.heading()).to_have_text("Certification status")
    page.raw.locator('select[name="team"]').select_option(label=HOTLINE)
    page.raw.locator('select[name="status"]').select_option(value="")
    page.click(page.raw.get_by_role("button", name="Filter", exact=True))
    table = page.raw.locator("table.dash-table")
    expect(table).to_contain_text("E0102")           # 陈静, certified new hire, Hotline
    expect(table).not_to_contain_text("E0109")       # 徐明, Online Chat

    rows = _csv_rows(download(page, "Download CSV"))
    exported = {row["employee_id"] for row in rows}
    assert exported and exported <= hotline and "E0109" not in exported
    chen = next(row for row in rows if row["employee_id"] == "E0102")
    assert chen["name"] == "陈静" and chen["NEWHIRE_status"] == "certified"
    assert chen["NEWHIRE_expires_on"]

    book = openpyxl.load_workbook(io.BytesIO(download(page, "Download XLSX")), read_only=True)
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    by_id = {row[header.index("employee_id")]: row for row in values[1:]}
    assert set(by_id) == exported
    chen_row = by_id["E0102"]
    assert chen_row[header.index("NEWHIRE_status")] == "certified"
    assert hasattr(chen_row[header.index("NEWHIRE_expires_on")], "year")   # a real date
    assert len(book.worksheets) >= 2

    follow_nav_link(page, "/reports/heatmap")
    heat = page.raw.locator("main table").first
    expect(heat).to_contain_text(HOTLINE)
    expect(heat).to_contain_text(CHAT)
    page.click(heat.get_by_role("link", name=HOTLINE))
    expect(page.raw.locator("main")).to_contain_text("陈静")
    expect(page.raw.locator("main svg").first).to_be_visible()

    # The team's review packs: prepared in the background, then one zip to download.
    # Without Redis the packs are made while the request waits: one PDF per team member.
    page.click(page.raw.get_by_role("button", name="Review packs of this team (zip)"),
               timeout=240_000)
    expect(page.heading()).to_contain_text("Review packs")
    expect(page.raw.locator("#batch-status")).to_have_text("Done", timeout=120_000)
    packs = zipfile.ZipFile(io.BytesIO(download(page, "Download the zip"))).namelist()
    assert any(name.startswith("E0102") for name in packs)
    assert packs and all(people[name.split("-")[0].removesuffix(".pdf")][1] == HOTLINE
                         for name in packs)


def test_a_manager_sees_only_their_line_everywhere(page, app, demo):
    people, teams = _org(app)
    chat_agent_id = people["E0109"][0]
    with app.app_context():
        manager = db.session.scalar(select(Person).where(Person.employee_id == "E0011"))
        _token, plaintext = create_token(
            db.session, None, name="Manager's HR sync", person=manager,
            scopes=("people:read", "certifications:read", "profiles:read"))
        db.session.commit()
        db.session.remove()
    login_as(page, "manager")                        # 王芳, Hotline — Shanghai
    follow_nav_link(page, "/reports/")
    table = page.raw.locator("table.dash-table")
    expect(table).to_contain_text("E0102")
    expect(table).not_to_contain_text("E0109")
    options = page.raw.locator('select[name="team"] option').all_inner_texts()
    assert HOTLINE in options and CHAT not in options

    # Another team's id in the filters, the exports, the evidence page or the review pack.
    request = page.raw.request
    base = page.base_url
    for path, status in (
            (f"/reports/?team={teams[CHAT]}", 400),
            (f"/reports/export.csv?team={teams[CHAT]}", 400),
            (f"/reports/export.xlsx?team={teams[CHAT]}", 400),
            (f"/reports/heatmap?team={teams[CHAT]}", 404),
            (f"/reports/people/{chat_agent_id}/evidence", 404),
            (f"/reports/people/{chat_agent_id}/review-pack.pdf", 404)):
        assert request.get(base + path).status == status, path
    token = page.raw.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert request.post(f"{base}/reports/teams/{teams[CHAT]}/review-packs",
                        form={"csrf_token": token}).status == 404
    rows = _csv_rows(request.get(base + "/reports/export.csv").body())
    assert "E0109" not in {row["employee_id"] for row in rows}

    # The read API, with a token that reads as the manager.
    auth = {"Authorization": f"Bearer {plaintext}"}
    listed = request.get(base + "/api/v1/people?limit=200", headers=auth).json()
    assert "E0109" not in {p["employee_id"] for p in listed["data"]}
    assert "E0102" in {p["employee_id"] for p in listed["data"]}
    for path in ("/api/v1/people/E0109", "/api/v1/people/E0109/certifications",
                 "/api/v1/people/E0109/profile"):
        assert request.get(base + path, headers=auth).status == 404, path
