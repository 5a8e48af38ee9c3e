"""Competency evidence and the profile computed from it.

Every assessment result is written as evidence rows (person, competency, level, source kind and
id, weight, observed at). The profile — the level a person has per competency — is computed by
one policy, so adding an assessment kind never changes the rules that read profiles:

    For each competency, take the LATEST evidence row of each source kind; the level is the
    weighted mean of those rows' levels (weights as recorded), rounded half up to a whole
    level once, at the end. Older rows of the same kind are history, not averaged in.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.database import UTCDateTime
from lms.core.extensions import db
from lms.core.numbers import WHOLE, half_up


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


def profiles(session, person_ids: list[int], *,
             as_of: datetime | None = None) -> dict[int, dict[int, ProfileEntry]]:
    """{person_id: {competency_id: ProfileEntry}} for many people in one query; with `as_of`,
    the profiles as they stood then (only evidence observed before it: the heat map's trend).

    The database applies the policy's first step and sums (a window function picks the
    latest row of each source kind, so history never leaves it; sums kept to 8 places);
    Python divides exactly and rounds once, half up."""
    if not person_ids:
        return {}
    E = Evidence
    ranked = select(
        E.person_id, E.competency_id, E.source_kind, E.level, E.weight,
        func.row_number().over(
            partition_by=(E.person_id, E.competency_id, E.source_kind),
            order_by=(E.observed_at.desc(), E.id.desc())).label("rank"),
    ).where(E.person_id.in_(person_ids),
            *([E.observed_at < as_of] if as_of is not None else [])).subquery()
    exact_sum = Numeric(24, 8)
    latest = (select(ranked.c.person_id, ranked.c.competency_id,
                     func.sum(ranked.c.level * ranked.c.weight, type_=exact_sum),
                     func.sum(ranked.c.weight, type_=exact_sum),
                     func.aggregate_strings(ranked.c.source_kind, ","))
              .where(ranked.c.rank == 1)
              .group_by(ranked.c.person_id, ranked.c.competency_id))
    if session.autoflush:  # as the ORM would before a query: pending evidence counts
        session.flush()
    result: dict[int, dict[int, ProfileEntry]] = {pid: {} for pid in person_ids}
    # A Core execution: reports read the profiles of thousands of people at a time.
    for person_id, competency_id, weighted, weights, kinds in \
            session.connection().execute(latest):
        exact = weighted / weights if weights and weights > 0 else Decimal(0)
        result[person_id][competency_id] = ProfileEntry(
            competency_id=competency_id,
            level=int(half_up(exact, WHOLE)),
            exact=exact,
            sources=tuple(sorted(set(kinds.split(",")))),
        )
    return result
