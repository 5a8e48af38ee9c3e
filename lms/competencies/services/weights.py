"""The evidence weights screen: what each evidence kind weighs in the competency profile, and
an admin's audited change of it (with a reason). The change itself is
`evidence.set_kind_weight`, which rewrites the kind's rows and recomputes the stored levels of
every cell they touch in the same transaction (`check-derived` proves nothing drifted).
"""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.competencies.models import Evidence, EvidenceKindWeight
from lms.competencies.services.evidence import DEFAULT_KIND_WEIGHTS, kind_weight, set_kind_weight
from lms.core import audit
from lms.core.errors import DomainError
from lms.core.kinds import registered_kinds
from lms.core.validation import clean_text

# Evidence kinds that are not assessment kinds of the registry, by their source kind.
OTHER_LABELS = {"quiz_check": _l("Knowledge check (a lesson's quiz)"),
                "kpi": _l("Service KPIs")}
REASON_MAX = 500


@dataclass(frozen=True)
class KindWeight:
    source_kind: str
    label: str
    weight: Decimal
    default: Decimal
    rows: int  # evidence rows of the kind


def _label(source_kind: str) -> str:
    kind = registered_kinds().get(source_kind)
    if kind is not None:
        return str(kind.label)
    return str(OTHER_LABELS.get(source_kind, source_kind))


def kind_weights(session) -> list[KindWeight]:
    """Every evidence kind the profile may meet (the registry's, the defaults, those with a
    stored weight or with evidence), with its weight, default and row count, by label."""
    rows = dict(session.execute(select(Evidence.source_kind, func.count())
                                .group_by(Evidence.source_kind)).all())
    keys = {*registered_kinds(), *DEFAULT_KIND_WEIGHTS, *OTHER_LABELS, *rows,
            *session.scalars(select(EvidenceKindWeight.source_kind))}
    found = [KindWeight(key, _label(key), kind_weight(session, key),
                        DEFAULT_KIND_WEIGHTS.get(key, Decimal(1)), rows.get(key, 0))
             for key in keys]
    return sorted(found, key=lambda k: (k.label.casefold(), k.source_kind))


def change_kind_weight(session, actor, source_kind: str, weight: Decimal | None,
                       reason: str) -> int:
    """Set an evidence kind's weight (0–100) with a reason, audited; the stored levels it
    touches are recomputed. Refuses an unknown kind, a weight out of range and no reason.
    Returns the competency cells recomputed."""
    if source_kind not in {k.source_kind for k in kind_weights(session)}:
        raise DomainError(_("Unknown evidence kind."), "source_kind")
    if weight is None or not Decimal(0) <= weight <= Decimal(100):
        raise DomainError(_("The weight is between 0 and 100."), "weight")
    reason = clean_text(reason, "reason", REASON_MAX, required=True)
    previous = kind_weight(session, source_kind)
    cells = set_kind_weight(session, source_kind, weight)
    audit.record(actor, "framework.evidence_weight", session.get(EvidenceKindWeight,
                                                                  source_kind),
                 reason=reason, kind=source_kind, weight=str(weight),
                 previous=str(previous), cells=cells)
    return cells
