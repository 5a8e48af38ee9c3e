"""Certification status exports (CSV and XLSX) for performance reviews: no HTTP here.

The CSV starts with its header row (after the UTF-8 byte-order mark), so any CSV reader takes
it as it is; the as-of time and the filters go in the file's name (`file_name`) and in the
XLSX's About sheet. Both read the same rows as the dashboard (`rows.report_people`, then
`rows.details` batch by batch), so memory stays bounded by one batch of details plus the
light per-person rows. The columns are stable machine names, documented in
docs/hr-reports.md ("Exports"); only the free-text values (names, what is missing, the
filters) follow the reader's language.

Every text cell that a spreadsheet could read as a formula (starting with = + - @, a tab or a
carriage return) gets a leading apostrophe, in CSV and XLSX alike.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import xlsxwriter
from flask_babel import gettext as _

from lms.competencies.services.matrix import matrix
from lms.core.spreadsheet import safe_cell
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from reports.services import rows as report_rows
from reports.services.filters import ReportFilters

BOM = "\ufeff"  # the UTF-8 byte-order mark: Excel then reads the CSV as UTF-8
# People per details read: IN lists stay well under the databases' limits.
EXPORT_BATCH = 1000
# Columns 1 and 2 (employee ID, name) stay in view when an XLSX sheet scrolls sideways.
_FROZEN_COLUMNS = 2


@dataclass(frozen=True)
class Column:
    name: str
    kind: str          # "text", "int", "decimal", "date", "bool"


def _exact(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)


class _Layout:
    """The export's columns for the active paths and competencies, and one person's values."""

    def __init__(self, session):
        self.paths: list[CertificationPath] = report_rows.paths(session)
        self.slots = {p.id: [s.code for s in p.slots] for p in self.paths}
        self.competencies = report_rows.competencies(session)
        self.competency_ids = [c.id for c in self.competencies]
        self.required = report_rows.required_levels(session)
        self.tier_codes = {p.id: p.code for p in self.paths}
        self.columns = self._columns()

    def _columns(self) -> list[Column]:
        cols = [Column("employee_id", "text"), Column("name", "text"), Column("email", "text"),
                Column("team", "text"), Column("manager_employee_id", "text"),
                Column("manager", "text"), Column("tier", "text"), Column("hire_date", "date"),
                Column("active", "bool")]
        for path in self.paths:
            code = path.code
            cols += [Column(f"{code}_status", "text"), Column(f"{code}_percent", "int"),
                     Column(f"{code}_missing", "text"), Column(f"{code}_issued_on", "date"),
                     Column(f"{code}_expires_on", "date"),
                     Column(f"{code}_composite", "decimal")]
            cols += [Column(f"{code}_{slot}", "decimal") for slot in self.slots[path.id]]
        for competency in self.competencies:
            cols += [Column(f"{competency.code}_level", "int"),
                     Column(f"{competency.code}_required", "int")]
        cols += [Column("review360_score", "decimal"), Column("review360_cycle", "text"),
                 Column("overdue_courses", "int")]
        return cols

    def values(self, row: report_rows.PersonRow, detail: report_rows.ExportDetail) -> list:
        """The person's cells in column order (None for empty), typed, not yet neutralised."""
        tier = self.tier_codes.get(row.tier_id) if row.tier_id is not None else None
        out = [row.employee_id, row.name, row.email, row.team, row.manager_employee_id,
               row.manager, tier, row.hire_date, row.active]
        for path in self.paths:
            standing = detail.standings.get(path.id)
            if standing is None:
                out += ["not_started", 0, None, None, None, None]
                out += [None] * len(self.slots[path.id])
                continue
            out += [standing.status, standing.percent, "; ".join(standing.missing) or None,
                    standing.issued_on, standing.expires_on, _exact(standing.composite)]
            out += [_exact(standing.components.get(slot)) for slot in self.slots[path.id]]
        levels, needs = detail.levels, self.required.get(row.tier_id, {})
        for cid in self.competency_ids:
            out += [levels.get(cid), needs.get(cid)]
        review = detail.review360  # the stored weighted score only: no groups, no raters
        out += [_exact(review.score) if review else None,
                review.cycle_title if review else None, detail.overdue]
        return out


def _people(session, scope, filters: ReportFilters, as_of: datetime):
    """(row, detail) for everyone in the report, details read one batch at a time (plain
    rows: one object per person, none per cell)."""
    for batch in report_rows.stream_people(session, scope, filters, today=as_of.date(),
                                           size=EXPORT_BATCH):
        held = report_rows.export_details(session, batch, today=as_of.date())
        for row in batch:
            yield row, held[row.id]


def describe_filters(session, filters: ReportFilters) -> str:
    """The filters in use as one line ("Team: Hotline; Tier: New hire"), or "none"."""
    said = filters.describe(session)
    return "; ".join(f"{label}: {value}" for label, value in said) if said else "none"


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(safe_cell(value)) if isinstance(value, str) else str(value)


# Per column kind, chosen once per export rather than by testing every cell's type.
_CSV_TEXT = {
    "text": lambda value: safe_cell(value) if isinstance(value, str) else _csv_text(value),
    "int": str,
    "decimal": _csv_text,
    "date": _csv_text,
    "bool": lambda value: "true" if value else "false",
}


def csv_lines(session, scope, filters: ReportFilters, as_of: datetime) -> Iterator[str]:
    """The CSV export line by line: the header row first (after the UTF-8 byte-order mark,
    so Excel reads names in any script; pandas and csv readers with utf-8-sig skip it), then
    one row per person; people `scope` does not select never appear. The as-of time and the
    filters are in the file's name (`file_name`), not in the file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values) -> str:
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    layout = _Layout(session)
    yield BOM + line([c.name for c in layout.columns])
    texts = [_CSV_TEXT[c.kind] for c in layout.columns]
    for row, detail in _people(session, scope, filters, as_of):
        yield line(["" if value is None else text(value)
                    for text, value in zip(texts, layout.values(row, detail), strict=True)])


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_]+", "-", ascii_text).strip("-")[:40]


def filter_slug(session, filters: ReportFilters) -> str:
    """The filters in use for a file name, ASCII only: "team-Hotline-Shanghai_status-
    in_progress" (a team or manager whose name has no ASCII letters by id or employee id);
    "" for none. The sort order changes no row, so it is left out."""
    parts = []
    if filters.team_id is not None:
        team = session.get(Team, filters.team_id)
        parts.append(f"team-{(_slug(team.name) if team else '') or filters.team_id}")
    if filters.manager_id is not None:
        manager = session.get(Person, filters.manager_id)
        said = _slug(manager.employee_id) if manager else ""
        parts.append(f"manager-{said or filters.manager_id}")
    for name, path_id in (("tier", filters.tier_id), ("path", filters.path_id)):
        if path_id is not None:
            path = session.get(CertificationPath, path_id)
            parts.append(f"{name}-{(_slug(path.code) if path else '') or path_id}")
    if filters.status is not None:
        parts.append(f"status-{filters.status}")
    if filters.hired_from is not None:
        parts.append(f"hired-from-{filters.hired_from.isoformat()}")
    if filters.hired_to is not None:
        parts.append(f"hired-to-{filters.hired_to.isoformat()}")
    if filters.expiring_within is not None:
        parts.append(f"expiring-within-{filters.expiring_within}")
    if filters.include_inactive:
        parts.append("with-inactive")
    return "_".join(parts)


def file_name(session, filters: ReportFilters, as_of: datetime, extension: str) -> str:
    """`certification-status-<as of, UTC>[_<filters>].<extension>`, e.g.
    "certification-status-20261205T031500Z_team-Hotline_status-certified.csv"."""
    stamp = as_of.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    said = filter_slug(session, filters)
    return f"certification-status-{stamp}{'_' + said if said else ''}.{extension}"


def write_xlsx(session, scope, filters: ReportFilters, as_of: datetime, target) -> int:
    """Write the XLSX export to `target` (a path or a binary file) row by row in constant
    memory: "Certification status", "Competency matrix" and "About" sheets. Returns the number
    of people written."""
    workbook = xlsxwriter.Workbook(target, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "remove_timezone": True,
    })
    described = describe_filters(session, filters)
    workbook.set_properties({
        "title": "Certification status", "subject": "Certification status export",
        "comments": f"as_of: {as_of.isoformat(timespec='seconds')}; filters: {described}",
    })
    header = workbook.add_format({"bold": True, "bg_color": "#E9EDF3", "bottom": 1})
    dated = workbook.add_format({"num_format": "yyyy-mm-dd"})
    decimal = workbook.add_format({"num_format": "0.0###"})
    status = workbook.add_worksheet("Certification status")
    sheet_matrix = workbook.add_worksheet("Competency matrix")
    about = workbook.add_worksheet("About")

    layout = _Layout(session)
    columns = layout.columns
    for index, column in enumerate(columns):
        width = 12 if column.kind != "text" else 18
        status.set_column(index, index, max(width, len(column.name) + 2),
                          dated if column.kind == "date" else None)
    status.write_row(0, 0, [c.name for c in columns], header)
    status.freeze_panes(1, _FROZEN_COLUMNS)
    written = 0
    for row, detail in _people(session, scope, filters, as_of):
        written += 1
        for col, (column, value) in enumerate(zip(columns, layout.values(row, detail),
                                                  strict=True)):
            _write_cell(status, written, col, column.kind, value, dated, decimal)
    status.autofilter(0, 0, max(written, 1), len(columns) - 1)

    _write_matrix(session, sheet_matrix, header)
    about.set_column(0, 0, 14)
    about.set_column(1, 1, 60)
    about.write_row(0, 0, ["as_of", as_of.isoformat(timespec="seconds")])
    about.write_row(1, 0, ["filters", safe_cell(described)])
    about.write_row(2, 0, ["people", written])
    about.write_row(3, 0, ["columns", _("Described in the HR reports guide (Exports).")])
    workbook.close()
    return written


def _write_cell(sheet, row: int, col: int, kind: str, value, dated, decimal) -> None:
    if value is None:
        return
    if kind == "date":
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), dated)
    elif kind == "decimal":
        sheet.write_number(row, col, float(value), decimal)
    elif kind == "int":
        sheet.write_number(row, col, value)
    elif kind == "bool":
        sheet.write_boolean(row, col, bool(value))
    else:
        sheet.write_string(row, col, safe_cell(str(value)))


def _write_matrix(session, sheet, header) -> None:
    """Competencies (rows) × active paths (columns): the required level in each cell."""
    paths, required = matrix(session)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 30)
    sheet.write_row(0, 0, ["competency", "name"] + [p.code for p in paths], header)
    sheet.freeze_panes(1, 2)
    for r, competency in enumerate(report_rows.competencies(session), start=1):
        sheet.write_string(r, 0, safe_cell(competency.code))
        sheet.write_string(r, 1, safe_cell(competency.tr("name")))
        for c, path in enumerate(paths, start=2):
            level = required.get((competency.id, path.id))
            if level is not None:
                sheet.write_number(r, c, level)
