"""The competency framework and matrix: reading and editing. Callers own the commit."""

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.competencies.models import (
    Competency,
    CompetencyArea,
    MatrixRequirement,
    ProficiencyLevel,
)
from lms.competencies.services.evidence import profiles
from lms.core import audit
from lms.core.errors import DomainError
from lms.core.i18n import ZH, NamedData
from lms.core.signals import announce_rules_change
from lms.core.validation import clean_code, clean_text
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

    @property
    def colour(self) -> str:
        """The heat-map colour of the gap (`heat`)."""
        return heat(self.required, self.actual)


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
    """The person's tier requirements beside their evidenced levels (from the profile),
    area by area; none without a tier."""
    if person.tier_id is None:
        return []
    rows = session.execute(
        select(Competency, MatrixRequirement.required_level)
        .join(MatrixRequirement, MatrixRequirement.competency_id == Competency.id)
        .where(MatrixRequirement.path_id == person.tier_id, Competency.active.is_(True))
        .order_by(Competency.area_id, Competency.position, Competency.code)
    ).all()
    profile = profiles(session, [person.id]).get(person.id, {})
    return [
        MatrixCell(competency=c, required=level,
                   actual=profile[c.id].level if c.id in profile else None)
        for c, level in rows
    ]


def set_requirement(session, actor, path: CertificationPath, competency: Competency,
                    level: int | None, reason: str = "") -> audit.AuditEntry | None:
    """Set (or clear, with None) the level `path` requires in `competency`; returns its audit
    entry (None when the level was already so). Refuses levels outside the scale. The caller
    announces the change of rules (`save_matrix` does, once for the grid)."""
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
        return None
    if level is None:
        session.delete(existing)
    elif existing is None:
        session.add(MatrixRequirement(path_id=path.id, competency_id=competency.id,
                                      required_level=level))
    else:
        existing.required_level = level
    session.flush()
    return audit.record(actor, "matrix.set", path, reason, competency=competency.code,
                        before=before, after=level)


class MatrixRefused(DomainError):
    """The matrix grid was refused as a whole; `cells` names each bad cell (see `cell_name`)
    with what is wrong with it."""

    def __init__(self, message: str, cells: dict[str, str]):
        super().__init__(message)
        self.cells = cells


def cell_name(competency_id: int, path_id: int) -> str:
    """The name of the grid cell holding the level `path_id` requires in `competency_id`."""
    return f"req-{competency_id}-{path_id}"


def save_matrix(session, actor, paths: list[CertificationPath], cells: Mapping[str, str],
                reason: str = "") -> None:
    """Set every path × competency requirement from `cells` (the text posted under each
    `cell_name`; empty clears), with `reason` in the audit log. Refuses the whole grid when
    any cell is not a level on the scale (naming each such cell), or when a level changes
    and no reason is given (the cell "reason")."""
    levels = {lvl.level for lvl in scale(session)}
    competencies = list(session.scalars(select(Competency)))
    current = matrix(session)[1]
    refused: dict[str, str] = {}
    wanted: list[tuple[CertificationPath, Competency, int | None]] = []
    for path in paths:
        for competency in competencies:
            name = cell_name(competency.id, path.id)
            raw = cells.get(name, "")
            if raw == "":
                level = None
            elif raw.isdigit() and int(raw) in levels:
                level = int(raw)
            else:
                refused[name] = _("Not on the scale.")
                continue
            wanted.append((path, competency, level))
    if refused:
        raise MatrixRefused(_("Some required levels are outside the scale; nothing was saved."),
                            refused)
    changing = [w for w in wanted if current.get((w[1].id, w[0].id)) != w[2]]
    if changing and not reason.strip():
        # Required levels decide who is certified: the audit log keeps why they moved.
        raise MatrixRefused(_("Say why the required levels change; nothing was saved."),
                            {"reason": _("Give a reason: the audit log keeps it.")})
    entries = [set_requirement(session, actor, path, competency, level, reason.strip())
               for path, competency, level in changing]
    if entries:
        # One re-evaluation for the grid; the last cell's entry carries what it did.
        announce_rules_change(session, actor, entries[-1],
                              path_ids=[path.id for path, _c, _l in changing])


# Editing the framework and the scale.

POSITION_MAX = 9999
MIN_LEVELS = 2
MAX_LEVELS = 10


@dataclass
class AreaData(NamedData):
    """The editable fields of a competency area, as plain values."""


@dataclass
class CompetencyData(NamedData):
    """The editable fields of a competency, as plain values."""

    area_id: int | None = None
    active: bool = True
    min_items: int = 3


@dataclass
class LevelData:
    """The wording of one step of the proficiency scale, in English and Chinese."""

    name: str
    description: str = ""
    name_zh: str = ""
    description_zh: str = ""


def _check_position(position: int | None) -> int:
    if position is None or not 0 <= position <= POSITION_MAX:
        raise DomainError(
            _("Position must be a whole number from 0 to %(max)d.", max=POSITION_MAX), "position"
        )
    return position


def _apply(obj, values: dict, translations: dict[str, str]) -> dict[str, list]:
    """Set columns and Chinese translations; returns {field: [before, after]} of what changed."""
    changes: dict[str, list] = {}
    for field, value in values.items():
        before = getattr(obj, field, None)
        if before != value:
            changes[field] = [before, value]
            setattr(obj, field, value)
    current = (obj.translations or {}).get(ZH, {})
    for field, text in translations.items():
        before = current.get(field, "")
        if before != text:
            changes[f"{field}_{ZH}"] = [before, text]
            obj.set_translation(ZH, field, text)
    return changes


def _code_taken(session, model, code: str, own_id: int | None) -> bool:
    clash = session.scalar(select(model.id).where(func.lower(model.code) == code.lower()))
    return clash is not None and clash != own_id


def save_area(session, actor, area: CompetencyArea | None, data: AreaData) -> CompetencyArea:
    """Create (area=None) or change an area; refuses a missing name, a malformed or duplicate
    code (case-insensitive) and positions outside 0–9999."""
    code = clean_code(data.code, "COMM-LISTEN")
    name = clean_text(data.name, "name", 120, required=True)
    values = {
        "code": code, "name": name, "position": _check_position(data.position),
        "description": clean_text(data.description, "description", 2000),
    }
    translations = {
        "name": clean_text(data.name_zh, "name_zh", 120),
        "description": clean_text(data.description_zh, "description_zh", 2000),
    }
    if _code_taken(session, CompetencyArea, code, area.id if area else None):
        raise DomainError(_("An area with the code %(code)s already exists.", code=code), "code")
    created = area is None
    if created:
        area = CompetencyArea(translations={})
        session.add(area)
    changes = _apply(area, values, translations)
    session.flush()
    audit.record(actor, "framework.area_create" if created else "framework.area_update", area,
                 changes=changes)
    return area


def _check_min_items(value: int | None) -> int:
    if value is None or not 1 <= value <= 50:
        raise DomainError(_("Between 1 and 50 questions."), "min_items")
    return value


def save_competency(session, actor, competency: Competency | None,
                    data: CompetencyData) -> Competency:
    """Create (competency=None) or change a competency, including (de)activating it; never
    deletes. Refuses an unknown area, a missing name and a malformed or duplicate code."""
    code = clean_code(data.code, "COMM-LISTEN")
    name = clean_text(data.name, "name", 120, required=True)
    area = session.get(CompetencyArea, data.area_id) if data.area_id is not None else None
    if area is None:
        raise DomainError(_("Choose an area."), "area_id")
    values = {
        "area_id": area.id, "code": code, "name": name,
        "position": _check_position(data.position),
        "description": clean_text(data.description, "description", 2000),
        "active": bool(data.active),
        "min_items": _check_min_items(data.min_items),
    }
    translations = {
        "name": clean_text(data.name_zh, "name_zh", 120),
        "description": clean_text(data.description_zh, "description_zh", 2000),
    }
    if _code_taken(session, Competency, code, competency.id if competency else None):
        raise DomainError(
            _("A competency with the code %(code)s already exists.", code=code), "code"
        )
    created = competency is None
    if created:
        competency = Competency(translations={})
        session.add(competency)
    changes = _apply(competency, values, translations)
    session.flush()
    if created:
        action = "framework.competency_create"
    elif "active" in changes:
        action = ("framework.competency_activate" if competency.active
                  else "framework.competency_deactivate")
    else:
        action = "framework.competency_update"
    audit.record(actor, action, competency, changes=changes)
    return competency


def _level_values(data: LevelData) -> tuple[dict, dict]:
    return (
        {"name": clean_text(data.name, "name", 80, required=True),
         "description": clean_text(data.description, "description", 2000)},
        {"name": clean_text(data.name_zh, "name_zh", 80),
         "description": clean_text(data.description_zh, "description_zh", 2000)},
    )


def save_level(session, actor, level: ProficiencyLevel, data: LevelData) -> ProficiencyLevel:
    """Reword one step of the scale (its number never changes); refuses a missing name."""
    values, translations = _level_values(data)
    changes = _apply(level, values, translations)
    session.flush()
    audit.record(actor, "framework.level_update", level, changes=changes)
    return level


def add_level(session, actor, data: LevelData) -> ProficiencyLevel:
    """Add a step above the current top of the scale; refuses a scale of more than 10 steps."""
    values, translations = _level_values(data)
    top = session.scalar(select(func.max(ProficiencyLevel.level))) or 0
    if top >= MAX_LEVELS:
        raise DomainError(_("The scale has at most %(n)d levels.", n=MAX_LEVELS))
    level = ProficiencyLevel(level=top + 1, translations={})
    session.add(level)
    changes = _apply(level, values, translations)
    session.flush()
    audit.record(actor, "framework.level_add", level, changes=changes)
    return level


def remove_top_level(session, actor) -> int:
    """Remove the top step of the scale and return its number; refuses while the matrix
    requires that level anywhere, and keeps at least two levels."""
    levels = scale(session)
    if len(levels) <= MIN_LEVELS:
        raise DomainError(_("The scale needs at least %(n)d levels.", n=MIN_LEVELS))
    top = levels[-1]
    used = session.scalar(select(func.count()).select_from(MatrixRequirement)
                          .where(MatrixRequirement.required_level == top.level))
    if used:
        raise DomainError(ngettext(
            "Level %(level)s is still required in %(num)d cell of the competency matrix; "
            "lower that requirement first.",
            "Level %(level)s is still required in %(num)d cells of the competency matrix; "
            "lower those requirements first.", used, level=top.level))
    number = top.level
    audit.record(actor, "framework.level_remove", top, name=top.name)
    session.delete(top)
    session.flush()
    return number
