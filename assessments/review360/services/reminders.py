"""Reminders before a cycle closes (`flask --app lms send-360-reminders`, daily from cron;
`send-reminders` runs them too). Each goes once per closing date, so extending a cycle
reminds again before the new close:

- raters (people) who have not submitted: an in-app notification and e-mail;
- external raters who have not submitted: a new one-time link by e-mail (their first link
  is known only by its hash, so it cannot be sent again; the new one replaces it);
- subjects who have not sent their nominations, and managers with nominations to approve.
"""

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assessments.review360.models import Cycle, Rater, Subject
from assessments.review360.services import nominations
from lms.core import clock
from lms.notifications.services import notify, reminder_source

REMIND_DAYS = 3


def _window_start(cycle: Cycle) -> datetime:
    return datetime.combine(cycle.closes_on - timedelta(days=REMIND_DAYS), time(0), tzinfo=UTC)


@reminder_source
def send_360_reminders(session, today: date) -> int:
    """Send the reminders due today (see the module); returns how many were made."""
    due = session.scalars(select(Cycle).where(
        Cycle.closed_at.is_(None), Cycle.opens_on <= today, Cycle.closes_on >= today,
        Cycle.closes_on <= today + timedelta(days=REMIND_DAYS))).all()
    made = 0
    for cycle in due:
        key = cycle.closes_on.isoformat()
        subjects = session.scalars(select(Subject).where(Subject.cycle_id == cycle.id).options(
            selectinload(Subject.raters).selectinload(Rater.response),
            selectinload(Subject.person))).all()
        for subject in subjects:
            made += _remind_subject(session, cycle, subject, key)
            for rater in subject.raters:
                if rater.state != "invited" or rater.submitted:
                    continue
                if rater.external:
                    made += _remind_external(session, cycle, rater)
                else:
                    made += notify(
                        session, rater.person, "review360",
                        lambda r=rater, s=subject, k=key: (
                            _("Reminder: 360 feedback closes on %(date)s", date=k),
                            _("Your answers on %(name)s are still open.", name=s.person.name)
                            if r.group != "self" else _("Your self-assessment is still open.")),
                        link=nominations.respond_path(rater),
                        dedupe_key=f"review360-remind:{rater.id}:{key}") is not None
    return made


def _remind_subject(session, cycle: Cycle, subject: Subject, key: str) -> int:
    person = subject.person
    if subject.nomination_state == "open":
        return notify(session, person, "review360", lambda: (
            _("Choose your 360 raters before %(date)s", date=key),
            _("Nobody can give you feedback until your manager approves your raters.")),
            link=f"/360/subjects/{subject.id}",
            dedupe_key=f"review360-nominate:{subject.id}:{key}") is not None
    if subject.nomination_state == "submitted" and person.manager is not None:
        return notify(session, person.manager, "review360", lambda: (
            _("360 nominations to approve: %(name)s", name=person.name),
            _("The cycle closes on %(date)s.", date=key)),
            link=f"/360/subjects/{subject.id}",
            dedupe_key=f"review360-approve:{subject.id}:{key}") is not None
    return 0


def _remind_external(session, cycle: Cycle, rater: Rater) -> int:
    if rater.reminded_at is not None and rater.reminded_at >= _window_start(cycle):
        return 0
    nominations.send_new_link(session, rater)
    rater.reminded_at = clock.now()
    session.flush()
    return 1
