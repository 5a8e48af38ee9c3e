"""The per-person review pack (one PDF) and a team's packs (one zip): HTML first, then PDF.

A pack holds the person's details; their certification standing per path and every
certificate (serial, issue and expiry, status); beside them their service KPIs over the last
six periods (value, target, met or not); their competency profile against their tier's
matrix (a table and an SVG chart); their assessment history (one line per assessed source —
quiz attempt, role-play grade, 360 cycle… — read from the evidence rows and the kind's public
`result`); the 360 summary of their latest closed cycle through `subject_report` (weighted
score and per-competency weighted scores; shown groups with their response counts only,
withheld groups named as withheld, never a rater's name or answer); and overdue training.
It renders in the reader's language, with the PDF font stack so any script prints.

Who may have whose pack is the caller's check (`reports.person`). A team's packs are zipped
by a background job (`reports.services.pack_jobs`), one PDF at a time.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from assessments.review360.models import Cycle, Subject
from assessments.review360.services.results import ResultsNotReady, subject_report
from certificates.models import Certificate
from certificates.services.standing import standings
from courses.models import Enrollment
from lms.competencies.models import Evidence
from lms.competencies.services.matrix import scale
from lms.core import charts, clock
from lms.core.kinds import UnknownAssessmentKind, get_kind
from lms.core.numbers import display_score
from lms.core.pdf import PDF_FONT_STACK, html_to_pdf
from reports.services import heatmap, kpi_trends
from reports.services import rows as report_rows
from reports.services.filters import STATUS_LABELS


@dataclass(frozen=True)
class HistoryLine:
    observed_at: object
    kind: str
    source_id: str
    score: str                 # "" when the kind gives no result for it
    passed: bool | None
    competencies: list[tuple[str, str]]   # (competency name, level)


def _history(session, person, names: dict[int, str]) -> list[HistoryLine]:
    """One line per assessed source (kind + id), newest first, from the evidence rows."""
    sources: dict[tuple[str, str], list[Evidence]] = {}
    for row in session.scalars(select(Evidence).where(Evidence.person_id == person.id)
                               .order_by(Evidence.observed_at.desc(), Evidence.id)):
        sources.setdefault((row.source_kind, row.source_id), []).append(row)
    lines = []
    for (kind, source_id), found in sources.items():
        result = None
        try:
            if source_id.isdigit():
                result = get_kind(kind)().result(session, int(source_id))
        except UnknownAssessmentKind:
            result = None
        lines.append(HistoryLine(
            observed_at=found[0].observed_at, kind=heatmap.kind_label(kind),
            source_id=source_id, score=display_score(result.score, "") if result else "",
            passed=result.passed if result else None,
            competencies=[(names.get(r.competency_id, str(r.competency_id)), str(r.level))
                          for r in found]))
    return lines


def _review360(session, person) -> dict | None:
    """The latest closed cycle's summary under the anonymity rules (`subject_report`)."""
    subject = session.scalars(
        select(Subject).join(Cycle, Cycle.id == Subject.cycle_id)
        .where(Subject.person_id == person.id, Cycle.closed_at.is_not(None))
        .order_by(Cycle.closed_at.desc(), Subject.id.desc())).first()
    if subject is None:
        return None
    try:
        report = subject_report(session, subject)
    except ResultsNotReady:
        return None
    return {
        "cycle": report.cycle_title, "closed_at": subject.cycle.closed_at,
        "overall": display_score(report.overall),
        # Shown groups: label, count of responses and score; never names or answers.
        "groups": [{"label": g.label, "responses": g.responses,
                    "score": display_score(g.score)} for g in report.shown_groups],
        "withheld": [{"label": g.label, "threshold": g.threshold}
                     for g in report.withheld_groups],
        "competencies": [{"name": c.competency.tr("name"), "weighted": display_score(c.weighted)}
                         for c in report.competencies],
    }


def _kpis(session, person, today: date) -> list[dict]:
    """The person's KPIs over the last periods (`kpi_trends.PACK_PERIODS`): value and whether
    it met the target, per period."""
    return [{"name": line.kpi.tr("name"), "unit": line.kpi.unit,
             "target": display_score(line.target),
             "sign": "≥" if line.kpi.direction == "higher" else "≤",
             "cells": [{"period": label, "value": display_score(value), "met": met}
                       for label, value, met in line.cells]}
            for line in kpi_trends.person_kpis(session, person.id, today)]


def pack_context(session, person, *, today: date | None = None) -> dict:
    """The plain values the review pack template renders (see the module docstring)."""
    today = today or clock.today()
    paths = report_rows.paths(session)
    held = standings(session, [person.id], today=today,
                     expiring_within_days=report_rows.EXPIRING_DAYS)[person.id]
    standing_lines = [{
        "path": p.tr("name"), "tier": p.id == person.tier_id,
        "status": str(STATUS_LABELS[held[p.id].status]) if p.id in held
        else str(STATUS_LABELS["not_started"]),
        "percent": held[p.id].percent if p.id in held else 0,
        "missing": list(held[p.id].missing) if p.id in held else [],
        "composite": display_score(held[p.id].composite, "") if p.id in held else "",
    } for p in paths if p.id in held or p.id == person.tier_id]
    certificates = [{
        "serial": c.serial, "path": c.path.tr("name") if c.path else c.path_name,
        "issued_on": c.issued_on, "expires_on": c.expires_on,
        "status": _("Revoked") if c.status == "revoked" else (
            _("Expired") if c.expires_on < today else _("Valid")),
    } for c in session.scalars(select(Certificate).where(Certificate.person_id == person.id)
                               .order_by(Certificate.issued_on, Certificate.id))]
    lines = heatmap.person_evidence(session, person)
    top = max([lvl.level for lvl in scale(session)] or [5])
    chart = charts.level_bars(
        _("Competency profile of %(name)s", name=person.name),
        _("Evidenced level against the level the tier requires, per competency."),
        [line.competency.tr("name") for line in lines], [line.level for line in lines],
        [line.required for line in lines], scale_max=top, label_id="profile",
        level_label=_("Evidenced level"), required_label=_("Required level"))
    names = {line.competency.id: line.competency.tr("name") for line in lines}
    names.update({c.id: c.tr("name") for c in report_rows.competencies(session)})
    overdue = [{"course": e.course.tr("title"), "due_date": e.due_date}
               for e in session.scalars(select(Enrollment).where(
                   Enrollment.person_id == person.id, Enrollment.withdrawn.is_(False),
                   Enrollment.completed_at.is_(None), Enrollment.due_date.is_not(None),
                   Enrollment.due_date < today).order_by(Enrollment.due_date))]
    return {
        "person": {"name": person.name, "employee_id": person.employee_id,
                   "email": person.email, "team": person.team.tr("name") if person.team else "",
                   "manager": person.manager.name if person.manager else "",
                   "tier": person.tier.tr("name") if person.tier else "",
                   "hire_date": person.hire_date},
        "today": today, "standings": standing_lines, "certificates": certificates,
        "competencies": [{"name": line.competency.tr("name"), "level": line.level,
                          "required": line.required, "colour": line.colour}
                         for line in lines],
        "chart": Markup(f'<img class="chart" alt="" src="{charts.data_url(chart)}">'),
        "history": _history(session, person, names), "review360": _review360(session, person),
        "kpis": _kpis(session, person, today),
        "overdue": overdue, "font": Markup(PDF_FONT_STACK),
    }


def pack_html(session, person, *, today: date | None = None) -> str:
    """The review pack as a complete HTML document (the stage tests read)."""
    return render_template("reports/heatmap/review_pack_pdf.html",
                           **pack_context(session, person, today=today))


def pack_pdf(session, person, *, today: date | None = None) -> bytes:
    """The review pack as a PDF."""
    return html_to_pdf(pack_html(session, person, today=today))


def pack_filename(employee_id: str, name: str) -> str:
    """`<employee_id>-<ascii-safe name>.pdf`: accents dropped, other characters to '-'
    (a name with no ASCII letters at all leaves the employee id alone)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-")[:60]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", employee_id).strip("-") or "person"
    return f"{stem}-{safe}.pdf" if safe else f"{stem}.pdf"

