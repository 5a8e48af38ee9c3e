"""KPI definitions as data: save one (with its competency mapping), list them."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from lms.competencies.models import Competency
from lms.core import audit
from lms.core.errors import DomainError
from lms.core.i18n import ZH
from lms.core.signals import announce_rules_change
from lms.kpis.models import (
    DIRECTIONS,
    PERIODS,
    KpiCompetency,
    KpiDefinition,
    KpiRequirement,
    KpiValue,
)
from lms.kpis.services.values import write_evidence

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")


@dataclass(frozen=True)
class KpiData:
    code: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    unit: str
    direction: str
    period: str
    min_value: Decimal
    max_value: Decimal
    target: Decimal
    weight: Decimal
    periods_below_for_plan: int
    mapping: str          # one "COMPETENCY-CODE: t2, t3, t4, t5" per line
    active: bool = True


def ordered_kpis(session, include_inactive: bool = False) -> list[KpiDefinition]:
    """The KPIs in their display order (active ones only unless asked)."""
    query = select(KpiDefinition).order_by(KpiDefinition.position, KpiDefinition.code)
    if not include_inactive:
        query = query.where(KpiDefinition.active)
    return list(session.scalars(query))


def mapping_text(kpi: KpiDefinition) -> str:
    """The competency mapping of `kpi` as the form shows it."""
    return "\n".join(f"{link.competency.code}: {', '.join(link.thresholds)}"
                     for link in kpi.competencies)


def parse_mapping(session, text: str, direction: str) -> list[tuple[int, list[str]]]:
    """[(competency id, four thresholds)] from "CODE: t2, t3, t4, t5" lines. Refuses unknown
    competencies, a competency named twice, other than four numbers, and thresholds that do
    not climb towards better values."""
    known = {c.code.upper(): c.id for c in session.scalars(select(Competency))}
    result, seen = [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        code, sep, rest = line.partition(":")
        code = code.strip().upper()
        if not sep or code not in known:
            raise DomainError(_("Mapping line %(n)d: name a competency code, a colon and four "
                                "thresholds (e.g. SOLVE-FCR: 60, 75, 85, 92).", n=number),
                              field="mapping")
        if code in seen:
            raise DomainError(_("Mapping line %(n)d: %(code)s is named twice.", n=number,
                                code=code), field="mapping")
        seen.add(code)
        try:
            marks = [Decimal(part.strip()) for part in rest.split(",")]
        except InvalidOperation:
            marks = []
        if len(marks) != 4 or not all(m.is_finite() for m in marks):
            raise DomainError(_("Mapping line %(n)d: give four numbers, where levels 2, 3, 4 "
                                "and 5 begin.", n=number), field="mapping")
        climbing = all((a < b) if direction == "higher" else (a > b)
                       for a, b in zip(marks, marks[1:], strict=False))
        if not climbing:
            raise DomainError(_("Mapping line %(n)d: the thresholds must go from worse to "
                                "better values (rising when higher is better, falling when "
                                "lower is better).", n=number), field="mapping")
        result.append((known[code], [format(m.normalize(), "f") for m in marks]))
    return result


def save_kpi(session, actor, kpi: KpiDefinition | None, data: KpiData) -> KpiDefinition:
    """Create (`kpi` None) or update a KPI definition and its competency mapping. An update
    that moves the mapping, weight, direction or period rewrites the evidence of the KPI's
    values (the stored levels follow), and the people concerned and those on paths with a
    rule on the KPI are re-evaluated. Refuses a malformed or taken code, an unknown
    direction or period, an empty range, a target outside the range and a weight outside
    0–100."""
    code = (data.code or "").strip().upper()
    if not _CODE.match(code):
        raise DomainError(_("Use capital letters, digits, - and _ for the code (at most 40)."),
                          field="code")
    taken = session.scalar(select(KpiDefinition).where(KpiDefinition.code == code))
    if taken is not None and taken is not kpi:
        raise DomainError(_("Another KPI already has the code %(code)s.", code=code),
                          field="code")
    if data.direction not in DIRECTIONS:
        raise DomainError(_("Choose whether higher or lower values are better."),
                          field="direction")
    if data.period not in PERIODS:
        raise DomainError(_("Choose a week, a month or a quarter."), field="period")
    if data.min_value >= data.max_value:
        raise DomainError(_("The lowest value must be below the highest."), field="max_value")
    if not data.min_value <= data.target <= data.max_value:
        raise DomainError(_("The target must lie between the lowest and highest values."),
                          field="target")
    if not Decimal(0) <= data.weight <= Decimal(100):
        raise DomainError(_("The weight must be between 0 and 100."), field="weight")
    if not 0 <= data.periods_below_for_plan <= 24:
        raise DomainError(_("Give 0 (never) to 24 periods."), field="periods_below_for_plan")
    mapping = parse_mapping(session, data.mapping, data.direction)
    creating = kpi is None
    evidence_before = None if creating else _evidence_terms(kpi)
    if creating:
        kpi = KpiDefinition(position=len(ordered_kpis(session, include_inactive=True)))
        session.add(kpi)
    kpi.code, kpi.name = code, data.name.strip()
    kpi.description = (data.description or "").strip()
    kpi.set_translation(ZH, "name", (data.name_zh or "").strip())
    kpi.set_translation(ZH, "description", (data.description_zh or "").strip())
    kpi.unit, kpi.direction, kpi.period = data.unit.strip(), data.direction, data.period
    kpi.min_value, kpi.max_value, kpi.target = data.min_value, data.max_value, data.target
    kpi.weight, kpi.periods_below_for_plan = data.weight, data.periods_below_for_plan
    kpi.active = data.active
    current = {link.competency_id: link for link in kpi.competencies}
    wanted = dict(mapping)
    kpi.competencies = [current.get(cid) or KpiCompetency(competency_id=cid) for cid in wanted]
    for link in kpi.competencies:
        link.thresholds = wanted[link.competency_id]
    session.flush()
    entry = audit.record(actor, "kpi.create" if creating else "kpi.update", kpi,
                         code=kpi.code, target=str(kpi.target), mapping=mapping_text(kpi))
    if not creating:
        rewritten = set()
        if _evidence_terms(kpi) != evidence_before:
            rewritten = _rewrite_evidence(session, kpi)
        paths = session.scalars(select(KpiRequirement.path_id)
                                .where(KpiRequirement.kpi_id == kpi.id))
        announce_rules_change(session, actor, entry, path_ids=paths, person_ids=rewritten)
    return kpi


def _evidence_terms(kpi: KpiDefinition) -> tuple:
    """What the competency evidence of the KPI's values is computed from."""
    return (kpi.direction, kpi.period, Decimal(kpi.weight),
            sorted((link.competency_id, tuple(link.thresholds)) for link in kpi.competencies))


def _rewrite_evidence(session, kpi: KpiDefinition) -> set[int]:
    """Rewrite the evidence of every person × period the KPI has a value in, under its new
    mapping, weight or direction (the stored levels follow); returns the people."""
    V = KpiValue.__table__.c
    touched = {(pid, _day(start)) for pid, start in session.execute(
        select(V.person_id, V.period_start).where(V.kpi_id == kpi.id))}
    write_evidence(session, touched)
    return {pid for pid, _start in touched}


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
