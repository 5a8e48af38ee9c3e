"""CSV and XLSX exports and the export-certifications command: scope, columns, types,
formula injection, filters stated."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
from sqlalchemy import select, true

from classroom.services.hours import hours_for
from lms.core import clock
from lms.demo import DEMO_PASSWORD
from lms.kpis.models import KpiValue
from lms.people.models import Person
from lms.people.policy import is_in_reporting_line
from reports.services import exports, figures
from reports.services.filters import ReportFilters

try:  # pandas is no dependency; where it is installed, it must read the CSV as it is
    import pandas
except ImportError:
    pandas = None

FIXED_COLUMNS = ["employee_id", "name", "email", "team", "manager_employee_id", "manager",
                 "tier", "hire_date", "active"]


def _login(auth, person):
    auth.login(person, password=DEMO_PASSWORD)


def _csv(text: str):
    """(header, rows as dicts) of a CSV export, whose first row is its header (after the
    UTF-8 byte-order mark)."""
    assert text.startswith("\ufeffemployee_id,")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    header = lines[0]
    return header, [dict(zip(header, row, strict=True)) for row in lines[1:]]


def _stamp(as_of: str) -> datetime:
    return datetime.strptime(as_of, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _file_name(response) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.endswith('"')
    return disposition[len('attachment; filename="'):-1]


def _xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def _download(client, url: str, **kwargs):
    """The XLSX download's bytes, the response closed (which deletes the temporary file)."""
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    data = response.data
    response.close()
    return data


def _sheet_ids(book) -> set[str]:
    sheet = book["Certification status"]
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}


def test_hr_exports_everyone_with_stable_columns_and_types(client, auth, demo_org, db):
    _login(auth, demo_org["E0002"])
    active = {p.employee_id for p in demo_org.values() if p.active}
    response = client.get("/reports/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    # No filters: the as-of time alone names the file (UTC, to the second).
    name = re.fullmatch(r"certification-status-(\d{8}T\d{6}Z)\.csv", _file_name(response))
    assert name and abs(clock.now() - _stamp(name.group(1))) < timedelta(minutes=1)
    data = response.data
    # Machine-readable as it is: the csv module reads the first row as the header (and pandas
    # with its defaults, where it is installed).
    reader = csv.DictReader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig"))
    assert reader.fieldnames[:9] == FIXED_COLUMNS
    assert "E0102" in {row["employee_id"] for row in reader}
    if pandas is not None:
        frame = pandas.read_csv(io.BytesIO(data))
        assert list(frame.columns[:9]) == FIXED_COLUMNS
    header, rows = _csv(response.get_data(as_text=True))
    assert header[:9] == FIXED_COLUMNS
    for column in ("NEWHIRE_status", "NEWHIRE_percent", "NEWHIRE_missing", "NEWHIRE_issued_on",
                   "NEWHIRE_expires_on", "NEWHIRE_composite", "NEWHIRE_EXAM",
                   "COMM-LISTEN_level", "COMM-LISTEN_required", "review360_score",
                   "review360_cycle", "overdue_courses"):
        assert column in header
    year = clock.today().year
    kpis = figures.kpi_columns(db.session, clock.today())
    assert len(kpis) >= 3 and len({k.kpi_id for k in kpis}) * 3 == len(kpis)
    tail = ["review360_score", "review360_cycle", "overdue_courses", f"training_hours_{year}",
            *[f"kpi_{k.column}" for k in kpis]]
    assert header[-len(tail):] == tail
    # Each person's KPIs of the last three periods and hours this year, as the KPI values
    # and the classroom's count have them.
    values = {(p, k, s): v for p, k, s, v in db.session.execute(
        select(KpiValue.person_id, KpiValue.kpi_id, KpiValue.period_start, KpiValue.value))}
    people = {p.employee_id: p for p in db.session.scalars(select(Person))}
    hours = hours_for(db.session, list(people.values()), year)
    assert any(r[f"kpi_{kpis[-1].column}"] for r in rows)
    for r in rows:
        person = people[r["employee_id"]]
        for k in kpis:
            held = values.get((person.id, k.kpi_id, k.start))
            assert r[f"kpi_{k.column}"] == ("" if held is None else format(
                held.normalize(), "f")), (r["employee_id"], k)
        assert Decimal(r[f"training_hours_{year}"]) == hours[person.id].hours()
    assert {r["employee_id"] for r in rows} == active
    certified = next(r for r in rows if r["employee_id"] == "E0102")
    assert certified["NEWHIRE_status"] == "certified" and certified["tier"] == "NEWHIRE"
    assert date.fromisoformat(certified["NEWHIRE_expires_on"]) > clock.today()
    assert float(certified["NEWHIRE_EXAM"]) > 0         # component scores, exact
    assert certified["NEWHIRE_composite"] == ""         # the demo's new-hire path has none
    statuses = {r["NEWHIRE_status"] for r in rows}
    assert statuses <= {"not_started", "in_progress", "pending_approval", "certified",
                        "expiring", "expired", "revoked"}
    # 360 anonymity: the weighted score only; nothing per rater group or rater.
    assert not [c for c in header if "rater" in c or "group" in c]

    response = client.get("/reports/export.xlsx")
    assert response.status_code == 200
    assert re.fullmatch(r"certification-status-\d{8}T\d{6}Z\.xlsx", _file_name(response))
    book = _xlsx(response.data)
    response.close()
    assert book.sheetnames == ["Certification status", "Competency matrix", "About"]
    sheet = book["Certification status"]
    names = [c.value for c in sheet[1]]
    assert names == header
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    assert _sheet_ids(book) == active
    by_id = {row[0]: dict(zip(names, row, strict=True))
             for row in sheet.iter_rows(min_row=2, values_only=True)}
    held = by_id["E0102"]
    assert isinstance(held["hire_date"], datetime)
    assert isinstance(held["NEWHIRE_expires_on"], datetime)
    assert isinstance(held["NEWHIRE_percent"], int | float)
    assert isinstance(held["NEWHIRE_EXAM"], int | float)
    assert isinstance(held["NEWHIRE_PRACTICAL"], int | float)
    assert held["active"] is True and held["NEWHIRE_status"] == "certified"
    matrix = book["Competency matrix"]
    assert [c.value for c in matrix[1]][:2] == ["competency", "name"]
    assert "NEWHIRE" in [c.value for c in matrix[1]]
    assert any(isinstance(v, int | float) for row in matrix.iter_rows(min_row=2, values_only=True)
               for v in row[2:])
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["filters"] == "none" and about["people"] == len(active)
    assert "as_of" in (book.properties.description or "")


def test_manager_and_mentor_export_only_their_people(client, auth, demo_org):
    manager = demo_org["E0011"]
    _login(auth, manager)
    _, rows = _csv(client.get("/reports/export.csv").get_data(as_text=True))
    ids = {r["employee_id"] for r in rows}
    assert "E0101" in ids and "E0109" not in ids
    assert all(e == "E0011" or is_in_reporting_line(demo_org[e], manager) for e in ids)
    xlsx_ids = _sheet_ids(_xlsx(_download(client, "/reports/export.xlsx")))
    assert xlsx_ids == ids
    # Filtered: the filters are in the file's name (ASCII), and in the XLSX's About sheet in
    # the request's language.
    hotline = demo_org["E0101"].team_id
    query = {"team": hotline, "status": "in_progress"}
    response = client.get("/reports/export.csv", query_string=query)
    assert _file_name(response).endswith("Z_team-Hotline-Shanghai_status-in_progress.csv")
    _, rows = _csv(response.get_data(as_text=True))
    assert rows and all(r["team"].startswith("Hotline") for r in rows)
    response = client.get("/reports/export.xlsx", query_string=query)
    assert _file_name(response).endswith("Z_team-Hotline-Shanghai_status-in_progress.xlsx")
    about = {row[0]: row[1] for row in _xlsx(response.data)["About"].iter_rows(
        values_only=True)}
    response.close()
    assert about["filters"].startswith("Team: Hotline")
    assert "Status: In training" in about["filters"]
    auth.logout()
    mentor = demo_org["E0021"]
    _login(auth, mentor)
    mentees = {"E0021"} | {p.employee_id for p in demo_org.values()
                           if p.mentor_id == mentor.id and p.active}
    _, rows = _csv(client.get("/reports/export.csv").get_data(as_text=True))
    assert {r["employee_id"] for r in rows} == mentees
    assert _sheet_ids(_xlsx(_download(client, "/reports/export.xlsx"))) == mentees


def test_formula_injection_is_neutralised(client, auth, make_person, make_team):
    team = make_team("@Team")
    make_person(name='=HYPERLINK("http://x")', employee_id="X0001", team_id=team.id)
    make_person(name="+1-2", employee_id="X0002")
    make_person(name="-3", employee_id="X0003", email="minus@example.com")
    make_person(name="@SUM(A1)", employee_id="X0004")
    _login(auth, make_person(roles=("hr",), password=DEMO_PASSWORD, name="HR Person"))
    text = client.get("/reports/export.csv").get_data(as_text=True)
    _, rows = _csv(text)
    names = {r["employee_id"]: r["name"] for r in rows}
    assert names["X0001"] == "'=HYPERLINK(\"http://x\")"
    assert names["X0002"] == "'+1-2" and names["X0003"] == "'-3"
    assert names["X0004"] == "'@SUM(A1)"
    assert next(r for r in rows if r["employee_id"] == "X0001")["team"] == "'@Team"
    book = _xlsx(_download(client, "/reports/export.xlsx"))
    sheet = book["Certification status"]
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    assert cells["X0001"].data_type == "s"
    assert cells["X0001"].value == "'=HYPERLINK(\"http://x\")"
    assert cells["X0002"].value == "'+1-2" and cells["X0002"].data_type == "s"
    # Team filter descriptions are text cells too; the file name keeps letters and digits.
    response = client.get("/reports/export.xlsx", query_string={"team": team.id})
    assert _file_name(response).endswith("Z_team-Team.xlsx")
    about = {row[0]: row[1] for row in _xlsx(response.data)["About"].iter_rows(
        values_only=True)}
    response.close()
    assert about["filters"] == "Team: @Team"   # not at the start of the cell: harmless


def test_team_names_follow_the_readers_language(client, auth, db, make_person, make_team):
    """A team with a Chinese name is exported under it to a Chinese reader, in CSV and XLSX;
    a team without one keeps its stored name; English readers get the stored names."""
    online, hotline = make_team("Online Chat"), make_team("Hotline")
    online.set_translation("zh_Hans_CN", "name", "在线客服")
    db.session.commit()
    make_person(employee_id="T0001", team_id=online.id)
    make_person(employee_id="T0002", team_id=hotline.id)
    hr = make_person(roles=("hr",), password=DEMO_PASSWORD, locale="zh_Hans_CN")
    _login(auth, hr)

    def teams(rows):
        return {r["employee_id"]: r["team"] for r in rows if r["employee_id"] in ("T0001",
                                                                                 "T0002")}

    _, rows = _csv(client.get("/reports/export.csv").get_data(as_text=True))
    assert teams(rows) == {"T0001": "在线客服", "T0002": "Hotline"}
    sheet = _xlsx(_download(client, "/reports/export.xlsx"))["Certification status"]
    header = [c.value for c in sheet[1]]
    cells = [dict(zip(header, row, strict=True))
             for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert teams(cells) == {"T0001": "在线客服", "T0002": "Hotline"}
    hr.locale = "en"
    db.session.commit()
    _, rows = _csv(client.get("/reports/export.csv").get_data(as_text=True))
    assert teams(rows) == {"T0001": "Online Chat", "T0002": "Hotline"}


def test_csv_streams_everyone_in_one_statement_batch_by_batch(db, make_person, monkeypatch,
                                                               count_queries):
    for n in range(7):
        make_person(name=f"Batch {n}", employee_id=f"Q{n:04d}")
    monkeypatch.setattr(exports, "EXPORT_BATCH", 3)
    lines = exports.csv_lines(db.session, true(), ReportFilters(), clock.now())
    assert next(lines).startswith("\ufeffemployee_id,")
    with count_queries() as counted:
        rest = list(lines)                      # a block of lines per batch
    assert len(rest) == 3 and "".join(rest).count("\r\n") == 7
    # Levels, 360 scores, overdue courses, KPIs and hours are joined in: no query per batch.
    assert counted.count == 1


def test_cli_exports_with_filters_and_refuses_bad_options(runner, demo_org, tmp_path,
                                                          monkeypatch):
    target = tmp_path / "out.csv"
    result = runner.invoke(args=["export-certifications", "--format", "csv", "-o", str(target),
                                 "--as", "E0011", "--status", "in_progress"])
    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert raw.startswith("\ufeffemployee_id,".encode())  # the BOM: Excel reads 陈静 as such
    _, rows = _csv(raw.decode("utf-8"))
    manager = demo_org["E0011"]
    assert rows and all(r["employee_id"] == "E0011" or is_in_reporting_line(
        demo_org[r["employee_id"]], manager) for r in rows)
    assert f"Exported {len(rows)} people" in result.output
    # Into a folder, or the current one: under a name carrying the as-of time and filters.
    folder = tmp_path / "exports"
    folder.mkdir()
    result = runner.invoke(args=["export-certifications", "--format", "csv", "-o", str(folder),
                                 "--tier", "newhire", "--status", "certified"])
    assert result.exit_code == 0, result.output
    [written] = folder.iterdir()
    assert re.fullmatch(r"certification-status-\d{8}T\d{6}Z_tier-NEWHIRE_status-certified\.csv",
                        written.name)
    assert "E0102" in {r["employee_id"] for r in _csv(written.read_text(encoding="utf-8"))[1]}
    monkeypatch.chdir(folder)
    result = runner.invoke(args=["export-certifications", "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    assert len(list(folder.glob("certification-status-*Z.xlsx"))) == 1
    workbook = tmp_path / "out.xlsx"
    result = runner.invoke(args=["export-certifications", "--format", "xlsx", "-o",
                                 str(workbook), "--team", "Hotline — Shanghai", "--tier",
                                 "newhire", "--include-inactive"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(workbook)
    ids = _sheet_ids(book)
    assert ids and all(demo_org[e].team.name == "Hotline — Shanghai" for e in ids)
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert "Hotline" in about["filters"] and "New hire" in about["filters"]
    bad = [
        ["--status", "sacked"], ["--hired-from", "yesterday"], ["--team", "Nowhere"],
        ["--manager", "E9999"], ["--tier", "NOPE"], ["--expiring-within", "-1"],
        ["--as", "E0101"],                                     # an agent may not read reports
        ["--as", "E0011", "--team", "Online Chat"],            # not in 王芳's line
        ["--hired-from", "2026-05-01", "--hired-to", "2026-01-01"],
    ]
    for options in bad:
        missing = tmp_path / "never.csv"
        result = runner.invoke(args=["export-certifications", "--format", "csv", "-o",
                                     str(missing), *options])
        assert result.exit_code != 0, options
        assert "Error" in result.output, options
        assert not missing.exists() and not (tmp_path / "never.csv.part").exists()
