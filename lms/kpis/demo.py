"""Twelve months of KPI values for the demo organisation, and the senior path's KPI rules.

Values follow each person's stored competency levels (what their results and certificates
rest on): strong people sit above the targets, developing ones below, with a little monthly
noise, and everyone is on target in the last two months but for two stories: the strongest
senior-tier agent has held CSAT ≥ 90 for only the last two months (the senior rule wants
three: "what is missing" says so), and the first agent's first-contact resolution has
dropped below target for the last two months (an open improvement plan)."""

import hashlib
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from lms.competencies.models import CompetencyLevel
from lms.kpis import periods
from lms.kpis.models import KpiDefinition
from lms.kpis.services import requirements
from lms.kpis.services.values import KpiPlan, KpiRow, import_values
from lms.paths.models import CertificationPath
from lms.people.models import Person

MONTHS = 12
# KPI code: (value at strength 0, value at strength 1, noise) — strength from the levels.
SHAPES = {"CSAT": (76, 95, 3), "FCR": (70, 92, 4), "NPS": (5, 55, 8), "FRT": (9, 2, 1),
          "REPEAT": (10, 3, 1), "QA": (70, 94, 4), "COMPLAINT": (2, Decimal("0.3"), 0)}
SENIOR_RULES = (("CSAT", 90, 3), ("FCR", 85, 3))


def _noise(key: str, spread) -> Decimal:
    digest = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return Decimal(digest % 201 - 100) / 100 * Decimal(spread)


def seed_kpis(session, today: date) -> int:
    """Write the demo's KPI history and rules; returns the values written."""
    kpis = {k.code: k for k in session.scalars(select(KpiDefinition))}
    people = list(session.scalars(select(Person).where(Person.active, Person.tier_id.is_not(None))
                                  .order_by(Person.employee_id)))
    levels = dict(session.execute(select(CompetencyLevel.person_id,
                                         func.avg(CompetencyLevel.level))
                                  .group_by(CompetencyLevel.person_id)).all())
    paths = {p.code: p for p in session.scalars(select(CertificationPath))}
    seniors = [p for p in people if paths.get("SENIOR") and p.tier_id == paths["SENIOR"].id
               and p.has_role("agent")]
    candidate = max(seniors, key=lambda p: (levels.get(p.id) or 0, p.employee_id),
                    default=None)
    dropping = next((p for p in people if p.employee_id == "E0101"), None)
    current = periods.current(today, "month")
    months = []
    start = current
    for _n in range(MONTHS):
        start = periods.preceding(start, "month")
        months.append(start)
    months.reverse()
    rows = []
    for person in people:
        strength = min(max((Decimal(str(levels.get(person.id) or 2)) - 2) / 2, Decimal(0)),
                       Decimal(1))
        for code, (low, high, spread) in SHAPES.items():
            kpi = kpis.get(code)
            if kpi is None:
                continue
            for index, start in enumerate(months):
                trend = Decimal(index - MONTHS) / MONTHS * Decimal(spread)   # improving
                value = Decimal(low) + (Decimal(high) - Decimal(low)) * strength + trend \
                    + _noise(f"{person.employee_id}:{code}:{start}", spread)
                if person is candidate and code == "CSAT":
                    value = Decimal(92) if index >= MONTHS - 2 else Decimal(88)
                if person is candidate and code == "FCR":
                    value = Decimal(88)
                if person is dropping and code == "FCR" and index >= MONTHS - 2:
                    value = Decimal(72) + index - MONTHS
                elif index >= MONTHS - 2 and not kpi.meets(value):
                    # Everyone else is on target lately: the demo's open plans are its stories.
                    value = kpi.target
                value = min(max(value, kpi.min_value), kpi.max_value).quantize(Decimal("0.1"))
                rows.append(KpiRow(0, person.id, kpi.id, start, value))
    if not rows:
        return 0
    import_values(session, None, KpiPlan(rows=rows), source="command",
                  file_name="demo", reason="Demo history")
    senior = paths.get("SENIOR")
    if senior is not None:
        for code, threshold, count in SENIOR_RULES:
            if code in kpis:
                requirements.save_requirement(session, None, senior, kpis[code],
                                              Decimal(threshold), count)
    return len(rows)
