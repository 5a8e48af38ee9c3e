"""Nominations and invitations: the subject proposes peers (and customers), the manager
approves or changes them, HR may override at any point before the close. Approval invites
every rater: people through their notifications, external raters (customers, mystery
shoppers) by e-mail with a one-time link. Callers own the commit.

Links: a random token (`secrets.token_urlsafe`, 256 bits) whose SHA-256 hash alone is stored;
it expires `link_days` after sending (or after the opening day, if sent before it) and never
after the cycle's close, and it dies when its rater submits. Sending a new link replaces the
old one.
"""

import hashlib
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.review360.models import Rater, Subject
from assessments.review360.services import cycles, eligibility
from assessments.review360.services import groups as rater_groups
from lms.core import audit, clock, policy
from lms.core.errors import DomainError, NotFound
from lms.core.i18n import in_language, language_of
from lms.core.validation import clean_text
from lms.notifications.services import notify, queue_email
from lms.people.models import Person
from lms.people.services.directory import is_email, normalise_email


@dataclass(frozen=True)
class SentLink:
    rater: Rater
    token: str

    @property
    def path(self) -> str:
        return link_path(self.token)


def link_path(token: str) -> str:
    return f"/360/r/{token}"


def respond_path(rater: Rater) -> str:
    return f"/360/respond/{rater.id}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _open(subject: Subject) -> None:
    if subject.cycle.closed:
        raise DomainError(_("This cycle is closed; its results are final."))


def _check_may(actor, action: str, subject: Subject) -> None:
    if not policy.may(actor, action, subject):
        raise NotFound(_("You may not change these nominations."))


def propose(session, actor, subject: Subject, group: str, person_id: int | None = None,
            name: str = "", email: str = "") -> Rater:
    """Nominate a rater: a colleague (peers; direct reports for managers) or an external
    customer by name and e-mail. Refuses the subject themself, unknown or inactive people, a
    group that does not rate this subject, and someone already nominated. After approval the
    new rater is invited at once."""
    _open(subject)
    _check_may(actor, "review360.nominate", subject)
    allowed = set(rater_groups.groups_for(subject.rated_as_manager)) & set(
        rater_groups.NOMINATED_GROUPS)
    if group not in allowed:
        raise DomainError(_("That rater group does not rate this person."), "group")
    rater = Rater(group=group, state="proposed", proposed_by_id=actor.id if actor else None)
    if group in rater_groups.EXTERNAL_GROUPS:
        rater.external_name = clean_text(name, "name", 200, required=True)
        if not is_email(email or ""):
            raise DomainError(_("Enter a valid e-mail address."), "email")
        rater.external_email = normalise_email(email)
        if any(r.external_email == rater.external_email for r in subject.raters):
            raise DomainError(_("This customer is already nominated."), "email")
        domain = mail_domain(rater.external_email)
        if domain not in cycles.shared_domains(subject.cycle) and any(
                r.external and mail_domain(r.external_email) == domain for r in subject.raters):
            raise DomainError(_("There is already an external rater at %(domain)s. Choose "
                                "customers from different organisations (HR can allow a "
                                "domain many customers share).", domain=domain), "email")
        if may_confirm(actor, subject):
            # HR typing in an address from the customer records vouches for it.
            rater.confirmed_by_id, rater.confirmed_at = actor.id, clock.now()
    else:
        person = session.get(Person, person_id) if person_id else None
        if person is None or not person.active:
            raise DomainError(_("Choose an active colleague."), "person_id")
        if person.id == subject.person_id:
            raise DomainError(_("Nobody rates themself as a peer; the self-assessment is "
                                "already part of the cycle."), "person_id")
        if any(r.person_id == person.id for r in subject.raters):
            raise DomainError(_("%(name)s is already a rater for this person.",
                                name=person.name), "person_id")
        not_allowed = eligibility.rater_refusal(session, subject.cycle, group, person,
                                                clock.today())
        if not_allowed:
            raise DomainError(not_allowed, "person_id")
        rater.person_id = person.id
    subject.raters.append(rater)
    session.flush()
    audit.record(actor, "review360.rater_propose", subject, group=group, rater_id=rater.id)
    if subject.nomination_state == "approved":
        _invite(session, rater)
    return rater


def mail_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


def may_confirm(actor, subject: Subject, rater: Rater | None = None) -> bool:
    """True when `actor` can vouch for an external rater of `subject` (the policy's
    review360.confirm: nobody who will read the results, nor the rater's proposer)."""
    return policy.may(actor, "review360.confirm", rater if rater is not None else subject)


def confirm(session, actor, rater: Rater) -> None:
    """HR vouches for an external rater's address (checked against the customer records):
    their answer then counts towards the group's anonymity threshold like a colleague's.
    Refuses anyone `may_confirm` refuses, internal raters and a closed cycle."""
    subject = rater.subject
    _open(subject)
    if not may_confirm(actor, subject, rater):
        raise NotFound(_("Only HR confirms customers, and never ones they nominated or of "
                         "someone in their own reporting line."))
    if not rater.external:
        raise DomainError(_("Only external raters are confirmed."))
    if rater.confirmed_by_id is not None:
        return
    rater.confirmed_by_id, rater.confirmed_at = actor.id, clock.now()
    session.flush()
    audit.record(actor, "review360.rater_confirm", subject, rater_id=rater.id)


def withdraw(session, actor, rater: Rater) -> None:
    """Take a rater off the list (their link dies). Refuses self and manager raters and a
    rater who has already submitted."""
    subject = rater.subject
    _open(subject)
    _check_may(actor, "review360.nominate", subject)
    if rater.group not in rater_groups.NOMINATED_GROUPS:
        raise DomainError(_("The self-assessment and the manager's rating belong to every "
                            "cycle."))
    if rater.submitted:
        raise DomainError(_("This rater has already answered; the answer counts."))
    audit.record(actor, "review360.rater_withdraw", subject, group=rater.group,
                 rater_id=rater.id)
    subject.raters.remove(rater)
    session.flush()


def _counts(subject: Subject) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rater in subject.raters:
        counts[rater.group] = counts.get(rater.group, 0) + 1
    return counts


def missing_raters(subject: Subject) -> list[tuple[str, int, int]]:
    """(group, nominated, minimum) for each nominated group below the cycle's minimum."""
    counts = _counts(subject)
    short = []
    for group in rater_groups.groups_for(subject.rated_as_manager):
        if group not in rater_groups.NOMINATED_GROUPS:
            continue
        rule = subject.cycle.group(group)
        minimum = rule.min_raters if rule else 0
        if counts.get(group, 0) < minimum:
            short.append((group, counts.get(group, 0), minimum))
    return short


def submit(session, actor, subject: Subject) -> None:
    """The subject sends their nominations to their manager; refuses fewer raters than the
    cycle's minimum for a group."""
    _open(subject)
    if actor is None or actor.id != subject.person_id:
        raise NotFound(_("Only the person evaluated sends their nominations."))
    if subject.nomination_state != "open":
        raise DomainError(_("Your nominations are already sent."))
    short = missing_raters(subject)
    if short:
        group, have, minimum = short[0]
        raise DomainError(_("Nominate at least %(n)d for %(group)s (you have %(have)d).",
                            n=minimum, group=rater_groups.label(group), have=have), "group")
    subject.nomination_state = "submitted"
    session.flush()
    audit.record(actor, "review360.nominations_submit", subject)
    person = subject.person
    if person.manager is not None:
        notify(session, person.manager, "review360", lambda: (
            _("360 nominations to approve: %(name)s", name=person.name),
            _("%(name)s has proposed their raters for %(cycle)s. Approve them or change the "
              "list.", name=person.name, cycle=subject.cycle.tr("title"))),
            link=f"/360/subjects/{subject.id}")


def approve(session, actor, subject: Subject) -> list[SentLink]:
    """The manager (or HR, overriding) approves the list: every rater is invited. Returns the
    external raters' new links for the caller alone (tests, the demo): no page shows them,
    since whoever saw one could answer in the customer's place."""
    _open(subject)
    if not policy.may(actor, "review360.approve", subject):
        raise NotFound(_("Only their manager or HR approves these nominations."))
    if subject.nomination_state == "approved":
        raise DomainError(_("These nominations are already approved."))
    if subject.nomination_state == "open" and not policy.may(actor, "review360.manage"):
        raise DomainError(_("%(name)s has not sent their nominations yet.",
                            name=subject.person.name))
    subject.nomination_state = "approved"
    subject.approved_by_id = actor.id
    subject.approved_at = clock.now()
    session.flush()
    audit.record(actor, "review360.nominations_approve", subject,
                 raters=len(subject.raters))
    links = []
    for rater in subject.raters:
        link = _invite(session, rater)
        if link is not None:
            links.append(link)
    return links


def _invite(session, rater: Rater) -> SentLink | None:
    if rater.state == "invited" and not rater.external:
        return None
    rater.state = "invited"
    rater.invited_at = clock.now()
    subject = rater.subject
    if rater.external:
        return _send_link(session, rater)
    cycle = subject.cycle
    name = subject.person.name
    notify(session, rater.person, "review360", lambda: (
        _("Your 360 self-assessment for %(cycle)s", cycle=cycle.tr("title"))
        if rater.group == "self" else _("Please give 360 feedback on %(name)s", name=name),
        _("Answer by %(date)s. You may save a draft and submit once.",
          date=cycle.closes_on.isoformat())),
        link=respond_path(rater), dedupe_key=f"review360-invite:{rater.id}")
    session.flush()
    return None


def _send_link(session, rater: Rater) -> SentLink:
    token = secrets.token_urlsafe(32)
    cycle = rater.subject.cycle
    now = clock.now()
    rater.token_hash = hash_token(token)
    rater.token_expires_at = cycles.link_expiry(cycle, now)
    rater.invited_at = now
    session.flush()
    # A customer without an account hears from us in the language the agent served them in.
    with in_language(language_of(rater.subject.person)):
        queue_email(session, rater.external_email,
                    _("A few minutes of feedback on your service experience"),
                    _("Dear %(name)s,\n\nYou recently spoke with %(agent)s of our "
                      "customer-service team. Would you tell us how it went? The "
                      "questionnaire takes about five minutes and can be answered once. The "
                      "link works until %(date)s.",
                      name=rater.external_name, agent=rater.subject.person.name,
                      date=rater.token_expires_at.date().isoformat()),
                    link_path(token), confidential=True)
    return SentLink(rater, token)


def resend_link(session, actor, rater: Rater) -> SentLink:
    """A new link for an external rater who has not answered (HR); the old one dies."""
    _open(rater.subject)
    if not policy.may(actor, "review360.manage"):
        raise NotFound(_("Only HR sends links again."))
    if not rater.external or rater.state != "invited":
        raise DomainError(_("Only invited external raters receive links."))
    if rater.submitted:
        raise DomainError(_("This rater has already answered."))
    link = _send_link(session, rater)
    audit.record(actor, "review360.link_resend", rater.subject, rater_id=rater.id)
    return link


def send_new_link(session, rater: Rater) -> SentLink:
    """A reminder's new link for an external rater who has not answered (the system)."""
    return _send_link(session, rater)


class DeadLink(DomainError):
    """A link that is unknown, used, expired or not open yet; `reason` says which."""

    def __init__(self, reason: str, opens_on=None):
        messages = {
            "not_open": _("This questionnaire opens on %(date)s. Please come back then.",
                          date=opens_on.isoformat() if opens_on else ""),
            "unknown": _("This link is not valid. Check that you copied all of it."),
            "used": _("This questionnaire has already been answered. Thank you!"),
            "expired": _("This link has expired. If you still want to answer, ask the person "
                         "who invited you for a new link."),
        }
        super().__init__(messages[reason])
        self.reason = reason


def rater_for_token(session, token: str) -> Rater:
    """The external rater a link belongs to; raises DeadLink when it is unknown, used or
    expired (or its cycle has stopped taking answers)."""
    if not token or len(token) > 100:
        raise DeadLink("unknown")
    rater = session.scalar(select(Rater).where(Rater.token_hash == hash_token(token)))
    if rater is None:
        raise DeadLink("unknown")
    if rater.submitted:
        raise DeadLink("used")
    now = clock.now()
    cycle = rater.subject.cycle
    if not cycle.closed and now < cycles.opens_at(cycle):
        raise DeadLink("not_open", cycle.opens_on)
    if (rater.token_expires_at is None or now >= rater.token_expires_at
            or not cycles.accepting_responses(cycle, now)):
        raise DeadLink("expired")
    return rater
