"""Who may take an assessment: a tier, and holding (or holding and due to renew) a path's
certificate. Assessment kinds state their rule with `Eligibility` and ask `refusal` before
anyone starts; certificates live in a higher layer, so that package registers how to read a
person's certificate (`register_certificate_reader`) instead of being imported here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

CERTIFICATE_RULES = ("", "held", "expiring")


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

    @property
    def open_to_all(self) -> bool:
        return self.tier_id is None and not (self.certificate_path_id and self.certificate_rule)


_reader: Callable[..., Holding | None] | None = None


def register_certificate_reader(reader: Callable[..., Holding | None]) -> None:
    """reader(session, person_id, path_id, today) -> Holding | None (None: never held)."""
    global _reader
    _reader = reader


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
    return None
