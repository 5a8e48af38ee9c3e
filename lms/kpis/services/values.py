"""KPI values per person × KPI × period: checking rows (every problem, by line or index),
writing them all-or-nothing, and turning them into competency evidence.

Rows come from a CSV or XLSX file (`read_file`), the command `flask --app lms import-kpis`
or `POST /api/v1/kpis`; each is {employee_id, kpi, period, value}. The same checks apply to
all: an unknown or deactivated employee id, an unknown or deactivated KPI code, a period
that is malformed or has not begun, a value that is not a number or lies outside the KPI's
range, the same person × KPI × period twice, an oversized field.

Writing is idempotent per person × KPI × period: a value already stored unchanged is left
alone, a changed one replaced. A file import (`replace_periods`) also replaces the periods it
names: values of those KPI × periods for people absent from the file are removed, and when
anything already stored changes a reason is required (the import row and the audit log keep
who and why).

Evidence (source kind `kpi`, one result per person × period): for each competency the KPIs
of that period inform, the level is the mean of the levels the values reach on the KPIs'
thresholds, weighted by the KPIs' weights. It is written through
`lms.competencies.services.evidence.record_evidence_many`, so the stored levels follow.
"""

import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select, tuple_

from lms.competencies.services.evidence import Observation, lock_people, record_evidence_many
from lms.core import audit, clock
from lms.core.database import among, keep_statistics, upsert
from lms.core.errors import DomainError
from lms.core.uploads import UploadProblem, csv_records, read_text
from lms.kpis import periods
from lms.kpis.models import KpiCompetency, KpiDefinition, KpiImport, KpiValue
from lms.kpis.services import plans
from lms.kpis.signals import kpi_values_recorded
from lms.people.models import Person

COLUMNS = ("employee_id", "kpi", "period", "value")
EVIDENCE_KIND = "kpi"
FIELD_MAX = 100          # no id, code, period or number is longer
MAX_ROWS = 10_000        # per API call
_SLICE = 900             # keys per IN list (under SQLite's variable limit)
_PAIRS = 100             # KPI × period pairs named one by one in a read of stored values


@dataclass
class RowProblem:
    line: int            # the file's line (1 is the header), or the API batch's index
    message: str


@dataclass
class KpiRow:
    line: int
    person_id: int
    kpi_id: int
    period_start: date
    value: Decimal


@dataclass
class KpiPlan:
    """What an import would write, and every problem by line; `replaced` counts stored values
    the import would change or remove."""

    rows: list[KpiRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    replaced: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


# Reading files


def read_file(raw: bytes, file_name: str, max_bytes: int) -> list[tuple[int, dict]]:
    """The records of a KPI file as (line, {column: text}): CSV (UTF-8) or XLSX by its name.
    Refuses an oversized file, text that is not UTF-8 or not CSV, a field over the limit and
    missing or unknown columns, naming the line (UploadProblem)."""
    if file_name.lower().endswith(".xlsx"):
        return _read_xlsx(raw, max_bytes)
    text = read_text(raw, max_bytes)
    header, records = csv_records(text, max_field=FIELD_MAX * 10)
    _check_header(header)
    result = []
    for record in records:
        if None in record.values:
            result.append((record.line, {"__extra__": True}))
            continue
        values = {k: (v or "").strip() for k, v in record.values.items()}
        if any(values.values()):
            result.append((record.line, values))
    return result


def _check_header(header: Sequence[str]) -> None:
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise UploadProblem(1, _("Missing column(s): %(cols)s.", cols=", ".join(missing)))
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise UploadProblem(1, _("Unknown column(s): %(cols)s.", cols=", ".join(unknown)))


def _read_xlsx(raw: bytes, max_bytes: int) -> list[tuple[int, dict]]:
    import zipfile

    from openpyxl import load_workbook

    if len(raw) > max_bytes:
        raise UploadProblem(0, _("The file is larger than %(kb)d KB.", kb=max_bytes // 1024))
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise UploadProblem(0, _("This is not an XLSX workbook; save it as .xlsx or as UTF-8 "
                                 "CSV and try again.")) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip().lower() for h in next(rows, ())]
    while header and not header[-1]:
        header.pop()
    _check_header(header)
    result = []
    for line, cells in enumerate(rows, start=2):
        values = {}
        for name, cell in zip(header, cells, strict=False):
            if cell is None:
                text = ""
            elif isinstance(cell, float) and cell.is_integer():
                text = str(int(cell))
            else:
                text = str(cell).strip()
            values[name] = text
        extra = [c for c in cells[len(header):] if c not in (None, "")]
        if extra:
            result.append((line, {"__extra__": True}))
        elif any(values.values()):
            result.append((line, values))
    book.close()
    return result


def api_records(rows: list) -> list[tuple[int, dict]]:
    """The rows of an API call as (index, {column: text}); a row that is not an object, or
    names other fields, is marked so the check refuses it by its index."""
    records = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or set(row) - set(COLUMNS):
            records.append((index, {"__shape__": True}))
            continue
        records.append((index, {c: _text(row.get(c)) for c in COLUMNS}))
    return records


def _text(value) -> str:
    if value is None:
        return ""
    return value[:FIELD_MAX + 1] if isinstance(value, str) else str(value)[:FIELD_MAX + 1]


# Checking


def check_rows(session, records: Iterable[tuple[int, dict]],
               today: date | None = None) -> KpiPlan:
    """Check every record against the database and the rest of the batch; changes nothing.
    `records` are (line or index, {employee_id, kpi, period, value})."""
    today = today or clock.today()
    records = list(records)
    plan = KpiPlan()
    kpis = {k.code.upper(): k for k in session.scalars(select(KpiDefinition))}
    people = _people(session, {str(v.get("employee_id", "")).strip() for _n, v in records})
    seen: dict[tuple[int, int, date], int] = {}
    starts: dict[tuple[str, str], date | str] = {}   # (period kind, text) → start or problem
    numbers: dict[tuple[int, str], Decimal | None] = {}
    for line, values in records:
        problems = _row(values, kpis, people, today, starts, numbers)
        if problems is None:  # something is wrong: find every problem, with its message
            problems = _problems(values, kpis, people, today, starts)
        if isinstance(problems, KpiRow):
            row = problems
            row.line = line
            key = (row.person_id, row.kpi_id, row.period_start)
            if key in seen:
                plan.problems.append(RowProblem(line, _(
                    "The same employee, KPI and period are already on line %(line)d.",
                    line=seen[key])))
                continue
            seen[key] = line
            plan.rows.append(row)
        else:
            plan.problems.extend(RowProblem(line, message) for message in problems)
    if not plan.rows and not plan.problems:
        plan.problems.append(RowProblem(1, _("The file has no KPI values in it.")))
    return plan


def _people(session, employee_ids: set[str]) -> dict[str, tuple[int, bool]]:
    """{employee_id: (person id, active)} for those of `employee_ids` that exist."""
    found = {}
    ids = sorted(e for e in employee_ids if e and len(e) <= FIELD_MAX)
    for start in range(0, len(ids), _SLICE):
        for eid, pid, active in session.execute(
                select(Person.employee_id, Person.id, Person.active)
                .where(among(session, Person.employee_id, ids[start:start + _SLICE]))):
            found[eid] = (pid, active)
    return found


def _start(text: str, period: str, today: date, starts: dict) -> date | str:
    """The first day of the period `text` names, or why it cannot be used (remembered in
    `starts`: a batch names a handful of periods many times)."""
    key = (period, text)
    if key not in starts:
        try:
            start = periods.parse(text, period)
        except DomainError as error:
            starts[key] = error.message
        else:
            starts[key] = start if start <= periods.current(today, period) else _(
                "The period %(period)s has not begun yet.", period=text)
    return starts[key]


def _row(values: dict, kpis: dict, people: dict, today: date, starts: dict,
         numbers: dict) -> KpiRow | None:
    """The row a well-formed record makes, or None when anything is wrong with it (then
    `_problems` says what): the quick way through the tens of thousands of good rows of a
    push. `numbers` remembers each KPI's value texts already read."""
    try:
        employee_id, code = values["employee_id"].strip(), values["kpi"].strip()
        period, text = values["period"].strip(), values["value"].strip()
    except (KeyError, AttributeError):
        return None
    if not (employee_id and code and period and text) or FIELD_MAX < max(
            len(employee_id), len(code), len(period), len(text)):
        return None
    person = people.get(employee_id)
    kpi = kpis.get(code.upper())
    if person is None or not person[1] or kpi is None or not kpi.active:
        return None
    start = _start(period, kpi.period, today, starts)
    if isinstance(start, str):
        return None
    key = (kpi.id, text)
    if key not in numbers:
        numbers[key] = _number(text, kpi)
    value = numbers[key]
    return None if value is None else KpiRow(0, person[0], kpi.id, start, value)


def _number(text: str, kpi: KpiDefinition) -> Decimal | None:
    """The value `text` gives `kpi`, or None when `_problems` would refuse it."""
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if (not value.is_finite() or not kpi.min_value <= value <= kpi.max_value
            or value != value.quantize(Decimal("0.0001"), rounding=ROUND_DOWN)):
        return None
    return value


def _problems(values: dict, kpis: dict, people: dict, today: date,
              starts: dict) -> KpiRow | list[str]:
    """The row a record makes, or what is wrong with it (every problem)."""
    if values.get("__extra__"):
        return [_("This line has more fields than the header.")]
    if values.get("__shape__"):
        return [_("A row is an object with exactly employee_id, kpi, period and value.")]
    texts = {}
    problems = []
    for column in COLUMNS:
        raw = values.get(column)
        text = "" if raw is None else str(raw).strip()
        if len(text) > FIELD_MAX:
            problems.append(_("%(column)s is longer than %(max)d characters.", column=column,
                              max=FIELD_MAX))
            text = ""
        elif not text:
            problems.append(_("%(column)s is empty.", column=column))
        texts[column] = text
    person = people.get(texts["employee_id"]) if texts["employee_id"] else None
    if texts["employee_id"]:
        if person is None:
            problems.append(_("No one has the employee ID %(id)s.", id=texts["employee_id"]))
        elif not person[1]:
            problems.append(_("%(id)s is deactivated.", id=texts["employee_id"]))
    kpi = kpis.get(texts["kpi"].upper()) if texts["kpi"] else None
    if texts["kpi"]:
        if kpi is None:
            problems.append(_("There is no KPI with the code %(code)s.", code=texts["kpi"]))
        elif not kpi.active:
            problems.append(_("The KPI %(code)s is deactivated.", code=kpi.code))
    start = None
    if kpi is not None and texts["period"]:
        start = _start(texts["period"], kpi.period, today, starts)
        if isinstance(start, str):
            problems.append(start)
    value = None
    if texts["value"]:
        try:
            value = Decimal(texts["value"].replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            problems.append(_("%(value)s is not a number.", value=texts["value"]))
            value = None
        elif kpi is not None and not kpi.min_value <= value <= kpi.max_value:
            problems.append(_("%(value)s is outside the range of %(code)s (%(low)s to "
                              "%(high)s).", value=texts["value"], code=kpi.code,
                              low=_plain(kpi.min_value), high=_plain(kpi.max_value)))
        elif value != value.quantize(Decimal("0.0001"), rounding=ROUND_DOWN):
            problems.append(_("%(value)s has more than four decimal places.",
                              value=texts["value"]))
    if problems:
        return problems
    return KpiRow(0, person[0], kpi.id, start, value)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


# Writing


def import_values(session, actor, plan: KpiPlan, *, source: str, file_name: str = "",
                  reason: str = "", replace_periods: bool = False) -> KpiImport:
    """Write a checked plan, all or nothing: refuses a plan with problems, and a file import
    that changes stored values without a reason. Records the import (who, why, how many) in
    the import table and the audit log, writes the evidence of every person × period whose
    values changed, and announces the people concerned. Flushes; the caller commits."""
    if plan.problems:
        raise DomainError(_("Nothing was imported: %(num)d line(s) have problems.",
                            num=len(plan.problems)))
    if not plan.rows:
        raise DomainError(_("The file has no KPI values in it."))
    reason = (reason or "").strip()
    now = clock.now()
    stored = _stored(session, plan.rows)
    pairs = sorted({(r.kpi_id, r.period_start) for r in plan.rows})
    keys = {(r.person_id, r.kpi_id, r.period_start) for r in plan.rows}
    changed = [r for r in plan.rows
               if stored.get((r.person_id, r.kpi_id, r.period_start)) != r.value]
    replaced = sum(1 for r in changed if (r.person_id, r.kpi_id, r.period_start) in stored)
    dropped = []
    if replace_periods:
        dropped = [key for key in _period_keys(session, pairs) if key not in keys]
        replaced += len(dropped)
    if replaced and replace_periods and not reason:
        raise DomainError(_("%(num)d stored value(s) would be replaced: say why the period is "
                            "imported again.", num=replaced), field="reason")
    record = KpiImport(actor_id=actor.id if actor is not None else None, source=source,
                       file_name=file_name[:255], reason=reason, rows=len(plan.rows),
                       replaced=replaced, created_at=now)
    session.add(record)
    session.flush()
    table = KpiValue.__table__
    connection = session.connection()
    for start in range(0, len(dropped), _SLICE):
        part = dropped[start:start + _SLICE]
        connection.execute(delete(table).where(
            tuple_(table.c.person_id, table.c.kpi_id, table.c.period_start).in_(part)))
    for start in range(0, len(changed), 5000):
        upsert(connection, table, [
            {"person_id": r.person_id, "kpi_id": r.kpi_id, "period_start": r.period_start,
             "value": r.value, "import_id": record.id, "recorded_at": now}
            for r in changed[start:start + 5000]], ("person_id", "kpi_id", "period_start"))
    touched = {(p, start) for p, _k, start in dropped} | {
        (r.person_id, r.period_start) for r in changed}
    evidence = write_evidence(session, touched, written=(record.id, changed))
    # A push into a new database fills these tables from nothing (see keep_statistics).
    keep_statistics(session.connection(), {"kpi_value": len(changed) + len(dropped),
                                           "competency_evidence": evidence,
                                           "competency_level": evidence})
    latest: dict[int, date] = {}
    for r in changed:
        latest[r.kpi_id] = max(latest.get(r.kpi_id, r.period_start), r.period_start)
    plans.follow_kpis(session, latest, {r.person_id for r in changed})
    audit.record(actor, "kpi.import", record, reason=reason, source=source,
                 file_name=record.file_name, rows=record.rows, changed=len(changed),
                 replaced=replaced,
                 periods=sorted({s.isoformat() for _k, s in pairs})[:24])
    plan.replaced, plan.unchanged = replaced, len(plan.rows) - len(changed)
    session.flush()
    kpi_values_recorded.send(session, person_ids=sorted({p for p, _s in touched}))
    return record


def _stored(session, rows: list[KpiRow]) -> dict[tuple[int, int, date], Decimal]:
    """The stored values of the rows' person × KPI × period keys: one read per slice of
    people (through the person × KPI × period index) for every KPI × period at once."""
    table = KpiValue.__table__.c
    keys = {(r.person_id, r.kpi_id, r.period_start) for r in rows}
    pairs = sorted({(kpi_id, start) for _p, kpi_id, start in keys})
    if len(pairs) <= _PAIRS:
        which = tuple_(table.kpi_id, table.period_start).in_(pairs)
    else:  # a file of many periods: the KPIs and the span, the keys picked below
        which = and_(table.kpi_id.in_({kpi_id for kpi_id, _s in pairs}),
                     table.period_start.between(min(s for _k, s in pairs),
                                                max(s for _k, s in pairs)))
    people = sorted({p for p, _k, _s in keys})
    found = {}
    for first in range(0, len(people), _SLICE):
        for pid, kpi_id, start, value in session.execute(
                select(table.person_id, table.kpi_id, table.period_start, table.value).where(
                    among(session, table.person_id, people[first:first + _SLICE]), which)):
            if (pid, kpi_id, start) in keys:
                found[(pid, kpi_id, start)] = Decimal(value)
    return found


def _period_keys(session, pairs) -> list[tuple[int, int, date]]:
    table = KpiValue.__table__.c
    keys = []
    for kpi_id, start in pairs:
        keys += [(p, kpi_id, start) for p in session.scalars(
            select(table.person_id).where(table.kpi_id == kpi_id,
                                          table.period_start == start))]
    return keys


def write_evidence(session, touched: set[tuple[int, date]],
                   written: tuple[int, list[KpiRow]] | None = None) -> int:
    """Rewrite the `kpi` evidence of each (person, period start) in `touched` from every
    value stored for it; returns the evidence rows written. `written` (the import's id and
    the rows it has just stored under it) spares reading those rows back."""
    if not touched:
        return 0
    lock_people(session, {person_id for person_id, _start in touched})
    links = defaultdict(list)
    for link in session.scalars(select(KpiCompetency)):
        links[link.kpi_id].append(link)
    informs = {k.id: _Informs.of(k, links.get(k.id, ()))
               for k in session.scalars(select(KpiDefinition))}
    table = KpiValue.__table__.c
    values = defaultdict(list)
    ordered = sorted(touched)
    by_start = defaultdict(list)
    for person_id, start in ordered:
        by_start[start].append(person_id)
    others = []
    if written is not None:
        import_id, rows = written
        for r in rows:
            values[(r.person_id, r.period_start)].append((informs[r.kpi_id], r.value))
        others = [or_(table.import_id.is_(None), table.import_id != import_id)]
    for start, people in by_start.items():
        for first in range(0, len(people), _SLICE):
            for pid, kpi_id, value in session.execute(
                    select(table.person_id, table.kpi_id, table.value).where(
                        table.period_start == start, *others,
                        among(session, table.person_id, people[first:first + _SLICE]))):
                values[(pid, start)].append((informs[kpi_id], Decimal(value)))
    memo: dict = {}
    results = []
    for person_id, start in ordered:
        results.append((person_id, f"{person_id}:{start.isoformat()}",
                        _observations(values.get((person_id, start), []), start, memo)))
    return record_evidence_many(session, source_kind=EVIDENCE_KIND, results=results)


@dataclass(frozen=True)
class _Informs:
    """What a KPI's value evidences, as plain values (thousands of people are read against
    the same few KPIs): its weight and period, and per competency the values at which levels
    2–5 begin."""

    weight: Decimal
    period: str
    higher: bool
    links: tuple[tuple[int, tuple[Decimal, ...]], ...]

    @classmethod
    def of(cls, kpi: KpiDefinition, links) -> "_Informs":
        return cls(Decimal(kpi.weight), kpi.period, kpi.direction == "higher",
                   tuple((link.competency_id, tuple(Decimal(m) for m in link.thresholds))
                         for link in links))

    def level(self, marks: tuple[Decimal, ...], value: Decimal) -> int:
        """`KpiCompetency.level_for`: 1 plus the thresholds `value` reaches."""
        if self.higher:
            return 1 + sum(1 for mark in marks if value >= mark)
        return 1 + sum(1 for mark in marks if value <= mark)


def observations(values: list[tuple[KpiDefinition, Decimal]], links, start: date
                 ) -> list[Observation]:
    """One observation per competency the KPIs of `values` inform: the levels their values
    reach, averaged with the KPIs' weights (cut to two places, as stored)."""
    return _observations([(_Informs.of(kpi, links.get(kpi.id, ())), value)
                          for kpi, value in values], start, {})


def _observations(values: list[tuple[_Informs, Decimal]], start: date,
                  memo: dict) -> list[Observation]:
    # `memo` lives for one import: when each period is observed, and what each KPI value
    # adds to each competency (thousands of people share the values of a few KPIs).
    weighted: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    when = None
    for informs, value in values:
        if informs.weight <= 0:
            continue
        key = (start, informs.period)
        if key not in memo:
            memo[key] = periods.observed_at(start, informs.period)
        when = max(when, memo[key]) if when else memo[key]
        key = (id(informs), value)
        parts = memo.get(key)
        if parts is None:
            parts = memo[key] = [(competency_id, informs.level(marks, value) * informs.weight)
                                 for competency_id, marks in informs.links]
        for competency_id, part in parts:
            cell = weighted[competency_id]
            cell[0] += part
            cell[1] += informs.weight
    result = []
    for cid, (total, weights) in sorted(weighted.items()):
        # Observations are immutable and people share them (a competency informed by one
        # KPI has five possible levels): each is made once per import.
        key = (cid, total, weights, when)
        observation = memo.get(key)
        if observation is None:
            observation = memo[key] = Observation(
                competency_id=cid, level=(total / weights).quantize(HUNDREDTH,
                                                                    rounding=ROUND_DOWN),
                score=None, observed_at=when)
        result.append(observation)
    return result


HUNDREDTH = Decimal("0.01")
