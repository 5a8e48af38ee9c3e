"""Setting up a team's mystery-shopper programme and its shoppers. Callers own the commit."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.review360.mystery.defaults import install_mystery_defaults
from assessments.review360.mystery.models import MysteryProgramme, MysteryShopper
from lms.core import audit, policy
from lms.core.errors import DomainError, NotFound
from lms.core.i18n import LANGUAGE_NAMES
from lms.core.validation import clean_text
from lms.people.models import Team
from lms.people.services.directory import is_email, normalise_email

MAX_VISITS = 50
MAX_LINK_DAYS = 60


@dataclass(frozen=True)
class ProgrammeData:
    team_id: int
    visits_per_month: int
    link_days: int
    feeds_360: bool
    active: bool = True


def _check_may(actor) -> None:
    if not policy.may(actor, "mystery.manage"):
        raise NotFound(_("Only HR and administrators run mystery-shopper programmes."))


def save_programme(session, actor, programme: MysteryProgramme | None,
                   data: ProgrammeData) -> MysteryProgramme:
    """Create a team's programme (with the default checklist, installed where missing) or
    change one. Refuses an unknown team, a team that already has one, and counts out of
    range."""
    _check_may(actor)
    team = session.get(Team, data.team_id)
    if team is None or not team.active:
        raise DomainError(_("Choose an active team."), "team_id")
    if not 1 <= data.visits_per_month <= MAX_VISITS:
        raise DomainError(_("Between 1 and %(n)d visits a month.", n=MAX_VISITS),
                          "visits_per_month")
    if not 1 <= data.link_days <= MAX_LINK_DAYS:
        raise DomainError(_("A link lives between 1 and %(n)d days.", n=MAX_LINK_DAYS),
                          "link_days")
    other = session.scalar(select(MysteryProgramme).where(
        MysteryProgramme.team_id == team.id))
    if other is not None and other is not programme:
        raise DomainError(_("%(team)s already has a mystery-shopper programme.",
                            team=team.name), "team_id")
    created = programme is None
    if created:
        checklist, _kpi = install_mystery_defaults(session)
        programme = MysteryProgramme(checklist=checklist,
                                     created_by_id=actor.id if actor else None)
        session.add(programme)
    programme.team_id = team.id
    programme.visits_per_month = data.visits_per_month
    programme.link_days = data.link_days
    programme.feeds_360 = data.feeds_360
    programme.active = data.active
    session.flush()
    audit.record(actor, "mystery.programme_create" if created else "mystery.programme_update",
                 programme, team=team.name, visits_per_month=data.visits_per_month,
                 feeds_360=data.feeds_360)
    return programme


def add_shopper(session, actor, programme: MysteryProgramme, name: str, email: str,
                language: str) -> MysteryShopper:
    """Add an external shopper to the programme. Refuses a missing name, an invalid or
    repeated address and an unknown language."""
    _check_may(actor)
    name = clean_text(name, "name", 200, required=True)
    if not is_email(email or ""):
        raise DomainError(_("Enter a valid e-mail address."), "email")
    email = normalise_email(email)
    if language not in LANGUAGE_NAMES:
        raise DomainError(_("Choose a language."), "language")
    if any(s.email == email for s in programme.shoppers):
        raise DomainError(_("This shopper is already in the programme."), "email")
    shopper = MysteryShopper(name=name, email=email, language=language)
    programme.shoppers.append(shopper)
    session.flush()
    audit.record(actor, "mystery.shopper_add", programme, shopper_id=shopper.id)
    return shopper
