"""Certification status exports (CSV and XLSX) for performance reviews: no HTTP here.

The CSV starts with its header row (after the UTF-8 byte-order mark), so any CSV reader takes
it as it is; the as-of time and the filters go in the file's name (`file_name`) and in the
XLSX's About sheet. Both read the dashboard's people in its order as one streamed statement
over the stored tables (`rows.stream_export`): every path's standing computed by the
database, and the stored levels, latest 360 score, overdue courses, KPIs of the last three
periods and training hours of the year joined in as per-person subqueries the database
aggregates (`rows.levels_table`, `figures`). Memory stays bounded by one batch of rows, no
person costs a query, and no object is made per cell. The XLSX is written by
`reports.services.xlsx_stream` (sheet XML streamed into the zip). The columns are stable
machine names, documented in docs/hr-reports.md ("Exports"); only the free-text values
(names, team names, what is missing, the filters) follow the reader's language.

Every text cell that a spreadsheet could read as a formula (starting with = + - @, a tab or a
carriage return) gets a leading apostrophe, in CSV and XLSX alike.
"""

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import chain

from flask_babel import gettext as _

from assessments.review360.services.results import latest_score_per_person
from certificates.services.missing import describe_all
from classroom.services.hours import hours_of
from courses.services.progress import overdue_per_person
from lms.competencies.services.matrix import matrix
from lms.core.spreadsheet import safe_cell
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from lms.people.names import team_names_by_stored_name
from reports.services import figures, xlsx_stream
from reports.services import rows as report_rows
from reports.services.filters import ReportFilters

BOM = "\ufeff"  # the UTF-8 byte-order mark: Excel then reads the CSV as UTF-8
# Rows per batch fetched from the export statement (and per block of CSV lines).
EXPORT_BATCH = 1000
# Columns 1 and 2 (employee ID, name) stay in view when an XLSX sheet scrolls sideways.
_FROZEN_COLUMNS = 2


@dataclass(frozen=True)
class Column:
    name: str
    kind: str          # "text", "int", "decimal", "date", "bool"


class _Layout:
    """The export's columns for the active paths, competencies and KPIs, the per-person
    SELECTs joined to the export statement, and one person's values."""

    def __init__(self, session, today: date):
        self.paths: list[CertificationPath] = report_rows.paths(session)
        self.path_ids = [p.id for p in self.paths]
        self.slots = {p.id: [s.code for s in p.slots] for p in self.paths}
        self.competencies = report_rows.competencies(session)
        self.competency_ids = [c.id for c in self.competencies]
        self.no_levels = (None,) * len(self.competency_ids)
        # Per tier, the required level of each competency in column order.
        self.required = {tier_id: tuple(needs.get(cid) for cid in self.competency_ids)
                         for tier_id, needs in report_rows.required_levels(session).items()}
        self.tier_codes = {p.id: safe_cell(p.code) for p in self.paths}
        # The row carries the team's stored name; the reader's is looked up, made safe once.
        self.teams = {stored: safe_cell(said)
                      for stored, said in team_names_by_stored_name(session).items()}
        self.kpis = figures.kpi_columns(session, today)
        self.year = today.year
        # Joined in this order; `values` reads their columns from the row's tail.
        self.joined = [report_rows.levels_table(self.competency_ids),
                       latest_score_per_person(), overdue_per_person(today),
                       figures.training_minutes(today)]
        if self.kpis:
            self.joined.append(figures.kpi_table(self.kpis))
        self.columns = self._columns()
        # Many people miss the same things and share scores: each distinct JSON text is
        # decoded (and worded, in the reader's language) once per export; likewise hours.
        self._missing: dict[str | None, str | None] = {None: None}
        self._components: dict[tuple[int, str | None], list] = {}
        self._hours: dict[int | None, Decimal] = {}

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
                 Column("overdue_courses", "int"),
                 Column(f"training_hours_{self.year}", "decimal")]
        cols += [Column(f"kpi_{k.column}", "decimal") for k in self.kpis]
        return cols

    def missing(self, raw: str | None) -> str | None:
        if raw not in self._missing:
            said = "; ".join(describe_all(json.loads(raw)))
            self._missing[raw] = safe_cell(said) if said else None
        return self._missing[raw]

    def components(self, path_id: int, raw: str | None) -> list:
        key = (path_id, raw)
        if key not in self._components:
            scores = json.loads(raw) if raw else {}
            self._components[key] = [_decimal(scores.get(slot)) for slot in self.slots[path_id]]
        return self._components[key]

    def hours(self, minutes: int | None) -> Decimal:
        if minutes not in self._hours:
            self._hours[minutes] = hours_of(int(minutes or 0))
        return self._hours[minutes]

    def values(self, row) -> list:
        """The person's cells in column order (None for empty), typed and formula-safe, from
        a `rows.stream_export` row (a standing's dates may be ISO text: SQLite gives them
        so)."""
        tier_id = row[7]
        out = [safe_cell(row[1]), safe_cell(row[2]), safe_cell(row[3]),
               self.teams.get(row[4]) or safe_cell(row[4]), safe_cell(row[5]),
               safe_cell(row[6]), self.tier_codes.get(tier_id), row[8], bool(row[9])]
        at = len(report_rows.EXPORT_PERSON)
        for path_id in self.path_ids:
            status, percent, missing, issued, expires, composite, components = \
                row[at:at + _STANDING]
            at += _STANDING
            # Dates as the database gives them (ISO text on SQLite, which the CSV writes
            # as is); the composite is a Decimal already (a Numeric column).
            out += [status, percent, self.missing(missing), issued, expires, composite]
            out += self.components(path_id, components)
        levels = len(self.competency_ids)
        out += chain.from_iterable(zip(row[at:at + levels],
                                       self.required.get(tier_id, self.no_levels), strict=True))
        at += levels
        # The latest 360: the stored weighted score only.
        score, cycle, overdue, minutes = row[at:at + 4]
        out += [score, safe_cell(cycle), overdue or 0, self.hours(minutes)]
        out += row[at + 4:]
        return out


_STANDING = len(report_rows.STANDING_COLUMNS)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _batches(session, scope, filters: ReportFilters, as_of: datetime,
             layout: _Layout) -> Iterator[list[list]]:
    """Everyone in the report, one batch of typed rows at a time (`_Layout.values`), from
    one streamed statement."""
    for batch in report_rows.stream_export(session, scope, filters, layout.path_ids,
                                           joined=layout.joined, today=as_of.date(),
                                           size=EXPORT_BATCH):
        yield [layout.values(row) for row in batch]


def describe_filters(session, filters: ReportFilters) -> str:
    """The filters in use as one line ("Team: Hotline; Tier: New hire"), or "none"."""
    said = filters.describe(session)
    return "; ".join(f"{label}: {value}" for label, value in said) if said else "none"


def _csv_decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _csv_batches(session, scope, filters: ReportFilters, as_of: datetime
                 ) -> Iterator[tuple[str, int]]:
    """(text, people in it): the header row (after the byte-order mark), then one block of
    lines per batch. Cells the csv module writes as they should be (text, whole numbers,
    dates, None as empty) pass as they are; decimals are written exactly, booleans as
    true/false."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def text() -> str:
        said = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return said

    layout = _Layout(session, as_of.date())
    writer.writerow([c.name for c in layout.columns])
    yield BOM + text(), 0
    decimals = [i for i, c in enumerate(layout.columns) if c.kind == "decimal"]
    flags = [i for i, c in enumerate(layout.columns) if c.kind == "bool"]
    for rows in _batches(session, scope, filters, as_of, layout):
        for values in rows:
            for i in decimals:
                if values[i] is not None:
                    values[i] = _csv_decimal(values[i])
            for i in flags:
                values[i] = "true" if values[i] else "false"
        writer.writerows(rows)
        yield text(), len(rows)


def csv_lines(session, scope, filters: ReportFilters, as_of: datetime) -> Iterator[str]:
    """The CSV export as text: the header row first (after the UTF-8 byte-order mark, so
    Excel reads names in any script; pandas and csv readers with utf-8-sig skip it), then
    the people's rows, a batch of lines at a time; people `scope` does not select never
    appear. The as-of time and the filters are in the file's name (`file_name`), not in the
    file."""
    for said, _count in _csv_batches(session, scope, filters, as_of):
        yield said


def write_csv(session, scope, filters: ReportFilters, as_of: datetime, out) -> int:
    """Write the CSV export (`csv_lines`) to the text file `out`; the number of people."""
    people = 0
    for said, count in _csv_batches(session, scope, filters, as_of):
        out.write(said)
        people += count
    return people


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


_SHEET_KINDS = {"text": xlsx_stream.TEXT, "int": xlsx_stream.NUMBER,
                "decimal": xlsx_stream.NUMBER, "bool": xlsx_stream.BOOL,
                "date": xlsx_stream.DATE}


def write_xlsx(session, scope, filters: ReportFilters, as_of: datetime, target) -> int:
    """Write the XLSX export to `target` (a path or a binary file) row by row in constant
    memory (`reports.services.xlsx_stream`): "Certification status", "Competency matrix" and
    "About" sheets. Returns the number of people written."""
    described = describe_filters(session, filters)
    workbook = xlsx_stream.Workbook(
        target, title="Certification status", subject="Certification status export",
        description=f"as_of: {as_of.isoformat(timespec='seconds')}; filters: {described}")
    layout = _Layout(session, as_of.date())
    columns = layout.columns
    status = workbook.sheet(
        "Certification status", [_SHEET_KINDS[c.kind] for c in columns],
        [max(12 if c.kind != "text" else 18, len(c.name) + 2) for c in columns],
        freeze=(1, _FROZEN_COLUMNS), autofilter=True)
    status.header([c.name for c in columns])
    # Raw values: numbers show as Excel's General format does; decimals are written
    # exactly; dates (ISO text on SQLite) as serial days with a date format.
    for rows in _batches(session, scope, filters, as_of, layout):
        status.append(rows)
    status.close()
    written = status.rows - 1

    _write_matrix(session, workbook)
    about = workbook.sheet("About", [xlsx_stream.TEXT, xlsx_stream.TEXT], [14, 60])
    about.append([["as_of", as_of.isoformat(timespec="seconds")],
                  ["filters", safe_cell(described)]])
    about.append([["people", written]], kinds=[xlsx_stream.TEXT, xlsx_stream.NUMBER])
    about.append([["columns", _("Described in the HR reports guide (Exports).")]])
    about.close()
    workbook.close()
    return written


def _write_matrix(session, workbook: xlsx_stream.Workbook) -> None:
    """Competencies (rows) × active paths (columns): the required level in each cell."""
    paths, required = matrix(session)
    kinds = [xlsx_stream.TEXT, xlsx_stream.TEXT] + [xlsx_stream.NUMBER] * len(paths)
    sheet = workbook.sheet("Competency matrix", kinds, [16, 30] + [12] * len(paths),
                           freeze=(1, 2))
    sheet.header(["competency", "name"] + [p.code for p in paths])
    sheet.append([safe_cell(c.code), safe_cell(c.tr("name")),
                  *(required.get((c.id, p.id)) for p in paths)]
                 for c in report_rows.competencies(session))
    sheet.close()
