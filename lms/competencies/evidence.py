"""Competency evidence and the profile computed from it.

Every assessment result is written as evidence rows (person, competency, level, source kind and
id, weight, observed at). The profile — the level a person has per competency — is computed by
one policy, so adding an assessment kind never changes the rules that read profiles:

    For each competency, take the LATEST evidence row of each source kind; the level is the
    weighted mean of those rows' levels (weights as recorded), rounded half up to a whole
    level once, at the end. Older rows of the same kind are history, not averaged in.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import UTCDateTime
from lms.extensions import db


class Evidence(db.Model):
    """One observation of a person's level in one competency, from one assessment result."""

    __tablename__ = "competency_evidence"
    __table_args__ = (Index("ix_evidence_person_competency", "person_id", "competency_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competency.id", ondelete="CASCADE"))
    # Level on the proficiency scale, exact (e.g. 3.60 from a 72 % score on a 1–5 scale).
    level: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    source_kind: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(60))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("1"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class ProfileEntry:
    competency_id: int
    level: int
    exact: Decimal
    sources: tuple[str, ...]


def level_from(rows: list[Evidence]) -> Decimal:
    """The profile policy for one competency's rows (see the module docstring)."""
    latest: dict[str, Evidence] = {}
    for row in rows:
        held = latest.get(row.source_kind)
        if held is None or (row.observed_at, row.id) > (held.observed_at, held.id):
            latest[row.source_kind] = row
    total_weight = sum((r.weight for r in latest.values()), Decimal(0))
    if total_weight <= 0:
        return Decimal(0)
    return sum((r.level * r.weight for r in latest.values()), Decimal(0)) / total_weight


def profiles(session, person_ids: list[int]) -> dict[int, dict[int, ProfileEntry]]:
    """{person_id: {competency_id: ProfileEntry}} for many people in one query."""
    if not person_ids:
        return {}
    grouped: dict[tuple[int, int], list] = defaultdict(list)
    E = Evidence
    # Plain rows, not entities: reports read the profiles of thousands of people at a time.
    for row in session.execute(
            select(E.id, E.person_id, E.competency_id, E.level, E.weight, E.source_kind,
                   E.observed_at).where(E.person_id.in_(person_ids))):
        grouped[(row.person_id, row.competency_id)].append(row)
    result: dict[int, dict[int, ProfileEntry]] = {pid: {} for pid in person_ids}
    for (person_id, competency_id), rows in grouped.items():
        exact = level_from(rows)
        result[person_id][competency_id] = ProfileEntry(
            competency_id=competency_id,
            level=int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
            exact=exact,
            sources=tuple(sorted({r.source_kind for r in rows})),
        )
    return result
