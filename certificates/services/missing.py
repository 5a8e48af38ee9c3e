"""The wording of missing items, chosen when read so it follows the reader's language.

Evaluations store what is missing as {"code": …, "params": {…}}; names of paths, courses,
assessment slots and competencies are stored in English and Chinese (params "x" and "x_zh").
"""


from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import ngettext

from lms.core.i18n import current_language
from lms.core.numbers import display_percent


def _name(params: dict, key: str) -> str:
    if current_language().startswith("zh") and params.get(f"{key}_zh"):
        return params[f"{key}_zh"]
    return str(params.get(key, ""))


def _score(value) -> str:
    # The one score format ("79.9 %"), half up; the rule compared the exact value.
    return display_percent(value)


def describe(item: dict) -> str:
    """One missing item in the current language ("Product knowledge 3/4 required")."""
    code, params = item.get("code"), item.get("params") or {}
    if code == "course":
        return _("Course not completed: %(course)s", course=_name(params, "course"))
    if code == "unavailable":
        return _("%(slot)s: no result yet", slot=_name(params, "slot"))
    if code == "kind_missing":
        return _("%(slot)s not available (this assessment is not installed)",
                 slot=_name(params, "slot"))
    if code == "below":
        return _("%(slot)s %(score)s, %(mark)s required", slot=_name(params, "slot"),
                 score=_score(params["score"]), mark=_score(params["mark"]))
    if code == "too_early":
        return _("%(slot)s was taken before the recertification window opened on %(since)s: "
                 "take it again", slot=_name(params, "slot"), since=params.get("since", ""))
    if code == "composite_below":
        return _("Composite score %(score)s, %(mark)s required",
                 score=_score(params["score"]), mark=_score(params["mark"]))
    if code == "level":
        return _("%(competency)s %(level)s/%(required)s required",
                 competency=_name(params, "competency"), level=params.get("level", 0),
                 required=params.get("required", 0))
    if code == "kpi":
        return _kpi(params)
    if code == "prerequisite":
        return _("A valid %(path)s certificate is required", path=_name(params, "path"))
    return str(code)


def _kpi(params: dict) -> str:
    """"CSAT ≥ 90 % for 3 months in a row (held 1)"."""
    target = f"{_name(params, 'kpi')} {params.get('op', '≥')} " \
             f"{_plain(params.get('threshold', '0'))} {params.get('unit', '')}".strip()
    num, held = int(params.get("periods", 1)), int(params.get("held", 0))
    if params.get("period") == "week":
        return ngettext("%(target)s for %(num)d week in a row (held %(held)d)",
                        "%(target)s for %(num)d weeks in a row (held %(held)d)", num,
                        target=target, held=held)
    if params.get("period") == "quarter":
        return ngettext("%(target)s for %(num)d quarter in a row (held %(held)d)",
                        "%(target)s for %(num)d quarters in a row (held %(held)d)", num,
                        target=target, held=held)
    return ngettext("%(target)s for %(num)d month in a row (held %(held)d)",
                    "%(target)s for %(num)d months in a row (held %(held)d)", num,
                    target=target, held=held)


def _plain(value) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def describe_all(items) -> tuple[str, ...]:
    return tuple(describe(item) for item in items or ())
