"""Who a cycle evaluates and who may rate in it (lms.core.eligibility).

A cycle holds two rules: one for its subjects (checked when HR adds people) and one for the
colleagues nominated as peers (checked when they are nominated and again when they answer, as
a tier or a certificate may change in between). The self-assessment and the manager belong to
every subject, direct reports to every manager, and customers have no account: the rater rule
is about peers only, who are the raters a subject chooses.
"""

from datetime import date

from flask_babel import gettext as _

from assessments.review360.models import Cycle
from lms.core.eligibility import Eligibility, check_rule, describe, refusal
from lms.core.errors import DomainError
from lms.paths.models import CertificationPath

WHO = ("subject", "rater")
FIELDS = ("tier_id", "certificate_path_id", "certificate_rule", "stage_path_id", "stage")
# The cycle's columns are "<who>_<column>" (shorter names: constraint names stay under
# PostgreSQL's 63 characters).
COLUMN = {"certificate_path_id": "cert_path_id", "certificate_rule": "cert_rule"}
# The group the rater rule applies to (see the module docstring).
RULED_GROUPS = ("peer",)


def check_rules(rules: dict) -> None:
    """Refuse an incomplete rule on either side (the field is prefixed "subject_"/"rater_")."""
    for who in WHO:
        check_rule(rules.get(f"{who}_certificate_path_id") or None,
                   rules.get(f"{who}_certificate_rule") or "",
                   rules.get(f"{who}_stage_path_id") or None, rules.get(f"{who}_stage") or "",
                   prefix=f"{who}_")


def apply_rules(cycle: Cycle, rules: dict) -> None:
    """Copy the posted rules onto the cycle (blank text for an unset rule or stage)."""
    for who in WHO:
        for name in FIELDS:
            value = rules.get(f"{who}_{name}")
            text = name in ("certificate_rule", "stage")
            setattr(cycle, f"{who}_{COLUMN.get(name, name)}", (value or "") if text else value)


def _name(session, path_id: int | None) -> str:
    path = session.get(CertificationPath, path_id) if path_id else None
    return path.tr("name") if path is not None else ""


def cycle_rule(session, cycle: Cycle, who: str) -> Eligibility:
    """The cycle's rule for its subjects ("subject") or its peers ("rater")."""
    def get(name):
        return getattr(cycle, f"{who}_{COLUMN.get(name, name)}")

    return Eligibility(
        tier_id=get("tier_id"), tier_name=_name(session, get("tier_id")),
        certificate_path_id=get("certificate_path_id"),
        certificate_path_name=_name(session, get("certificate_path_id")),
        certificate_rule=get("certificate_rule") or "",
        stage_path_id=get("stage_path_id"), stage_path_name=_name(session, get("stage_path_id")),
        stage=get("stage") or "")


def describe_cycle(session, cycle: Cycle) -> dict[str, str]:
    """{"subject": who may be evaluated, "rater": who may be nominated as a peer}, in words."""
    return {who: describe(cycle_rule(session, cycle, who)) for who in WHO}


def refuse_subjects(session, cycle: Cycle, people, today: date) -> None:
    """Refuse (naming each) people the cycle's subject rule does not admit."""
    rule = cycle_rule(session, cycle, "subject")
    if rule.open_to_all:
        return
    refused = [p.name for p in people if refusal(session, p, rule, today)]
    if refused:
        raise DomainError(_("%(names)s cannot be evaluated in this cycle. %(who)s",
                            names=", ".join(refused), who=describe(rule)), "people")


def rater_refusal(session, cycle: Cycle, group: str, person, today: date,
                  own: bool = False) -> str | None:
    """Why `person` may not rate in `group` of the cycle (a sentence about them, or to them
    when `own`), or None."""
    if group not in RULED_GROUPS:
        return None
    rule = cycle_rule(session, cycle, "rater")
    if rule.open_to_all:
        return None
    reason = refusal(session, person, rule, today)
    if reason is None or own:
        return reason
    return _("%(name)s may not rate in this cycle. %(who)s", name=person.name,
             who=describe(rule))
