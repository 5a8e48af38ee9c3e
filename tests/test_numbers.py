"""The one display-rounding rule (lms.core.numbers), which every page, PDF and export uses."""

from decimal import Decimal

import pytest

from lms.core.numbers import HUNDREDTHS, WHOLE, display_score, half_up


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("79.95"), "80.0"), (Decimal("79.995"), "80.0"), (Decimal("79.94"), "79.9"),
    (Decimal("66.6666"), "66.7"), (80, "80.0"), ("12.25", "12.3"), (0.15, "0.2"),
    (Decimal("-0.05"), "-0.1"), (Decimal("100"), "100.0"),
])
def test_scores_show_half_up_to_one_decimal(value, shown):
    assert display_score(value) == shown


def test_a_missing_score_shows_the_placeholder_asked_for():
    assert display_score(None) == "–"
    assert display_score(None, missing="") == ""


def test_other_places():
    assert half_up(Decimal("2.5"), WHOLE) == Decimal(3)
    assert half_up(Decimal("3.49"), WHOLE) == Decimal(3)
    assert half_up(Decimal("33.335"), HUNDREDTHS) == Decimal("33.34")
