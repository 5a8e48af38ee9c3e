"""The HR table's optional columns and each reader's choice of them, kept per person (so the
choice follows them to every browser). The employee ID, name, team and path statuses are
always shown: they are what a row is about."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core.errors import DomainError
from lms.people.services.preferences import preference, set_preference

PREFERENCE = "reports.hidden_columns"

# key -> label, in the table's order.
OPTIONAL_COLUMNS = {
    "manager": _l("Manager"),
    "tier": _l("Tier"),
    "issued": _l("Issued"),
    "expires": _l("Expires"),
    "composite": _l("Composite score"),
    "hire_date": _l("Hire date"),
    "overdue": _l("Overdue training"),
    "review360": _l("Latest 360 score"),
    "hours": _l("Training hours this year"),
    "kpis": _l("KPIs, last 3 periods"),
}


# Hidden until a reader asks for them: a KPI list makes every row eight lines tall.
HIDDEN_BY_DEFAULT = ["kpis"]


def shown_columns(session, person_id: int) -> list[str]:
    """The optional columns the person shows (all but HIDDEN_BY_DEFAULT until they choose);
    keys no longer offered are ignored."""
    hidden = set(preference(session, person_id, PREFERENCE, HIDDEN_BY_DEFAULT) or [])
    return [key for key in OPTIONAL_COLUMNS if key not in hidden]


def choose_columns(session, person_id: int, shown: list[str]) -> None:
    """Keep the person's choice of optional columns; refuses unknown keys (a tampered form)."""
    unknown = set(shown) - set(OPTIONAL_COLUMNS)
    if unknown:
        raise DomainError(_("Unknown column: %(keys)s", keys=", ".join(sorted(unknown))))
    set_preference(session, person_id, PREFERENCE,
                   [key for key in OPTIONAL_COLUMNS if key not in shown])
