"""Who may take an assessment: a tier, a stage of a path, and holding (or holding and due to
renew) a path's certificate. Assessment kinds state their rule with `Eligibility` and ask
`refusal` before anyone starts; certificates and courses live in higher layers, so those
packages register how to read a person's certificate (`register_certificate_reader`) and
whether they finished a path's training (`register_training_reader`) instead of being
imported here.

A person's stage of a path (STAGES), whatever their tier:
- "training": the path's required courses are not all completed, and no valid certificate;
- "assessment": its required courses are completed, and no valid certificate yet.
A holder of a valid certificate is at neither stage (the certificate rules speak of them), so
an initial exam "for the assessment stage" is not retaken by people already certified.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core.errors import DomainError

CERTIFICATE_RULES = ("", "held", "expiring")
STAGES = ("", "training", "assessment")
# For the editors' selects, in STAGES order.
STAGE_LABELS = (("", _l("— any stage —")),
                ("training", _l("in training (required courses not all completed)")),
                ("assessment", _l("at the assessment stage (required courses completed, "
                                  "not yet certified)")))


@dataclass(frozen=True)
class Holding:
    """A person's certificate of a path as eligibility reads it."""

    valid: bool                 # held and not expired today
    expires_on: date | None
    renew_from: date | None     # the first day of its recertification window


@dataclass(frozen=True)
class Eligibility:
    """An assessment's rule: the tier (a path id) people must be on, and a path whose
    certificate they must hold ("held") or hold inside its recertification window
    ("expiring"). Nothing set: everyone who may see it."""

    tier_id: int | None = None
    tier_name: str = ""
    certificate_path_id: int | None = None
    certificate_path_name: str = ""
    certificate_rule: str = ""
    stage_path_id: int | None = None
    stage_path_name: str = ""
    stage: str = ""

    @property
    def open_to_all(self) -> bool:
        return self.tier_id is None and not (self.certificate_path_id and self.certificate_rule) \
            and not (self.stage_path_id and self.stage)


_reader: Callable[..., Holding | None] | None = None
_training_reader: Callable[..., bool] | None = None


def register_certificate_reader(reader: Callable[..., Holding | None]) -> None:
    """reader(session, person_id, path_id, today) -> Holding | None (None: never held)."""
    global _reader
    _reader = reader


def register_training_reader(reader: Callable[..., bool]) -> None:
    """reader(session, person_id, path_id) -> True when the person completed every required
    course of the path."""
    global _training_reader
    _training_reader = reader


def training_done(session, person_id: int, path_id: int) -> bool:
    """True when the person completed the path's required courses (True without a reader:
    nothing to complete)."""
    return _training_reader(session, person_id, path_id) if _training_reader else True


def stage_of(session, person_id: int, path_id: int, today: date) -> str:
    """The person's stage of the path (see the module docstring); "certified" for a holder of
    a valid certificate."""
    held = holding(session, person_id, path_id, today)
    if held is not None and held.valid:
        return "certified"
    return "assessment" if training_done(session, person_id, path_id) else "training"


def holding(session, person_id: int, path_id: int, today: date) -> Holding | None:
    """The person's certificate of the path (None without one, or without a reader)."""
    return _reader(session, person_id, path_id, today) if _reader is not None else None


def describe(rule: Eligibility) -> str:
    """Who may take it, in words."""
    if rule.open_to_all:
        return _("Everyone who can see it.")
    parts = []
    if rule.tier_id is not None:
        parts.append(_("people on the %(tier)s tier", tier=rule.tier_name))
    if rule.certificate_path_id and rule.certificate_rule == "held":
        parts.append(_("holders of a valid %(path)s certificate",
                       path=rule.certificate_path_name))
    elif rule.certificate_path_id and rule.certificate_rule == "expiring":
        parts.append(_("holders of a %(path)s certificate inside its recertification window",
                       path=rule.certificate_path_name))
    if rule.stage_path_id and rule.stage == "training":
        parts.append(_("people still in training on the %(path)s path (its required courses "
                       "not all completed, not certified)", path=rule.stage_path_name))
    elif rule.stage_path_id and rule.stage == "assessment":
        parts.append(_("people at the assessment stage of the %(path)s path (its required "
                       "courses completed, not yet certified)", path=rule.stage_path_name))
    return _("Only %(who)s.", who=_(" and ").join(parts))


def refusal(session, person, rule: Eligibility, today: date) -> str | None:
    """Why `person` may not take an assessment with `rule` (a sentence), or None."""
    if rule.tier_id is not None and person.tier_id != rule.tier_id:
        return _("This is for people on the %(tier)s tier; your profile has another tier. "
                 "Ask HR if that is wrong.", tier=rule.tier_name)
    if rule.certificate_path_id and rule.certificate_rule:
        held = holding(session, person.id, rule.certificate_path_id, today)
        if held is None or not held.valid:
            return _("This is for holders of a valid %(path)s certificate, and you hold none.",
                     path=rule.certificate_path_name)
        if rule.certificate_rule == "expiring" and held.renew_from and today < held.renew_from:
            return _("Your %(path)s certificate is valid until %(until)s: you may take this "
                     "from %(from)s, when its recertification window opens.",
                     path=rule.certificate_path_name, until=held.expires_on.isoformat(),
                     **{"from": held.renew_from.isoformat()})
    if rule.stage_path_id and rule.stage:
        return _stage_refusal(session, person, rule, today)
    return None


def _stage_refusal(session, person, rule: Eligibility, today: date) -> str | None:
    stage = stage_of(session, person.id, rule.stage_path_id, today)
    if stage == rule.stage:
        return None
    if stage == "certified":
        return _("This is for people working towards the %(path)s certificate, and you already "
                 "hold a valid one.", path=rule.stage_path_name)
    if rule.stage == "assessment":
        return _("This is for people who have completed the required courses of the %(path)s "
                 "path; finish them first (My path lists them).", path=rule.stage_path_name)
    return _("This is for people still in training on the %(path)s path, and you have "
             "completed its required courses.", path=rule.stage_path_name)


def check_rule(certificate_path_id: int | None, certificate_rule: str,
               stage_path_id: int | None, stage: str, prefix: str = "") -> None:
    """Refuse an incomplete or unknown rule (DomainError on the form's field): a certificate
    rule needs its path and the path its rule, and likewise a stage."""
    if certificate_rule not in CERTIFICATE_RULES or \
            bool(certificate_rule) != bool(certificate_path_id):
        raise DomainError(_("Choose both the path and whether its certificate must be held or "
                            "due for renewal."), f"{prefix}certificate_rule")
    if stage not in STAGES or bool(stage) != bool(stage_path_id):
        raise DomainError(_("Choose both the path and the stage of it people must be at."),
                          f"{prefix}stage")
