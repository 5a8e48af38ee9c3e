"""Who a provider's verified claims name: the linked account, else the person with that
employee ID (linked now: never by e-mail alone), else a new person when the provider allows
just-in-time provisioning, placed by the mapping. Callers own the commit."""

from flask_babel import gettext as _
from sqlalchemy import select

from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.identity.models import ExternalIdentity, IdentityProvider
from lms.identity.services.errors import SignInRefused
from lms.people.models import Person
from lms.people.services.directory import PersonData, create_person


def _refused(reason: str, message: str) -> DomainError:
    return SignInRefused(reason, message)


def placement(provider: IdentityProvider, claims: dict) -> dict:
    """{team_id, tier_id, roles} for a new person: the first mapping rule whose claim holds
    its value (a claim may be a list, as group claims are), over the provider's defaults."""
    placed = {"team_id": provider.default_team_id, "tier_id": provider.default_tier_id,
              "roles": ["agent"]}
    for rule in provider.mapping or []:
        value = claims.get(rule.get("claim"))
        values = value if isinstance(value, list) else [value]
        if rule.get("value") in [str(v) for v in values if v is not None]:
            for key in ("team_id", "tier_id", "roles"):
                if rule.get(key):
                    placed[key] = rule[key]
            break
    return placed


def person_for_claims(session, provider: IdentityProvider, claims: dict) -> Person:
    """The active person the claims name (linking or creating as the provider allows);
    refuses a deactivated person, a missing employee ID, an unknown one without
    provisioning, and an account already linked to another identity of this provider."""
    subject = str(claims["sub"])
    link = session.scalar(select(ExternalIdentity).where(
        ExternalIdentity.provider_id == provider.id, ExternalIdentity.subject == subject))
    if link is not None:
        person = link.person
    else:
        employee_id = str(claims.get(provider.employee_id_claim) or "").strip()
        if not employee_id:
            raise _refused("no_employee_id", _(
                "%(name)s did not send your employee ID (the %(claim)s claim), so your account "
                "cannot be found. Ask your administrator.", name=provider.name,
                claim=provider.employee_id_claim))
        person = session.scalar(select(Person).where(Person.employee_id == employee_id))
        if person is None:
            person = _provision(session, provider, claims, employee_id)
        elif not person.active:
            raise _deactivated()
        elif session.scalar(select(ExternalIdentity.id).where(
                ExternalIdentity.provider_id == provider.id,
                ExternalIdentity.person_id == person.id)) is not None:
            raise _refused("linked_elsewhere", _(
                "The account with employee ID %(id)s is already linked to another %(name)s "
                "identity. Ask your administrator.", id=employee_id, name=provider.name))
        link = ExternalIdentity(provider_id=provider.id, subject=subject, person=person,
                                linked_at=clock.now())
        session.add(link)
        session.flush()
        audit.record(None, "identity.link", person, provider=provider.key, subject=subject)
    if not person.active:
        raise _deactivated()
    link.last_sign_in_at = clock.now()
    session.flush()
    return person


def _deactivated() -> DomainError:
    return _refused("deactivated", _("Your account is deactivated, so you cannot sign in. "
                                     "If this is a mistake, ask HR."))


def _provision(session, provider: IdentityProvider, claims: dict, employee_id: str) -> Person:
    if not provider.provisioning:
        raise _refused("unknown_employee", _(
            "There is no account with employee ID %(id)s yet. Ask HR to add you; then sign "
            "in again.", id=employee_id))
    placed = placement(provider, claims)
    email = str(claims.get("email") or "")
    name = str(claims.get("name") or " ".join(
        str(claims.get(part) or "") for part in ("given_name", "family_name")).strip()
        or employee_id)
    try:
        person = create_person(session, None, PersonData(
            employee_id=employee_id, name=name, email=email, team_id=placed["team_id"],
            tier_id=placed["tier_id"], roles=tuple(placed["roles"]),
            locale=claims.get("locale") if claims.get("locale") in ("en", "zh_Hans_CN") else None,
        ))
    except DomainError as error:
        raise _refused("provisioning_refused", _(
            "Your account could not be created: %(reason)s Ask HR.", reason=error.message)
        ) from None
    audit.record(None, "identity.provision", person, provider=provider.key,
                 employee_id=employee_id)
    return person
