"""The service KPIs the source plans track, installed as editable defaults: targets from the
plans' phases (satisfaction 80 → 85 → 90, FCR ≥ 85 %, repeats ≤ 5 %, major complaints ≤ 1 %,
first response ≤ 4–10 min), the weights of the plans' scorecard (response 20, flow 15,
standards 15, CSAT 25, FCR 15, NPS 10) and the competencies each informs."""

from decimal import Decimal

from sqlalchemy import select

from lms.competencies.models import Competency
from lms.core.i18n import ZH
from lms.kpis.models import KpiCompetency, KpiDefinition

D = Decimal
# (code, name, zh, unit, direction, min, max, target, weight, {competency: thresholds 2..5})
KPIS = [
    ("CSAT", "Customer satisfaction (CSAT)", "客户满意度（CSAT）", "%", "higher", 0, 100, 85, 25,
     {"COMM-EMPATHY": ("70", "80", "85", "90"), "COMM-TONE": ("70", "80", "85", "90")}),
    ("FCR", "First-contact resolution (FCR)", "首次接触解决率（FCR）", "%", "higher", 0, 100, 85,
     15, {"SOLVE-FCR": ("60", "75", "85", "92")}),
    ("NPS", "Net promoter score (NPS)", "净推荐值（NPS）", "pts", "higher", -100, 100, 30, 10,
     {"COMM-LISTEN": ("0", "20", "40", "60")}),
    ("FRT", "First response time", "首次响应时间", "min", "lower", 0, 1440, 4, 20,
     {"DIGI-TICKET": ("10", "6", "4", "2")}),
    ("REPEAT", "Repeat contacts", "重复来电率", "%", "lower", 0, 100, 5, 15,
     {"SOLVE-5STEP": ("12", "8", "5", "3")}),
    ("QA", "Quality-inspection score", "质检得分", "pts", "higher", 0, 100, 85, 15,
     {"ETQ-NORMS": ("60", "75", "85", "95"), "ETQ-GREET": ("60", "75", "85", "95")}),
    ("COMPLAINT", "Major complaints", "重大投诉率", "%", "lower", 0, 100, 1, 10,
     {"EMO-DEESC": ("4", "2", "1", "0.5")}),
]


def install_kpis(session) -> dict[str, KpiDefinition]:
    """Add the default KPIs where their code is missing; returns every KPI by code."""
    competencies = {c.code: c for c in session.scalars(select(Competency))}
    existing = {k.code: k for k in session.scalars(select(KpiDefinition))}
    for position, (code, name, zh, unit, direction, low, high, target, weight,
                   mapping) in enumerate(KPIS):
        if code in existing:
            continue
        kpi = KpiDefinition(code=code, name=name, unit=unit, direction=direction,
                            period="month", min_value=D(low), max_value=D(high),
                            target=D(target), weight=D(weight), position=position)
        kpi.set_translation(ZH, "name", zh)
        kpi.competencies = [KpiCompetency(competency_id=competencies[c].id,
                                          thresholds=list(marks))
                            for c, marks in mapping.items() if c in competencies]
        session.add(kpi)
        existing[code] = kpi
    session.flush()
    return existing
