"""Who may see, evaluate, approve, manage and configure certificates."""

from certificates.services.settings import approver_path_ids
from lms.people.policy import may_view_person


def _may_certificates(actor, action: str, obj) -> bool:
    """Certificate actions. certificates.services.standing (obj: Person) and certificates.view (obj:
    Certificate): whoever may view the person (self, mentor, manager line, HR, admins).
    certificates.manage (revoke, reinstate, correct names, batches): HR and admins.
    certificates.approve (obj: AwardApproval, or None for the queue): HR and admins, and a
    path's named approver for that path. certificates.configure (rules settings, design):
    admins."""
    if action in ("certificates.standing", "certificates.evaluate"):
        return obj is not None and may_view_person(actor, obj)
    if action == "certificates.view":
        return obj is not None and may_view_person(actor, obj.person)
    if action == "certificates.manage":
        return actor.has_role("admin", "hr")
    if action == "certificates.configure":
        return actor.has_role("admin")
    if action == "certificates.approve":
        if actor.has_role("admin", "hr"):
            return True
        if not actor.has_role("manager"):  # named approvers are HR, managers or admins
            return False
        paths = approver_path_ids(actor)
        return bool(paths) if obj is None else obj.path_id in paths
    return False


# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    ((
        "certificates.standing", "certificates.evaluate", "certificates.view",
        "certificates.manage", "certificates.configure", "certificates.approve",
    ), _may_certificates),
)
