"""Every CSV and XLSX the application writes, through its routes and its commands, with
spreadsheet formulas planted in the texts people type (names, teams, rubrics, certificate
name corrections, audit reasons): no cell may start with = + - @, a tab or a carriage return
unless it is neutralised behind an apostrophe (`lms.core.spreadsheet.safe_cell`).

The lists below name every export route and command. A new route or command whose URL or
name says "export", ".csv", ".xlsx", "download" or ".zip" fails the inventory test until it is
scanned here or listed as writing no spreadsheet."""

import csv
import io
import re
import zipfile

import openpyxl
import pytest
from sqlalchemy import select

from assessments.roleplay.models import Rubric
from assessments.roleplay.services import rubrics
from certificates.models import Certificate, CertificateBatch
from certificates.services import awards
from lms.core import audit
from lms.core.spreadsheet import FORMULA_TRIGGERS
from lms.demo import DEMO_PASSWORD
from lms.kpis.models import ImprovementPlan
from lms.people.models import Team

PAYLOADS = ('=HYPERLINK("http://x","y")', "+1+1", "@SUM(A1)", "-2+3", "=1+1\tx")

# Routes that write CSV or XLSX (scanned below), and those that write none.
SPREADSHEET_ROUTES = {
    "reports.export_csv", "reports.export_xlsx", "reports.audit_log_csv",
    "roleplay.author_rubric_export", "certificates.batch_download", "classroom.hours_export",
    "reports.group_figures_csv",
    "kpis.plan_report_csv",
}
NOT_SPREADSHEETS = {
    "quiz.bank_export": "GIFT or Aiken text for Moodle, not a spreadsheet",
    "reports.pack_job_download": "a zip of PDF review packs",
}
SPREADSHEET_COMMANDS = {"export-certifications", "export-rubric"}
NOT_SPREADSHEET_COMMANDS = {
    "export-gift": "GIFT text",
    "export-questions": "Moodle XML, GIFT or Aiken text",
    "export-course": "course.yaml and Markdown lessons",
}
EXPORT_PATTERN = re.compile(r"export|\.csv|\.xlsx|download|\.zip")


def test_the_inventory_names_every_export(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules()
              if EXPORT_PATTERN.search(rule.rule)}
    assert routes == SPREADSHEET_ROUTES | set(NOT_SPREADSHEETS)
    commands = {name for name in app.cli.commands if name.startswith("export")}
    assert commands == SPREADSHEET_COMMANDS | set(NOT_SPREADSHEET_COMMANDS)


# A plain number (a negative KPI value such as an NPS of -4.9) is read as that number by
# every spreadsheet, never as a formula.
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _unsafe(cells) -> list[str]:
    return [cell for cell in cells
            if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS)
            and not _NUMBER.fullmatch(cell)]


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _xlsx_cells(data: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book for row in sheet.iter_rows(values_only=True)
            for cell in row]


def _planted(cells) -> list[str]:
    """The cells that carry a payload (neutralised), to prove the scan saw them."""
    return [cell for cell in cells if isinstance(cell, str)
            and any(cell == "'" + p or cell.startswith("'" + p) for p in PAYLOADS)]


@pytest.fixture
def planted(db, demo_org):
    """The demo organisation with formulas in names, a team, a rubric, a corrected
    certificate holder name and an audit reason; one certificate alone in a team, for a
    small batch."""
    session = db.session
    hr = demo_org["E0002"]
    people = [p for p in demo_org.values() if p.active and p.employee_id.startswith("E01")]
    for person, payload in zip(people, PAYLOADS, strict=False):
        person.name = payload
    team = session.scalar(select(Team).order_by(Team.id))
    team.name = PAYLOADS[1]
    # The improvement-plan report lists teams with plans: put a planned person in this one.
    session.scalar(select(ImprovementPlan).order_by(ImprovementPlan.id)).person.team_id = team.id
    # The newest certificate: valid today (the demo's oldest have expired).
    certificate = session.scalar(select(Certificate).order_by(Certificate.id.desc()))
    awards.correct_name(session, hr, certificate, PAYLOADS[0], reason=PAYLOADS[2])
    alone = Team(name=PAYLOADS[3])
    session.add(alone)
    session.flush()
    certificate.person.team_id = alone.id
    rubric = session.scalar(select(Rubric).order_by(Rubric.id))
    criteria = [rubrics.CriterionData(
        title=PAYLOADS[0], description=PAYLOADS[1], levels=[
            rubrics.LevelData(PAYLOADS[2], rubrics.Decimal(0), PAYLOADS[3]),
            rubrics.LevelData("+2", rubrics.Decimal(2), PAYLOADS[4])])]
    version = rubrics.editable_version(session, hr, rubric)
    version.criteria = []
    session.flush()
    rubrics.save_criterion(session, hr, rubric, None, criteria[0])
    audit.record(hr, "people.update", certificate.person, reason=PAYLOADS[4])
    session.commit()
    return {"hr": hr, "admin": demo_org["E0001"], "rubric": rubric, "team": alone}


def test_every_export_route_neutralises_formulas(client, auth, db, planted):
    auth.login(planted["admin"], password=DEMO_PASSWORD)
    response = client.post("/certificates/batches", data={
        "action": "render", "team_id": str(planted["team"].id)})
    assert response.status_code == 302
    batch = db.session.scalar(select(CertificateBatch))
    assert batch.status == "done", batch.error
    urls = {
        "reports.export_csv": "/reports/export.csv",
        "reports.export_xlsx": "/reports/export.xlsx",
        "reports.audit_log_csv": "/reports/audit.csv",
        "roleplay.author_rubric_export":
            f"/roleplays/author/rubrics/{planted['rubric'].id}/export.csv",
        "certificates.batch_download": f"/certificates/batches/{batch.id}/download",
        "classroom.hours_export": "/classroom/hours/report.csv",
        "reports.group_figures_csv": "/reports/group-figures.csv",
        "kpis.plan_report_csv": "/plans/report.csv",
    }
    assert set(urls) == SPREADSHEET_ROUTES
    for endpoint, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        data = response.data
        response.close()
        if url.endswith(".xlsx"):
            cells = _xlsx_cells(data)
        elif endpoint == "certificates.batch_download":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                cells = _csv_cells(archive.read("manifest.csv").decode("utf-8"))
        else:
            cells = _csv_cells(data.decode("utf-8"))
        assert _unsafe(cells) == [], endpoint
        assert _planted(cells), endpoint


def test_every_export_command_neutralises_formulas(runner, planted, tmp_path):
    for kind in ("csv", "xlsx"):
        target = tmp_path / f"status.{kind}"
        result = runner.invoke(args=["export-certifications", "--format", kind,
                                     "-o", str(target)])
        assert result.exit_code == 0, result.output
        cells = (_xlsx_cells(target.read_bytes()) if kind == "xlsx"
                 else _csv_cells(target.read_text("utf-8")))
        assert _unsafe(cells) == [] and _planted(cells), kind
    result = runner.invoke(args=["export-rubric", str(planted["rubric"].id)])
    assert result.exit_code == 0, result.output
    cells = _csv_cells(result.output)
    assert _unsafe(cells) == [] and set(_planted(cells)) == {"'" + p for p in PAYLOADS}


def test_a_neutralised_rubric_imports_back_unchanged(db, planted):
    version = planted["rubric"].current
    exported = rubrics.export_csv(version)
    criteria, problems = rubrics.parse_csv(db.session, exported.encode("utf-8"))
    assert problems == []
    assert criteria[0].title == PAYLOADS[0] and criteria[0].description == PAYLOADS[1]
    assert [(lv.title, lv.descriptor) for lv in criteria[0].levels] == [
        (PAYLOADS[2], PAYLOADS[3]), ("+2", PAYLOADS[4])]
