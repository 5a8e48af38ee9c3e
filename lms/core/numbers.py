"""Numbers as people read them: the one rounding rule.

Scores, weights and levels are stored exact; they are rounded once, when shown, half up
(79.95 shows as 80.0, 79.94 as 79.9). The rules compare the exact value, so 79.995 shows as
80.0 but does not pass an 80 mark. A value goes through its decimal text first, so a float
rounds as it reads (0.15 shows as 0.2), never by its binary approximation.
"""

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext, ngettext

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


def _tenths_text(value) -> str:
    """Half up to tenths, without a trailing ".0" ("80", "86.7")."""
    text = str(half_up(value))
    return text[:-2] if text.endswith(".0") else text


def display_percent(value, missing: str = "–") -> str:
    """A score as every page shows it: "86.7 %", "80 %" (the one format; in Chinese "86.7%");
    `missing` when there is none."""
    if value is None:
        return missing
    return gettext("%(value)s %%", value=_tenths_text(value))


def display_points(value, missing: str = "–") -> str:
    """Points as words: "1 point", "2.5 points"."""
    if value is None:
        return missing
    text = _tenths_text(value)
    return ngettext("%(points)s point", "%(points)s points", 1 if text == "1" else 2,
                    points=text)
