"""Numbers as people read them: the one rounding rule.

Scores, weights and levels are stored exact; they are rounded once, when shown, half up
(79.95 shows as 80.0, 79.94 as 79.9). The rules compare the exact value, so 79.995 shows as
80.0 but does not pass an 80 mark. A value goes through its decimal text first, so a float
rounds as it reads (0.15 shows as 0.2), never by its binary approximation.
"""

from decimal import ROUND_HALF_UP, Decimal

TENTHS = Decimal("0.1")
HUNDREDTHS = Decimal("0.01")
WHOLE = Decimal(1)


def half_up(value, places: Decimal = TENTHS) -> Decimal:
    """`value` (a Decimal, int, float or numeric text) rounded half up to `places`."""
    if type(value) is Decimal:  # exact already (its text would read back the same)
        return value.quantize(places, rounding=ROUND_HALF_UP)
    return Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP)


def display_score(value, missing: str = "–") -> str:
    """A score as shown: half up to one decimal ("80.0"); `missing` when there is none."""
    if value is None:
        return missing
    return str(half_up(value))
