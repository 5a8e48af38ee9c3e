"""People and teams: the state-changing operations. Callers own the commit."""

import re
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from lms.core import audit
from lms.core.errors import DomainError
from lms.core.i18n import ZH
from lms.core.policy import may
from lms.core.validation import clean_text
from lms.people.models import ROLES, Person, PersonRole, Team
from lms.people.policy import visible_people_filter
from lms.people.signals import tier_changed

MIN_PASSWORD_LENGTH = 10


@dataclass
class PersonData:
    """The editable fields of a person, as plain values (already parsed)."""

    employee_id: str
    name: str
    email: str
    team_id: int | None = None
    manager_id: int | None = None
    mentor_id: int | None = None
    hire_date: date | None = None
    tier_id: int | None = None
    roles: tuple[str, ...] = ("agent",)
    locale: str | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_email(text: str) -> bool:
    """The same rule as the person form: email-validator's syntax check, no DNS look-up."""
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _check_person_data(session, data: PersonData, person: Person | None) -> None:
    """Refuse duplicates, unknown references and manager loops, naming the field."""
    own_id = person.id if person else None
    if not data.employee_id.strip():
        raise DomainError(_("Employee ID is required."), "employee_id")
    if not data.name.strip():
        raise DomainError(_("Name is required."), "name")
    taken = session.scalar(
        select(Person.id).where(Person.employee_id == data.employee_id.strip())
    )
    if taken is not None and taken != own_id:
        raise DomainError(
            _("Employee ID %(id)s is already in use.", id=data.employee_id), "employee_id"
        )
    if not is_email(normalise_email(data.email)):
        raise DomainError(_("%(email)s is not an email address.", email=data.email), "email")
    taken = session.scalar(
        select(Person.id).where(func.lower(Person.email) == normalise_email(data.email))
    )
    if taken is not None and taken != own_id:
        raise DomainError(_("Email %(email)s is already in use.", email=data.email), "email")
    if not data.roles:
        raise DomainError(_("Choose at least one role."), "roles")
    if set(data.roles) - set(ROLES):
        raise DomainError(_("Unknown role."), "roles")
    if data.team_id is not None:
        team = session.get(Team, data.team_id)
        if team is None or not team.active:
            raise DomainError(_("Unknown or inactive team."), "team_id")
    for field in ("manager_id", "mentor_id"):
        other_id = getattr(data, field)
        if other_id is None:
            continue
        other = session.get(Person, other_id)
        if other is None or not other.active:
            raise DomainError(_("Unknown or inactive person."), field)
        if other_id == own_id:
            raise DomainError(_("A person cannot be their own manager or mentor."), field)
    if person is not None and data.manager_id is not None:
        if _manages_indirectly(session, person.id, data.manager_id):
            raise DomainError(
                _("That would make a loop: the chosen manager reports to this person."),
                "manager_id",
            )
    if data.tier_id is not None:
        from lms.paths.models import CertificationPath

        if session.get(CertificationPath, data.tier_id) is None:
            raise DomainError(_("Unknown tier."), "tier_id")


def _manages_indirectly(session, person_id: int, candidate_manager_id: int) -> bool:
    """True when `person_id` sits above `candidate_manager_id` in the reporting line."""
    seen: set[int] = set()
    current = session.get(Person, candidate_manager_id)
    while current is not None and current.manager_id is not None:
        if current.manager_id == person_id:
            return True
        if current.manager_id in seen:
            return True
        seen.add(current.manager_id)
        current = session.get(Person, current.manager_id)
    return False


def apply_person_data(person: Person, data: PersonData) -> None:
    """Copy already-checked fields onto `person` (no validation: callers check first)."""
    person.employee_id = data.employee_id.strip()
    person.name = data.name.strip()
    person.email = normalise_email(data.email)
    person.team_id = data.team_id
    person.manager_id = data.manager_id
    person.mentor_id = data.mentor_id
    person.hire_date = data.hire_date
    person.tier_id = data.tier_id
    person.locale = data.locale
    person.set_roles(set(data.roles))


def check_role_grant(actor: Person | None, new_roles: set[str], old_roles: set[str]) -> None:
    """HR may manage agents, mentors and managers; only administrators grant or remove the HR
    and administrator roles (no actor: the command line and the demo seed, which may)."""
    if actor is None:
        return
    if (new_roles ^ old_roles) & {"hr", "admin"} and not may(actor, "people.set_roles"):
        raise DomainError(_("Only an administrator can grant or remove the HR and "
                            "administrator roles."), "roles")


def create_person(session, actor: Person | None, data: PersonData, password: str | None = None):
    """Add a person; refuses a role the actor may not grant, duplicates, unknown references
    and weak passwords."""
    check_role_grant(actor, set(data.roles), set())
    _check_person_data(session, data, None)
    person = Person()
    apply_person_data(person, data)
    if password is not None:
        _check_password_strength(password)
        person.set_password(password)
    session.add(person)
    session.flush()
    audit.record(actor, "person.create", person, employee_id=person.employee_id)
    if person.tier_id is not None:
        tier_changed.send(session, actor=actor, people=[person])
    return person


def update_person(session, actor: Person, person: Person, data: PersonData) -> Person:
    """Change a person's details and roles; refuses what create_person refuses, and loops."""
    check_role_grant(actor, set(data.roles), set(person.roles))
    _check_person_data(session, data, person)
    before = {"roles": sorted(person.roles), "manager_id": person.manager_id}
    tier_before = person.tier_id
    apply_person_data(person, data)
    session.flush()
    audit.record(
        actor, "person.update", person, before=before,
        after={"roles": sorted(person.roles), "manager_id": person.manager_id},
    )
    if person.tier_id is not None and person.tier_id != tier_before:
        tier_changed.send(session, actor=actor, people=[person])
    return person


def set_active(session, actor: Person, person: Person, active: bool, reason: str = "") -> None:
    """Deactivate (ends every session; never deletes) or reactivate a person; only an
    administrator may do either to an HR or administrator account."""
    if person.has_role("admin", "hr"):
        check_role_grant(actor, set(), {"admin"})
    if not active and actor.id == person.id:
        raise DomainError(_("You cannot deactivate your own account."))
    if person.active == active:
        return
    person.active = active
    person.session_version += 1
    session.flush()
    audit.record(actor, "person.activate" if active else "person.deactivate", person, reason)


def _check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("Passwords need at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), "new_password"
        )


def change_password(session, person: Person, current: str, new: str) -> None:
    """Change one's own password; ends every other session of the person."""
    if not person.check_password(current):
        raise DomainError(_("The current password is not correct."), "current_password")
    set_password(session, person, new)
    audit.record(person, "person.change_password", person)


def set_password(session, person: Person, new: str) -> None:
    """Set a new password and end all existing sessions."""
    _check_password_strength(new)
    person.set_password(new)
    person.session_version += 1
    session.flush()


def set_locale(session, person: Person, locale: str | None) -> None:
    """Remember the person's interface language (None: the browser's choice)."""
    person.locale = locale
    session.flush()


def end_sessions(session, person: Person) -> None:
    """Invalidate every session cookie the person has (used on logout)."""
    person.session_version += 1
    session.flush()


# Password links: reset links (issued by an admin or asked for by the person) and first
# sign-in links (sent with the onboarding e-mail). The token carries the session version, which
# setting a password bumps, so a link works once; it also expires. The purpose is the salt, so
# a reset link is no first sign-in link and the other way round.
LINK_PURPOSES = ("password-reset", "first-sign-in")


def _serializer(secret_key: str, purpose: str = "password-reset") -> URLSafeTimedSerializer:
    if purpose not in LINK_PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return URLSafeTimedSerializer(secret_key, salt=purpose)


def password_link_token(person: Person, secret_key: str, purpose: str = "password-reset") -> str:
    """A signed, expiring, one-time token for `person` (no checks, no audit: callers do both)."""
    return _serializer(secret_key, purpose).dumps({"id": person.id, "v": person.session_version})


def issue_reset_token(session, actor: Person, person: Person, secret_key: str) -> str:
    """A signed, expiring, one-time password-reset token for `person`."""
    if not person.active:
        raise DomainError(_("Reactivate the account before issuing a reset link."))
    audit.record(actor, "person.issue_reset_link", person)
    return password_link_token(person, secret_key)


def person_for_reset_token(session, token: str, secret_key: str, max_age: int,
                           purpose: str = "password-reset") -> Person:
    """The person a valid reset (or first sign-in) token names; refuses expired, used or
    tampered tokens."""
    try:
        payload = _serializer(secret_key, purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(
            _("This link has expired. Ask for a new one on the sign-in page "
              "(Forgot your password?) or from HR.")
        ) from None
    except BadSignature:
        raise DomainError(_("This reset link is not valid.")) from None
    person = session.get(Person, payload.get("id"))
    if person is None or not person.active or person.session_version != payload.get("v"):
        raise DomainError(_("This reset link has already been used or is no longer valid."))
    return person


# Teams


def save_team(session, actor: Person, team: Team | None, name: str, description: str,
              parent_id: int | None, active: bool | None = None,
              name_zh: str | None = None) -> Team:
    """Create (team=None) or rename a team (`name_zh`: its Chinese name; None keeps it), and
    (de)activate it when `active` says otherwise; refuses duplicate names and parent loops."""
    name = name.strip()
    if not name:
        raise DomainError(_("Name is required."), "name")
    clash = session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower()))
    if clash is not None and (team is None or clash != team.id):
        raise DomainError(_("A team named %(name)s already exists.", name=name), "name")
    if parent_id is not None:
        parent = session.get(Team, parent_id)
        if parent is None:
            raise DomainError(_("Unknown team."), "parent_id")
        node = parent
        while node is not None:
            if team is not None and node.id == team.id:
                raise DomainError(_("A team cannot sit inside itself."), "parent_id")
            node = node.parent
    created = team is None
    team = team or Team()
    team.name, team.description, team.parent_id = name, description.strip(), parent_id
    if team.translations is None:
        team.translations = {}
    if name_zh is not None:
        team.set_translation(ZH, "name", clean_text(name_zh, "name_zh", 120))
    session.add(team)
    session.flush()
    audit.record(actor, "team.create" if created else "team.update", team, name=name)
    if active is not None and team.active != active:
        set_team_active(session, actor, team, active)
    return team


def people_query(actor: Person, text: str = "", team_id: int | None = None,
                 include_inactive: bool = False) -> Select:
    """A statement for the people `actor` may see whose name, e-mail or employee ID contains
    `text`, in team `team_id` if given, by name, with team, manager and tier loaded."""
    stmt = select(Person).where(visible_people_filter(actor))
    if text:
        like = f"%{text.lower()}%"
        stmt = stmt.where(or_(func.lower(Person.name).like(like),
                              func.lower(Person.email).like(like),
                              func.lower(Person.employee_id).like(like)))
    if team_id:
        stmt = stmt.where(Person.team_id == team_id)
    if not include_inactive:
        stmt = stmt.where(Person.active.is_(True))
    return stmt.order_by(Person.name).options(
        joinedload(Person.team), joinedload(Person.manager), joinedload(Person.tier))


def teams_with_headcount(session) -> list[tuple[Team, int]]:
    """Every team, by name, with how many active people it holds."""
    return list(session.execute(
        select(Team, func.count(Person.id))
        .outerjoin(Person, (Person.team_id == Team.id) & Person.active.is_(True))
        .group_by(Team.id).order_by(Team.name)
    ).all())


def mentees(session, mentor: Person) -> list[Person]:
    """The active people `mentor` mentors, by name."""
    return list(session.scalars(select(Person).where(
        Person.mentor_id == mentor.id, Person.active.is_(True)).order_by(Person.name)))


def direct_reports(session, manager: Person) -> list[Person]:
    """The active people who report to `manager` directly, by name."""
    return list(session.scalars(select(Person).where(
        Person.manager_id == manager.id, Person.active.is_(True)).order_by(Person.name)))


def headcount(session) -> tuple[int, int]:
    """(active people, active teams)."""
    people = session.scalar(select(func.count()).where(Person.active.is_(True)))
    teams = session.scalar(select(func.count()).select_from(Team).where(Team.active.is_(True)))
    return people, teams


def set_team_active(session, actor: Person, team: Team, active: bool) -> None:
    """Deactivate or reactivate a team; its people keep their history."""
    team.active = active
    session.flush()
    audit.record(actor, "team.activate" if active else "team.deactivate", team)


# Choosing a person by name or employee ID (the manager and mentor pickers)

# Who may be picked for each picker: a manager line runs to managers, HR or admins.
PICKABLE = {"manager_id": ("manager", "admin", "hr"), "mentor_id": ("mentor",)}
SUGGESTIONS = 20
_EMPLOYEE_ID_AT_END = re.compile(r"\(([^()]+)\)\s*$")


def _pickable(roles: tuple[str, ...], exclude_id: int | None) -> Select:
    stmt = select(Person).where(Person.active.is_(True), Person.role_rows.any(
        PersonRole.role.in_(roles)))
    return stmt.where(Person.id != exclude_id) if exclude_id else stmt


def suggest_people(session, text: str, roles: tuple[str, ...],
                   exclude_id: int | None = None) -> list[Person]:
    """Up to SUGGESTIONS active people with one of `roles` whose name or employee ID
    contains `text` (case ignored), by name."""
    like = f"%{text.strip().lower()[:100]}%"
    return list(session.scalars(_pickable(roles, exclude_id).where(or_(
        func.lower(Person.name).like(like), func.lower(Person.employee_id).like(like)))
        .order_by(Person.name).limit(SUGGESTIONS)))


def pick_person(session, text: str, roles: tuple[str, ...],
                exclude_id: int | None = None) -> Person | None:
    """The one active person with one of `roles` that `text` names: "Name (E0011)" or
    "E0011" by employee ID, else an exact name that only one such person has."""
    found = _EMPLOYEE_ID_AT_END.search(text)
    key = (found.group(1) if found else text).strip()
    person = session.scalar(_pickable(roles, exclude_id).where(
        func.lower(Person.employee_id) == key.lower()))
    if person is not None:
        return person
    named = session.scalars(_pickable(roles, exclude_id).where(Person.name == text.strip())
                            .limit(2)).all()
    return named[0] if len(named) == 1 else None
