"""First sign-in e-mails and self-service reset links. Callers own the commit.

Both carry a one-time, expiring link made by the reset-link machinery
(`directory.password_link_token`) and go out as confidential e-mail: the outbox never shows the
link, and it is struck from the stored text once sent. Nobody but the person sees it.
"""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.core import audit, clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.core.i18n import in_language, language_of
from lms.core.urls import public_url
from lms.notifications.services import queue_email
from lms.people.models import Person, SignInSettings
from lms.people.services.directory import (
    PersonData,
    create_person,
    normalise_email,
    password_link_token,
)
from lms.system.services.organisation import name_in

FIRST_SIGN_IN_PATH = "/welcome/{token}"
RESET_PATH = "/reset/{token}"
# Self-service reset e-mails per person within RESET_REQUEST_WINDOW: enough for a lost mail,
# too few to flood someone's inbox.
RESET_REQUESTS_PER_PERSON = 3
RESET_REQUEST_WINDOW = timedelta(hours=1)


def sign_in_settings(session) -> SignInSettings:
    """The organisation's sign-in settings (the defaults when none were saved)."""
    found = session.scalar(select(SignInSettings).order_by(SignInSettings.id).limit(1))
    return found if found is not None else SignInSettings(local_passwords=True)


def password_allowed(session, person: Person) -> bool:
    """True when `person` may sign in with a password: local passwords are on, or they are an
    administrator (the break-glass account when everyone else signs in through the provider)."""
    return sign_in_settings(session).local_passwords or person.has_role("admin")


def set_local_passwords(session, actor: Person, enabled: bool) -> SignInSettings:
    """Turn password sign-in on or off for everyone but administrators; refuses to turn it off
    for an actor who is not an administrator (they would lock themselves out)."""
    if not actor.has_role("admin"):
        raise DomainError(_("Only an administrator can change how people sign in."))
    settings = session.scalar(select(SignInSettings).order_by(SignInSettings.id).limit(1))
    if settings is None:
        settings = SignInSettings()
        session.add(settings)
    if settings.local_passwords is not enabled:
        settings.local_passwords = enabled
        session.flush()
        audit.record(actor, "identity.local_passwords", settings, enabled=enabled)
    return settings


def send_first_sign_in(session, actor: Person | None, person: Person, secret_key: str,
                       max_age_seconds: int) -> None:
    """E-mail `person` the onboarding message: with local passwords on, a one-time link to
    set their password; off, how to sign in with the company account. Refuses deactivated
    people."""
    if not person.active:
        raise DomainError(_("Reactivate the account before sending the first sign-in e-mail."))
    with_link = password_allowed(session, person)
    link = public_url(FIRST_SIGN_IN_PATH.format(
        token=password_link_token(person, secret_key, "first-sign-in"))) if with_link else ""
    days = max(1, max_age_seconds // 86400)
    language = language_of(person)
    organisation = name_in(session, language)
    with in_language(language):
        subject = _("Welcome to %(organisation)s: your first sign-in",
                    organisation=organisation)
        if with_link:
            body = _("Hello %(name)s,\n\nAn account has been made for you (employee ID "
                     "%(employee_id)s). Choose your password with the link below; it works "
                     "once and expires in %(days)d days. Afterwards sign in with your e-mail "
                     "or employee ID.", name=person.name, employee_id=person.employee_id,
                     days=days)
        else:
            body = _("Hello %(name)s,\n\nAn account has been made for you (employee ID "
                     "%(employee_id)s). Sign in with your company account on the sign-in "
                     "page:", name=person.name, employee_id=person.employee_id)
            link = public_url("/login")
        queue_email(session, person.email, str(subject), str(body), link=link,
                    confidential=with_link)
    audit.record(actor, "person.send_first_sign_in", person)


def request_reset(session, email: str, secret_key: str, max_age_seconds: int) -> None:
    """Someone asked for a reset link for `email`. Mails the active person it names (when
    they may use a password and have not asked too often), and in every other case does
    nothing visible: the caller answers the same way whatever happened."""
    person = session.scalar(
        select(Person).where(func.lower(Person.email) == normalise_email(email)))
    if person is None or not person.active or not password_allowed(session, person):
        return
    # The audit trail is the count: every request mailed is one entry.
    asked = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "person.request_reset", AuditEntry.object_type == "Person",
        AuditEntry.object_id == str(person.id),
        AuditEntry.at >= clock.now() - RESET_REQUEST_WINDOW))
    if asked >= RESET_REQUESTS_PER_PERSON:
        audit.record(None, "person.reset_request_throttled", person)
        return
    link = public_url(RESET_PATH.format(token=password_link_token(person, secret_key)))
    hours = max(1, max_age_seconds // 3600)
    with in_language(language_of(person)):
        subject = _("Your password reset link")
        body = _("Hello %(name)s,\n\nSomeone (we hope you) asked to reset your password. The "
                 "link below works once and expires in %(hours)d hours. If it was not you, "
                 "ignore this e-mail: your password stays as it is.", name=person.name,
                 hours=hours)
        queue_email(session, person.email, str(subject), str(body), link=link,
                    confidential=True)
    audit.record(None, "person.request_reset", person)


def create_and_invite(session, actor: Person, data: PersonData, password: str | None,
                      secret_key: str, max_age_seconds: int) -> Person:
    """Add a person (`directory.create_person`); without an initial password they get the
    first sign-in e-mail."""
    person = create_person(session, actor, data, password)
    if password is None:
        send_first_sign_in(session, actor, person, secret_key, max_age_seconds)
    return person
