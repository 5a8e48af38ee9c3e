"""A shopper's one-time link: a random token (`secrets.token_urlsafe`, 256 bits) whose
SHA-256 hash alone is stored. It lives the programme's `link_days` from sending and dies when
the visit is answered; sending a new link replaces the old one. The invitation is written in
the shopper's own language."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.review360.mystery.models import MysteryVisit
from lms.core import audit, clock, policy
from lms.core.errors import DomainError, NotFound
from lms.core.i18n import in_language
from lms.notifications.services import queue_email


@dataclass(frozen=True)
class SentLink:
    visit: MysteryVisit
    token: str

    @property
    def path(self) -> str:
        return link_path(self.token)


def link_path(token: str) -> str:
    return f"/mystery/v/{token}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def send_link(session, visit: MysteryVisit) -> SentLink:
    """Give the visit a new link and e-mail it to its shopper (after the caller's commit)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    visit.token_hash = hash_token(token)
    visit.token_expires_at = now + timedelta(days=visit.programme.link_days)
    visit.invited_at = now
    session.flush()
    shopper = visit.shopper
    with in_language(shopper.language):
        queue_email(session, shopper.email,
                    _("Mystery-shopper visit for %(month)s", month=visit.month.strftime("%Y-%m")),
                    _("Dear %(name)s,\n\nPlease contact our customer service this month as "
                      "agreed and ask to be served by %(agent)s. Afterwards, fill in the "
                      "checklist at the link below; it can be answered once and works until "
                      "%(date)s.", name=shopper.name, agent=visit.agent.name,
                      date=visit.token_expires_at.date().isoformat()),
                    link_path(token), confidential=True)
    return SentLink(visit, token)


class DeadLink(DomainError):
    """A link that is unknown, used or expired; `reason` says which."""

    def __init__(self, reason: str, visit: MysteryVisit | None = None):
        messages = {
            "unknown": _("This link is not valid. Check that you copied all of it."),
            "used": _("This visit has already been reported. Thank you!"),
            "expired": _("This link has expired. Ask the programme's organiser for a new "
                         "one."),
        }
        super().__init__(messages[reason])
        self.reason = reason
        self.visit = visit      # known for a used or expired link (its shopper's language)


def visit_for_token(session, token: str) -> MysteryVisit:
    """The visit a link belongs to; raises DeadLink when it is unknown, used or expired."""
    if not token or len(token) > 100:
        raise DeadLink("unknown")
    visit = session.scalar(select(MysteryVisit).where(
        MysteryVisit.token_hash == hash_token(token)))
    if visit is None:
        raise DeadLink("unknown")
    state = visit.state(clock.now())
    if state == "answered":
        raise DeadLink("used", visit)
    if state == "expired":
        raise DeadLink("expired", visit)
    return visit


def resend(session, actor, visit: MysteryVisit) -> SentLink:
    """A new link for a visit not yet reported (HR, admins), e.g. one whose link expired;
    the old link dies."""
    if not policy.may(actor, "mystery.manage"):
        raise NotFound(_("Only HR and administrators run mystery-shopper programmes."))
    if visit.status == "answered":
        raise DomainError(_("This visit has already been reported. Thank you!"))
    if visit.shopper is None or not visit.shopper.active:
        raise DomainError(_("The visit's shopper has left the programme."))
    sent = send_link(session, visit)
    audit.record(actor, "mystery.link_resend", visit, agent_id=visit.agent_id)
    return sent
