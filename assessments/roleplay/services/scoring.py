"""The numbers of a role-play grade, exactly.

- A criterion earns its level's points out of its best level's points (a fraction 0–1).
- The score is Σ weight × fraction / Σ weight × 100 over the rated criteria, kept exact and cut
  (not rounded) to 4 decimals. It passes when score ≥ the scenario's pass mark, compared
  exactly (79.995 shows as "80.0" but does not pass an 80 mark); display rounds half up once.
- Per competency: the same weighted mean over the criteria tagged with it.
- Evidence level = low + score / 100 × (high − low) on the proficiency scale, cut to 2 places
  (as the quiz does).
"""

from decimal import ROUND_DOWN, Decimal

SCORE_PLACES = Decimal("0.0001")
LEVEL_PLACES = Decimal("0.01")


def cut(value: Decimal) -> Decimal:
    return value.quantize(SCORE_PLACES, rounding=ROUND_DOWN)


def cut_level(value: Decimal) -> Decimal:
    return value.quantize(LEVEL_PLACES, rounding=ROUND_DOWN)


def criterion_fraction(criterion, level) -> Decimal:
    best = criterion.max_points
    return Decimal(level.points) / best if best > 0 else Decimal(0)


def weighted_score(rated: list[tuple[Decimal, Decimal]]) -> Decimal | None:
    """(weight, fraction) pairs → the weighted score 0–100 (None when nothing is rated)."""
    total = sum((w for w, _f in rated), Decimal(0))
    if total <= 0:
        return None
    return cut(sum((w * f for w, f in rated), Decimal(0)) * 100 / total)


def score_of(criteria, levels_by_criterion: dict[int, object]) -> Decimal | None:
    """The score of a set of ratings ({criterion id: level}) on `criteria`."""
    return weighted_score([(c.weight, criterion_fraction(c, levels_by_criterion[c.id]))
                           for c in criteria if levels_by_criterion.get(c.id) is not None])


def competency_scores(criteria, levels_by_criterion: dict[int, object]) -> dict[str, Decimal]:
    """{competency code: score 0–100} from the rated criteria tagged with each code."""
    pairs: dict[str, list[tuple[Decimal, Decimal]]] = {}
    for criterion in criteria:
        level = levels_by_criterion.get(criterion.id)
        if level is None:
            continue
        fraction = criterion_fraction(criterion, level)
        for code in criterion.competency_codes:
            pairs.setdefault(code, []).append((criterion.weight, fraction))
    return {code: weighted_score(found) for code, found in pairs.items()}


def level_for(score: Decimal, low: int, high: int) -> Decimal:
    """A 0–100 score on the proficiency scale low…high, cut to 2 decimals."""
    return (Decimal(low) + score / 100 * (high - low)).quantize(LEVEL_PLACES, rounding=ROUND_DOWN)
