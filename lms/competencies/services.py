"""The competency framework and matrix: reading and editing. Callers own the commit."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms import audit
from lms.competencies.models import (
    Competency,
    CompetencyArea,
    MatrixRequirement,
    ProficiencyLevel,
)
from lms.errors import DomainError
from lms.paths.models import CertificationPath


@dataclass(frozen=True)
class MatrixCell:
    competency: Competency
    required: int | None
    actual: int | None

    @property
    def gap(self) -> int | None:
        if self.required is None or self.actual is None:
            return None
        return self.required - self.actual


def heat(required: int | None, actual: int | None) -> str:
    """Heat-map colour of a gap: green meets, yellow 1 short, orange 2, red 3+ or no evidence.

    No evidence against a requirement is treated as critical: train first.
    """
    if required is None:
        return "none"
    if actual is None:
        return "red"
    gap = required - actual
    if gap <= 0:
        return "green"
    return {1: "yellow", 2: "orange"}.get(gap, "red")


def scale(session) -> list[ProficiencyLevel]:
    return list(session.scalars(select(ProficiencyLevel).order_by(ProficiencyLevel.level)))


def framework(session) -> list[CompetencyArea]:
    """Areas in order, each with its competencies loaded."""
    return list(session.scalars(
        select(CompetencyArea).order_by(CompetencyArea.position, CompetencyArea.code)
        .options(selectinload(CompetencyArea.competencies))
    ))


def matrix(session) -> tuple[list[CertificationPath], dict[tuple[int, int], int]]:
    """Paths (columns) and {(competency_id, path_id): required level}."""
    paths = list(session.scalars(
        select(CertificationPath).where(CertificationPath.active.is_(True))
        .order_by(CertificationPath.position)
    ))
    required = {
        (r.competency_id, r.path_id): r.required_level
        for r in session.scalars(select(MatrixRequirement))
    }
    return paths, required


def matrix_row_for(session, person) -> list[MatrixCell]:
    """The person's tier requirements beside their evidenced levels (none recorded yet:
    evidence arrives with the assessment kinds)."""
    if person.tier_id is None:
        return []
    rows = session.execute(
        select(Competency, MatrixRequirement.required_level)
        .join(MatrixRequirement, MatrixRequirement.competency_id == Competency.id)
        .where(MatrixRequirement.path_id == person.tier_id, Competency.active.is_(True))
        .order_by(Competency.position, Competency.code)
    ).all()
    return [MatrixCell(competency=c, required=level, actual=None) for c, level in rows]


def set_requirement(session, actor, path: CertificationPath, competency: Competency,
                    level: int | None) -> None:
    """Set (or clear, with None) the level `path` requires in `competency`; refuses levels
    outside the scale."""
    if level is not None and session.get(ProficiencyLevel, level) is None:
        low, high = session.execute(
            select(func.min(ProficiencyLevel.level), func.max(ProficiencyLevel.level))
        ).one()
        raise DomainError(
            _("Required levels must be on the scale (%(low)s–%(high)s).", low=low, high=high)
        )
    existing = session.scalar(select(MatrixRequirement).where(
        MatrixRequirement.path_id == path.id, MatrixRequirement.competency_id == competency.id
    ))
    before = existing.required_level if existing else None
    if before == level:
        return
    if level is None:
        session.delete(existing)
    elif existing is None:
        session.add(MatrixRequirement(path_id=path.id, competency_id=competency.id,
                                      required_level=level))
    else:
        existing.required_level = level
    session.flush()
    audit.record(actor, "matrix.set", path, competency=competency.code, before=before,
                 after=level)
