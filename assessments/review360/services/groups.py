"""Rater groups: labels, who is identified, which groups rate which subjects."""

from flask_babel import lazy_gettext as _l

from assessments.review360.models import ANONYMOUS_GROUPS, GROUPS

GROUP_LABELS = {
    "self": _l("Self"),
    "manager": _l("Manager"),
    "peer": _l("Peers"),
    "direct_report": _l("Direct reports"),
    "customer": _l("Customers and mystery shoppers"),
}
AGENT_GROUPS = ("self", "manager", "peer", "customer")
# For managers the direct reports take the customers' place (the domain brief).
MANAGER_GROUPS = ("self", "manager", "peer", "direct_report")
# Groups raters are nominated into (self and manager follow from the subject).
NOMINATED_GROUPS = ("peer", "direct_report", "customer")
EXTERNAL_GROUPS = frozenset({"customer"})


def groups_for(rated_as_manager: bool) -> tuple[str, ...]:
    """The groups that rate a subject: agents by customers, managers by direct reports."""
    return MANAGER_GROUPS if rated_as_manager else AGENT_GROUPS


def is_anonymous(group: str) -> bool:
    return group in ANONYMOUS_GROUPS


def label(group: str) -> str:
    return str(GROUP_LABELS.get(group, group))


__all__ = ["GROUPS", "GROUP_LABELS", "AGENT_GROUPS", "MANAGER_GROUPS", "NOMINATED_GROUPS",
           "EXTERNAL_GROUPS", "groups_for", "is_anonymous", "label"]
