"""Scales with meaning: what a rubric's levels evidence, and whether a pass mark fits them.

Every rubric level says which competency level (1–5) it evidences and how many points it
scores. A scenario expects, on each criterion, EXPECTED_LEVEL (3, "meets") or the level its
path's matrix requires for that criterion's competencies when that is higher; the criterion's
"expected" rubric level is its lowest level evidencing at least that.

A pass mark fits the rubric when
- an agent rated at the expected level on every criterion passes, and
- an agent rated at the lowest level on every criterion does not.
Saving a scenario's pass mark or rubric, or a rubric's criteria, where either fails asks the
author to confirm (`NeedsConfirmation`), with a sentence saying what a pass needs.

What a pass needs, in words: the lowest uniform competency level whose levels pass ("at least
'Solid' on every criterion"); when raising a few criteria from the uniform level below already
passes, those are named ("at least 'Solid' on every other criterion and 'Excellent' on
Accuracy"), chosen greedily by the points each raise adds (heaviest first on a tie).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from assessments.roleplay.services.scoring import score_of
from lms.core.errors import DomainError

EXPECTED_LEVEL = 3  # "meets" on the 1–5 proficiency scale
LOW, HIGH = 1, 5


class NeedsConfirmation(DomainError):
    """The change is allowed but surprising: the author confirms it, having read why."""


def default_competency_level(position: int, count: int) -> int:
    """The competency level a rubric level evidences when its author has not said: the
    levels spread evenly over 1–5 (four levels: 1, 2, 4, 5; three: 1, 3, 5)."""
    if count <= 1:
        return HIGH
    return int(Decimal(LOW) + Decimal(position) * (HIGH - LOW) / (count - 1)
               + Decimal("0.5"))


def evidenced_level(level) -> int:
    """The competency level a rubric level evidences (its own, else the default)."""
    if level.competency_level is not None:
        return level.competency_level
    levels = level.criterion.levels
    return default_competency_level(levels.index(level), len(levels))


def expected_choice(criterion, expected: int):
    """The criterion's lowest level evidencing at least `expected` (its best, if none)."""
    for level in criterion.levels:
        if evidenced_level(level) >= expected:
            return level
    return criterion.levels[-1]


@dataclass
class PassCheck:
    pass_mark: Decimal
    expected_score: Decimal
    lowest_score: Decimal
    expected_passes: bool
    lowest_passes: bool
    sentence: str
    expected_names: list[str] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        return self.expected_passes and not self.lowest_passes

    def problems(self) -> list[str]:
        """Each way the pass mark misfits the rubric, in words."""
        found = []
        if not self.expected_passes:
            found.append(_(
                "An agent rated at the expected level on every criterion (%(levels)s) scores "
                "%(score)s, below the pass mark %(mark)s: they would fail.",
                levels=", ".join(f"“{name}”" for name in self.expected_names),
                score=_show(self.expected_score), mark=_show(self.pass_mark)))
        if self.lowest_passes:
            found.append(_(
                "An agent rated at the lowest level on every criterion scores %(score)s, "
                "which passes the mark %(mark)s.",
                score=_show(self.lowest_score), mark=_show(self.pass_mark)))
        return found


def _show(value: Decimal) -> str:
    from lms.core.numbers import display_score

    return display_score(value)


def _score(criteria, chosen: dict) -> Decimal:
    return score_of(criteria, chosen) or Decimal(0)


def _names(level) -> str:
    return level.tr("title") if hasattr(level, "tr") else level.title


def pass_needs(criteria, pass_mark: Decimal) -> str:
    """What a pass needs, in words (see the module docstring)."""
    criteria = [c for c in criteria if c.levels]
    if not criteria:
        return _("The rubric has no criteria yet.")
    mark = _show(pass_mark)
    lowest = {c.id: c.levels[0] for c in criteria}
    if _score(criteria, lowest) >= pass_mark:
        return _("Any rating passes (mark %(mark)s): even the lowest level on every criterion.",
                 mark=mark)
    below = lowest
    for target in range(LOW, HIGH + 1):
        uniform = {c.id: expected_choice(c, target) for c in criteria}
        if _score(criteria, uniform) >= pass_mark:
            break
        below = uniform
    else:
        return _("No rating passes the mark %(mark)s.", mark=mark)
    chosen = dict(below)
    while _score(criteria, chosen) < pass_mark:
        moves = []
        for c in criteria:
            if chosen[c.id] is not uniform[c.id]:
                step = {**chosen, c.id: uniform[c.id]}
                gain = _score(criteria, step) - _score(criteria, chosen)
                moves.append((gain, c.weight, -c.position, c))
        *_rest, criterion = max(moves, key=lambda m: m[:3])
        chosen[criterion.id] = uniform[criterion.id]
    counts: dict[str, int] = {}
    for c in criteria:
        counts[_names(chosen[c.id])] = counts.get(_names(chosen[c.id]), 0) + 1
    common = max(counts, key=lambda name: (counts[name], -min(
        c.levels.index(chosen[c.id]) for c in criteria if _names(chosen[c.id]) == name)))
    others = [c for c in criteria if _names(chosen[c.id]) != common]
    if not others:
        return _("A pass (mark %(mark)s) needs at least “%(level)s” on every criterion.",
                 mark=mark, level=common)
    extras = "; ".join(_("“%(level)s” on %(criterion)s", level=_names(chosen[c.id]),
                         criterion=c.tr("title") if hasattr(c, "tr") else c.title)
                       for c in others)
    return _("A pass (mark %(mark)s) needs at least “%(level)s” on every other criterion "
             "and %(extras)s.", mark=mark, level=common, extras=extras)


def required_levels(session, path_id: int | None, criteria) -> dict[int, int]:
    """{criterion id: the competency level expected on it}: EXPECTED_LEVEL, or the highest
    level the path's matrix requires of the criterion's competencies when that is more (a
    tier asking only 2 of its new hires does not make "partly" the pass standard)."""
    codes = {code for c in criteria for code in c.competency_codes}
    by_code: dict[str, int] = {}
    if path_id is not None and codes:
        from lms.competencies.models import Competency, MatrixRequirement

        by_code = dict(session.execute(
            select(Competency.code, func.max(MatrixRequirement.required_level))
            .join(MatrixRequirement, MatrixRequirement.competency_id == Competency.id)
            .where(MatrixRequirement.path_id == path_id, Competency.code.in_(codes))
            .group_by(Competency.code)).all())
    return {c.id: max([EXPECTED_LEVEL, *(by_code[code] for code in c.competency_codes
                                         if code in by_code)]) for c in criteria}


def check(session, criteria, pass_mark: Decimal, path_id: int | None = None) -> PassCheck:
    """How `pass_mark` fits the rubric `criteria` (a version's) for a scenario on `path_id`."""
    criteria = [c for c in criteria if c.levels]
    expected_of = required_levels(session, path_id, criteria)
    expected = {c.id: expected_choice(c, expected_of[c.id]) for c in criteria}
    lowest = {c.id: c.levels[0] for c in criteria}
    expected_score, lowest_score = _score(criteria, expected), _score(criteria, lowest)
    return PassCheck(
        pass_mark=Decimal(pass_mark), expected_score=expected_score, lowest_score=lowest_score,
        expected_passes=bool(criteria) and expected_score >= pass_mark,
        lowest_passes=bool(criteria) and lowest_score >= pass_mark,
        sentence=pass_needs(criteria, Decimal(pass_mark)),
        expected_names=list(dict.fromkeys(_names(level) for level in expected.values())))


def confirm_or_refuse(result: PassCheck, confirmed: bool, subject: str = "") -> None:
    """Raise NeedsConfirmation (field "confirm") unless the pass mark fits or the author
    confirmed."""
    if result.fits or confirmed:
        return
    prefix = f"{subject}: " if subject else ""
    raise NeedsConfirmation(prefix + " ".join(
        [*result.problems(), result.sentence,
         _("Tick “Save anyway” to keep this combination.")]), "confirm")
