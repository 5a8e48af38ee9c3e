"""Scores and the agreement statistic, against hand-computed values."""

from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest

from assessments.roleplay.services import scoring
from assessments.roleplay.services.agreement import Agreement, quadratic_weighted_kappa
from lms.core.numbers import display_score


def test_kappa_perfect_agreement_is_one():
    assert quadratic_weighted_kappa([(0, 0), (1, 1), (2, 2), (3, 3)], 4) == 1


def test_kappa_hand_computed():
    # O·w = 1/2, E·w = 7/8 (worked by hand in the commit message): κ = 1 − 4/7 = 3/7.
    assert quadratic_weighted_kappa([(0, 0), (0, 1), (1, 1), (2, 1)], 3) == Fraction(3, 7)


def test_kappa_full_disagreement_is_minus_one():
    assert quadratic_weighted_kappa([(0, 2), (2, 0)], 3) == -1


def test_kappa_undefined_cases():
    assert quadratic_weighted_kappa([(1, 1), (1, 1)], 4) is None  # one category only
    assert quadratic_weighted_kappa([(1, 2)], 4) is None  # a single rating
    with pytest.raises(ValueError):
        quadratic_weighted_kappa([(0, 5), (1, 1)], 4)


def test_agreement_shares():
    figures = Agreement()
    figures.add(1, [(0, 0), (1, 2), (3, 1), (2, 2)], 4)
    assert figures.exact == Fraction(1, 2)
    assert figures.within_one == Fraction(3, 4)
    assert figures.count == 4


def _criterion(cid, weight, points, codes=()):
    levels = [SimpleNamespace(points=Decimal(p)) for p in points]
    return SimpleNamespace(id=cid, weight=Decimal(weight), levels=levels,
                           max_points=max(lv.points for lv in levels),
                           competency_codes=list(codes))


def test_weighted_score_is_exact_and_cut():
    a, b = _criterion(1, 2, [0, 1, 2, 3], ["X"]), _criterion(2, 1, [0, 1, 2, 3], ["X", "Y"])
    # (2·2/3 + 1·1/3) / 3 × 100 = 55.5555… → cut to 55.5555
    assert scoring.score_of([a, b], {1: a.levels[2], 2: b.levels[1]}) == Decimal("55.5555")
    assert scoring.competency_scores([a, b], {1: a.levels[2], 2: b.levels[1]}) == {
        "X": Decimal("55.5555"), "Y": Decimal("33.3333")}
    # An unrated (optional) criterion does not count.
    assert scoring.score_of([a, b], {1: a.levels[3]}) == Decimal(100)
    assert scoring.score_of([a, b], {}) is None


def test_display_rounds_once_half_up():
    assert display_score(Decimal("79.95")) == "80.0"
    assert display_score(None) == "–"
    assert scoring.level_for(Decimal("72"), 1, 5) == Decimal("3.88")
