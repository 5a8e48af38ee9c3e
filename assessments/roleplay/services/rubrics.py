"""The rubric library: rubrics, their criteria and levels, versions, and CSV import/export.

Editing a rubric whose current version already has grades makes a new version (copying the
criteria, then applying the edit); past grades keep the version they used, and submissions not
graded yet move to the new one. Without grades the current version is edited in place.

CSV (one row per level; a header row; the criterion's columns may be left blank on its further
rows): criterion, description, weight, required (yes/no), competencies (codes separated by ";"),
level, points, descriptor, competency_level (1–5, optional: spread evenly when blank). Import is
all-or-nothing and reports every problem by line.

Criteria changes and imports check the pass mark of every scenario using the rubric against
the new scale (assessments.roleplay.services.passmarks) and ask for confirmation when it no
longer fits (`confirmed=False`, as the authoring screens call them).
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import exists, select

from assessments.roleplay.models import (
    Criterion,
    CriterionLevel,
    Grade,
    Rubric,
    RubricVersion,
    Scenario,
    Submission,
)
from assessments.roleplay.services import passmarks
from assessments.roleplay.services.passmarks import (
    HIGH,
    LOW,
    confirm_or_refuse,
    default_competency_level,
    evidenced_level,
)
from lms.competencies.models import Competency
from lms.core import audit
from lms.core.errors import DomainError
from lms.core.spreadsheet import read_cell, safe_row
from lms.core.uploads import UploadProblem, csv_records, read_text
from lms.core.validation import clean_text

CSV_COLUMNS = ("criterion", "description", "weight", "required", "competencies", "level",
               "points", "descriptor", "competency_level")
TITLE_MAX = 200
TEXT_MAX = 5000
MAX_LEVELS = 8
CSV_MAX_BYTES = 512 * 1024


@dataclass
class LevelData:
    title: str
    points: Decimal
    descriptor: str = ""
    competency_level: int | None = None  # None: spread evenly over 1–5


@dataclass
class CriterionData:
    title: str
    weight: Decimal = Decimal(1)
    required: bool = True
    description: str = ""
    competency_codes: list[str] = field(default_factory=list)
    levels: list[LevelData] = field(default_factory=list)


def check_criterion(session, data: CriterionData) -> CriterionData:
    """The criterion cleaned; refuses an empty title, a weight ≤ 0, fewer than two levels,
    negative points, repeated level names or points, and unknown competency codes."""
    data.title = clean_text(data.title, "title", TITLE_MAX, required=True)
    data.description = clean_text(data.description, "description", TEXT_MAX)
    if data.weight is None or not Decimal(0) < data.weight <= Decimal(1000):
        raise DomainError(_("The weight is a number above 0 (at most 1000)."), "weight")
    levels = [lv for lv in data.levels if (lv.title or "").strip() or lv.points is not None]
    if len(levels) < 2:
        raise DomainError(_("A criterion needs at least two levels."), "levels")
    if len(levels) > MAX_LEVELS:
        raise DomainError(_("A criterion has at most %(n)d levels.", n=MAX_LEVELS), "levels")
    for level in levels:
        level.title = clean_text(level.title, "levels", 120)
        level.descriptor = clean_text(level.descriptor, "levels", TEXT_MAX)
        if not level.title:
            raise DomainError(_("Every level needs a name."), "levels")
        if level.points is None or not Decimal(0) <= level.points <= Decimal(1000):
            raise DomainError(_("Level points are between 0 and 1000."), "levels")
    if len({lv.title.casefold() for lv in levels}) != len(levels):
        raise DomainError(_("Two levels have the same name."), "levels")
    if len({lv.points for lv in levels}) != len(levels):
        raise DomainError(_("Two levels have the same points."), "levels")
    if max(lv.points for lv in levels) <= 0:
        raise DomainError(_("The best level must be worth more than 0 points."), "levels")
    data.levels = sorted(levels, key=lambda lv: lv.points)
    for position, level in enumerate(data.levels):
        if level.competency_level is None:
            level.competency_level = default_competency_level(position, len(data.levels))
        if not LOW <= level.competency_level <= HIGH:
            raise DomainError(_("The competency level a rubric level evidences is 1 to 5."),
                              "levels")
    evidenced = [lv.competency_level for lv in data.levels]
    if evidenced != sorted(evidenced):
        raise DomainError(_("A level worth more points cannot evidence a lower competency "
                            "level."), "levels")
    codes = [c.strip().upper() for c in data.competency_codes if c.strip()]
    known = set(session.scalars(select(Competency.code).where(Competency.code.in_(codes))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise DomainError(_("Unknown competency codes: %(codes)s.", codes=", ".join(unknown)),
                          "competency_codes")
    data.competency_codes = list(dict.fromkeys(codes))
    return data


def in_use(session, version: RubricVersion) -> bool:
    """True once any grade (draft or released) uses this version."""
    return bool(session.scalar(select(exists().where(Grade.rubric_version_id == version.id))))


def _fill(criterion: Criterion, data: CriterionData) -> None:
    criterion.title, criterion.description = data.title, data.description
    criterion.weight, criterion.required = data.weight, data.required
    criterion.competency_codes = list(data.competency_codes)
    criterion.levels = [CriterionLevel(position=i, title=lv.title, descriptor=lv.descriptor,
                                       points=lv.points, competency_level=lv.competency_level)
                        for i, lv in enumerate(data.levels)]


def criterion_data(criterion: Criterion) -> CriterionData:
    """A criterion as plain data (for forms, copies and export)."""
    return CriterionData(
        title=criterion.title, weight=criterion.weight, required=criterion.required,
        description=criterion.description, competency_codes=list(criterion.competency_codes),
        levels=[LevelData(lv.title, lv.points, lv.descriptor, evidenced_level(lv))
                for lv in criterion.levels])


def create_rubric(session, actor, title: str, description: str = "",
                  criteria: list[CriterionData] = ()) -> Rubric:
    """A new rubric (version 1). Refuses an empty or taken title."""
    title = clean_text(title, "title", TITLE_MAX, required=True)
    if session.scalar(select(Rubric.id).where(Rubric.title == title)) is not None:
        raise DomainError(_("A rubric with this title already exists."), "title")
    rubric = Rubric(title=title, description=clean_text(description, "description", TEXT_MAX))
    version = RubricVersion(number=1, created_by_id=actor.id if actor else None)
    rubric.versions.append(version)
    for position, data in enumerate(criteria):
        criterion = Criterion(position=position)
        _fill(criterion, check_criterion(session, data))
        version.criteria.append(criterion)
    session.add(rubric)
    session.flush()
    audit.record(actor, "roleplay.rubric_create", rubric, title=title)
    return rubric


def editable_version(session, actor, rubric: Rubric) -> RubricVersion:
    """The version an edit applies to: the current one, or a fresh copy when it is in use."""
    current = rubric.current
    if not in_use(session, current):
        return current
    copy = RubricVersion(number=current.number + 1, created_by_id=actor.id if actor else None)
    for criterion in current.criteria:
        new = Criterion(position=criterion.position)
        _fill(new, criterion_data(criterion))
        # The other languages' texts follow (criterion, and levels by position).
        new.translations = dict(criterion.translations or {})
        for level, old in zip(new.levels, criterion.levels, strict=False):
            level.translations = dict(old.translations or {})
        copy.criteria.append(new)
    rubric.versions.append(copy)
    session.flush()
    # Submissions nobody has started grading follow the rubric to its new version.
    graded = select(Grade.submission_id).where(Grade.rubric_version_id == current.id)
    for submission in session.scalars(select(Submission).where(
            Submission.rubric_version_id == current.id, Submission.id.not_in(graded))):
        submission.rubric_version_id = copy.id
    session.flush()
    audit.record(actor, "roleplay.rubric_new_version", rubric, number=copy.number)
    return copy


def rename_rubric(session, actor, rubric: Rubric, title: str, description: str) -> None:
    """Change the title and description (not versioned: they are not part of any grade)."""
    title = clean_text(title, "title", TITLE_MAX, required=True)
    taken = session.scalar(select(Rubric.id).where(Rubric.title == title, Rubric.id != rubric.id))
    if taken is not None:
        raise DomainError(_("A rubric with this title already exists."), "title")
    rubric.title, rubric.description = title, clean_text(description, "description", TEXT_MAX)
    session.flush()
    audit.record(actor, "roleplay.rubric_edit", rubric, title=title)


def _by_position(version: RubricVersion, position: int) -> Criterion:
    for criterion in version.criteria:
        if criterion.position == position:
            return criterion
    raise DomainError(_("This criterion is no longer in the rubric."))


def check_scenarios(session, rubric: Rubric, confirmed: bool = True) -> None:
    """Ask for confirmation (NeedsConfirmation) when the rubric's current version no longer
    fits the pass mark of a scenario using it, unless `confirmed`."""
    if confirmed:
        return
    session.flush()
    for scenario in session.scalars(select(Scenario).where(Scenario.rubric_id == rubric.id)
                                    .order_by(Scenario.id)):
        confirm_or_refuse(passmarks.check(session, rubric.current.criteria, scenario.pass_mark,
                                          scenario.path_id),
                          False, scenario.display_title())


def save_criterion(session, actor, rubric: Rubric, position: int | None,
                   data: CriterionData, confirmed: bool = True) -> Criterion:
    """Add a criterion (position None) or replace the one at `position` of the current
    version; versioned as the module says. Asks for confirmation when a scenario's pass mark
    no longer fits (unless `confirmed`)."""
    data = check_criterion(session, data)
    version = editable_version(session, actor, rubric)
    if position is None:
        criterion = Criterion(position=len(version.criteria))
        version.criteria.append(criterion)
    else:
        criterion = _by_position(version, position)
    _fill(criterion, data)
    session.flush()
    check_scenarios(session, rubric, confirmed)
    audit.record(actor, "roleplay.criterion_save", rubric, version=version.number,
                 criterion=data.title)
    return criterion


def delete_criterion(session, actor, rubric: Rubric, position: int,
                     confirmed: bool = True) -> None:
    """Remove a criterion (versioned); refuses to leave the rubric without criteria. Asks for
    confirmation when a scenario's pass mark no longer fits (unless `confirmed`)."""
    version = editable_version(session, actor, rubric)
    criterion = _by_position(version, position)
    if len(version.criteria) == 1:
        raise DomainError(_("A rubric needs at least one criterion."))
    version.criteria.remove(criterion)
    for index, other in enumerate(version.criteria):
        other.position = index
    session.flush()
    check_scenarios(session, rubric, confirmed)
    audit.record(actor, "roleplay.criterion_delete", rubric, version=version.number,
                 criterion=criterion.title)


def move_criterion(session, actor, rubric: Rubric, position: int, offset: int,
                   confirmed: bool = True) -> None:
    """Move a criterion up (-1) or down (+1). Scores do not depend on the order, so this asks
    for confirmation (unless `confirmed`) only where a pass mark already misfits the rubric
    (the author sees the sentence before changing it again)."""
    version = editable_version(session, actor, rubric)
    items = list(version.criteria)
    index = next(i for i, c in enumerate(items) if c.position == position)
    target = index + offset
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for i, criterion in enumerate(items):
        criterion.position = -1 - i  # avoid transient duplicates
    session.flush()
    for i, criterion in enumerate(items):
        criterion.position = i
    session.flush()
    check_scenarios(session, rubric, confirmed)
    audit.record(actor, "roleplay.criterion_move", rubric, criterion=items[target].title)


# CSV


@dataclass
class CsvProblem:
    line: int
    message: str


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_csv(session, raw: bytes) -> tuple[list[CriterionData], list[CsvProblem]]:
    """Criteria from a rubric CSV, and every problem with its line number (nothing is
    saved here)."""
    try:
        header, records = csv_records(read_text(raw, CSV_MAX_BYTES))
    except UploadProblem as problem:
        return [], [CsvProblem(problem.line, problem.problem)]
    missing = [c for c in ("criterion", "level", "points") if c not in header]
    if missing:
        return [], [CsvProblem(1, _("Missing columns: %(cols)s.", cols=", ".join(missing)))]
    criteria: list[tuple[int, CriterionData]] = []
    problems: list[CsvProblem] = []
    try:
        rows = [(record.line, record.values) for record in records]
    except UploadProblem as problem:
        return [], [CsvProblem(problem.line, problem.problem)]
    for line, row in rows:
        row = {k: read_cell((v or "").strip()) for k, v in row.items() if k}
        if not any(row.values()):
            continue
        title = row.get("criterion", "")
        if title and (not criteria or criteria[-1][1].title != title):
            weight = _decimal(row.get("weight") or "1")
            if weight is None:
                problems.append(CsvProblem(line, _("The weight is not a number.")))
                weight = Decimal(1)
            required = (row.get("required") or "yes").lower()
            if required not in ("yes", "no", "y", "n", "true", "false", "1", "0", "是", "否"):
                problems.append(CsvProblem(line, _("Required is yes or no.")))
            criteria.append((line, CriterionData(
                title=title, weight=weight, description=row.get("description", ""),
                required=required in ("yes", "y", "true", "1", "是"),
                competency_codes=[c for c in row.get("competencies", "").split(";") if c])))
        elif not criteria:
            problems.append(CsvProblem(line, _("The first row must name its criterion.")))
            continue
        points = _decimal(row.get("points", ""))
        if points is None:
            problems.append(CsvProblem(line, _("The points are not a number.")))
            continue
        evidenced = (row.get("competency_level") or "").strip()
        if evidenced and not evidenced.isdigit():
            problems.append(CsvProblem(line, _("The competency level is a whole number 1–5.")))
            continue
        criteria[-1][1].levels.append(LevelData(row.get("level", ""), points,
                                                row.get("descriptor", ""),
                                                int(evidenced) if evidenced else None))
    if not criteria and not problems:
        problems.append(CsvProblem(0, _("The file has no criteria.")))
    for line, data in criteria:
        try:
            check_criterion(session, data)
        except DomainError as error:
            problems.append(CsvProblem(line, f"{data.title}: {error.message}"))
    problems.sort(key=lambda p: p.line)
    return [data for _line, data in criteria], problems


def import_csv(session, actor, rubric: Rubric | None, raw: bytes,
               title: str = "", confirmed: bool = True) -> Rubric:
    """Replace a rubric's criteria from CSV (versioned), or create a rubric titled `title`.
    Refuses the whole file on any problem; the message lists them by line."""
    criteria, problems = parse_csv(session, raw)
    if problems:
        raise DomainError("; ".join(
            (_("line %(n)d: %(message)s", n=p.line, message=p.message) if p.line else p.message)
            for p in problems), "file")
    if rubric is None:
        return create_rubric(session, actor, title, criteria=criteria)
    version = editable_version(session, actor, rubric)
    version.criteria = []
    session.flush()
    for position, data in enumerate(criteria):
        criterion = Criterion(position=position)
        _fill(criterion, data)
        version.criteria.append(criterion)
    session.flush()
    check_scenarios(session, rubric, confirmed)
    audit.record(actor, "roleplay.rubric_import", rubric, version=version.number,
                 criteria=len(criteria))
    return rubric


def export_csv(version: RubricVersion) -> str:
    """The version as CSV in the import format (one row per level), formula-safe (a text
    starting with = + - @ is written behind an apostrophe, which the import drops)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for criterion in version.criteria:
        for level in criterion.levels:
            writer.writerow(safe_row([
                criterion.title, criterion.description, f"{criterion.weight:f}",
                "yes" if criterion.required else "no", ";".join(criterion.competency_codes),
                level.title, f"{level.points.normalize():f}", level.descriptor,
                str(evidenced_level(level))]))
    return out.getvalue()
