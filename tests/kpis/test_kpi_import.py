"""KPI values: every bad line reported by number, all-or-nothing imports, idempotent
writes, replaced periods audited, and the values becoming competency evidence."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from lms.competencies.models import Competency, CompetencyLevel, Evidence
from lms.competencies.services.evidence import check_levels
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.core.uploads import UploadProblem
from lms.kpis.models import KpiImport, KpiValue
from lms.kpis.services import values

HEADER = "employee_id,kpi,period,value\n"


def plan_of(db, text: str):
    return values.check_rows(db.session, values.read_file(text.encode(), "k.csv", 10**6))


def stored(db):
    return {(v.person_id, v.kpi.code, v.period_start.isoformat()): v.value
            for v in db.session.scalars(select(KpiValue))}


def competency(db, code):
    return db.session.scalar(select(Competency).where(Competency.code == code))


def test_every_bad_line_is_listed_with_its_number_and_nothing_is_written(db, staff):
    text = HEADER + (
        "A1,CSAT,2026-11,91\n"           # 2 fine
        "NOBODY,CSAT,2026-11,80\n"       # 3 unknown employee
        "A2,SPEED,2026-11,80\n"          # 4 unknown KPI
        "A2,CSAT,2026-11,101\n"          # 5 out of range
        "A2,FCR,2027-01,80\n"            # 6 a period not begun
        "A1,csat,2026-11,90\n"           # 7 duplicate of line 2
        "A3,FCR,November,80\n"           # 8 malformed period
        "A3,NPS,2026-11,lots\n"          # 9 not a number
        "A3,FRT,2026-11,\n"              # 10 empty value
        "A3,QA,2026-11,85.123456\n"      # 11 too many decimals
        "A3,QA,2026-11,85,extra\n"       # 12 more fields than the header
        + "A3," + "Q" * 150 + ",2026-11,85\n"  # 13 an oversized field
    )
    plan = plan_of(db, text)
    lines = sorted({p.line for p in plan.problems})
    assert lines == list(range(3, 14))
    messages = {p.line: p.message for p in plan.problems}
    assert "NOBODY" in messages[3] and "SPEED" in messages[4]
    assert "outside the range" in messages[5] and "not begun" in messages[6]
    assert "line 2" in messages[7] and "November" in messages[8]
    assert "longer than" in messages[13]
    with pytest.raises(DomainError):
        values.import_values(db.session, staff["hr"], plan, source="upload")
    db.session.rollback()
    assert stored(db) == {}


def test_a_good_file_imports_and_becomes_evidence_levels_follow(db, staff):
    a1 = staff["A1"]
    plan = plan_of(db, HEADER + "A1,CSAT,2026-10,86\nA1,FCR,2026-10,93\nA2,CSAT,2026-10,71\n")
    assert plan.ok
    record = values.import_values(db.session, staff["hr"], plan, source="upload",
                                  file_name="oct.csv", replace_periods=True)
    db.session.commit()
    assert record.rows == 3 and record.replaced == 0
    assert stored(db)[(a1.id, "CSAT", "2026-10-01")] == Decimal("86")
    empathy, fcr = competency(db, "COMM-EMPATHY"), competency(db, "SOLVE-FCR")
    evidence = {e.competency_id: e for e in db.session.scalars(
        select(Evidence).where(Evidence.person_id == a1.id, Evidence.source_kind == "kpi"))}
    # CSAT 86 reaches the 70, 80 and 85 thresholds: level 4; FCR 93 reaches all four: 5.
    assert evidence[empathy.id].level == Decimal("4.00")
    assert evidence[fcr.id].level == Decimal("5.00")
    level = db.session.get(CompetencyLevel, (a1.id, fcr.id))
    assert level.level == 5 and "kpi" in level.sources
    assert check_levels(db.session) == []


def test_reimport_is_idempotent_and_replacing_a_period_needs_a_reason(db, staff):
    first = HEADER + "A1,CSAT,2026-11,80\nA2,CSAT,2026-11,82\n"
    values.import_values(db.session, staff["hr"], plan_of(db, first), source="upload",
                         replace_periods=True)
    db.session.commit()
    again = values.import_values(db.session, staff["hr"], plan_of(db, first), source="upload",
                                 replace_periods=True)
    db.session.commit()
    assert again.replaced == 0       # the same values: nothing replaced, no reason needed
    changed = HEADER + "A1,CSAT,2026-11,91\n"   # A2 is no longer in the period
    with pytest.raises(DomainError, match="say why"):
        values.import_values(db.session, staff["hr"], plan_of(db, changed), source="upload",
                             replace_periods=True)
    db.session.rollback()
    record = values.import_values(db.session, staff["hr"], plan_of(db, changed),
                                  source="upload", replace_periods=True,
                                  reason="QA re-scored November")
    db.session.commit()
    assert record.replaced == 2
    assert stored(db) == {(staff["A1"].id, "CSAT", "2026-11-01"): Decimal("91")}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "kpi.import")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.actor_id == staff["hr"].id and entry.reason == "QA re-scored November"
    # A2's evidence from the removed value is gone too; the stored levels agree.
    assert not db.session.scalar(select(func.count()).select_from(Evidence).where(
        Evidence.person_id == staff["A2"].id, Evidence.source_kind == "kpi"))
    assert check_levels(db.session) == []


@pytest.mark.parametrize("pairs", [values._PAIRS, 1])
def test_stored_values_are_read_by_key_over_many_periods(db, staff, monkeypatch, pairs):
    # One read per slice of people finds the stored value of each person × KPI × period,
    # naming the KPI × periods one by one or (over many) by KPI and span.
    monkeypatch.setattr(values, "_PAIRS", pairs)
    first = HEADER + "A1,CSAT,2026-09,80\nA1,FCR,2026-11,70\nA2,CSAT,2026-11,82\n"
    values.import_values(db.session, None, plan_of(db, first), source="command")
    db.session.commit()
    # A1 CSAT 2026-11 and A2 CSAT 2026-09 lie inside the span but were never stored.
    again = plan_of(db, first + "A1,CSAT,2026-11,85\nA2,CSAT,2026-09,60\n")
    values.import_values(db.session, None, again, source="command")
    assert (again.unchanged, again.replaced) == (3, 0)
    changed = plan_of(db, HEADER + "A1,FCR,2026-11,71\nA2,CSAT,2026-11,82\n")
    values.import_values(db.session, None, changed, source="command")
    assert (changed.unchanged, changed.replaced) == (1, 1)


def test_lower_is_better_kpis_and_weighted_competencies(db, staff):
    # FRT 3 minutes reaches 10, 6 and 4 (falling): level 4.
    values.import_values(db.session, None, plan_of(db, HEADER + "A1,FRT,2026-11,3\n"),
                         source="command")
    ticket = competency(db, "DIGI-TICKET")
    row = db.session.scalar(select(Evidence).where(Evidence.competency_id == ticket.id))
    assert row.level == Decimal("4.00")


def test_xlsx_files_and_formula_text_are_read_as_values(db, staff):
    book = Workbook()
    sheet = book.active
    sheet.append(["employee_id", "kpi", "period", "value"])
    sheet.append(["A1", "CSAT", "2026-11", 88.5])
    sheet.append(["=HYPERLINK(\"x\")", "CSAT", "2026-11", 80])
    out = io.BytesIO()
    book.save(out)
    records = values.read_file(out.getvalue(), "kpis.xlsx", 10**6)
    plan = values.check_rows(db.session, records)
    assert [p.line for p in plan.problems] == [3]
    assert plan.rows[0].value == Decimal("88.5")


@pytest.mark.parametrize("raw, needle", [
    (b"employee_id,kpi,period,value\nA1,CSAT,2026-11,\xff\n", "UTF-8"),
    (b"employee_id,kpi,period\n", "Missing column"),
    (b"employee_id,kpi,period,value,team\n", "Unknown column"),
    (b"employee_id,kpi,period,value\n" + b"A1,CSAT,2026-11," + b"9" * 2000 + b"\n",
     "longer than"),
    (b"x" * 2000, "larger than"),
])
def test_unreadable_files_are_refused_naming_the_line(db, staff, raw, needle):
    with pytest.raises(UploadProblem, match=needle) as refused:
        values.read_file(raw, "k.csv", 1000 if needle == "larger than" else 10**6)
    assert refused.value.line == (2 if needle in ("UTF-8", "longer than") else
                                  0 if needle == "larger than" else 1)


def test_the_command_dry_run_and_import(db, staff, runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "A1,CSAT,2026-11,80\nZZ,CSAT,2026-11,80\n", encoding="utf-8")
    result = runner.invoke(args=["import-kpis", str(bad)])
    assert result.exit_code == 1 and "line 3" in result.output and "ZZ" in result.output
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "A1,CSAT,2026-11,80\n", encoding="utf-8")
    result = runner.invoke(args=["import-kpis", str(good), "--dry-run"])
    assert result.exit_code == 0 and "dry run" in result.output
    assert stored(db) == {}
    result = runner.invoke(args=["import-kpis", str(good), "--as", "H1"])
    assert result.exit_code == 0, result.output
    assert len(stored(db)) == 1
    record = db.session.scalar(select(KpiImport))
    assert record.source == "command" and record.actor_id == staff["hr"].id
