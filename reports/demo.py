"""Demo evidence history, so the heat map's trend has twelve months to show.

For every (person, competency, source kind) the demo's real assessments evidenced, monthly
rows of the same kind are added over the eleven months before the first real one, rising
towards the real level. They are all older than the real row of their kind, so the profile
policy (latest row per kind) still counts only the real row: every current level, matrix
rule and certificate of the demo stays as the assessments made it; only the history grows.
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import select

from lms.competencies.models import Evidence
from lms.competencies.services.evidence import add_evidence

HISTORY_MONTHS = 11


def _month_back(day: date, months: int) -> date:
    year, month = day.year, day.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 15)


def seed_evidence_history(session, today: date) -> int:
    """Add the history rows (module docstring); returns how many were added."""
    first: dict[tuple[int, int, str], Evidence] = {}
    for row in session.scalars(select(Evidence).order_by(Evidence.observed_at, Evidence.id)):
        first.setdefault((row.person_id, row.competency_id, row.source_kind), row)
    rows = []
    for (person_id, competency_id, kind), real in first.items():
        start = max(Decimal(1), real.level - 2)
        for back in range(HISTORY_MONTHS, 0, -1):
            observed = datetime.combine(_month_back(today, back), time(10), UTC)
            if observed >= real.observed_at:
                continue
            # Rises from `start` to the real level; a small deterministic wobble.
            share = Decimal(HISTORY_MONTHS - back) / HISTORY_MONTHS
            wobble = Decimal((person_id * 7 + competency_id * 3 + back) % 5 - 2) / 10
            level = min(max(start + (real.level - start) * share + wobble, Decimal(1)),
                        real.level)
            rows.append({"person_id": person_id, "competency_id": competency_id,
                         "level": level.quantize(Decimal("0.01")), "score": None,
                         "source_kind": kind, "source_id": f"history-{observed:%Y-%m}",
                         "weight": real.weight, "observed_at": observed})
    # Some eleven thousand rows: one bulk statement instead of an ORM object (and, on
    # SQLite, an INSERT) per row.
    return add_evidence(session, rows)
