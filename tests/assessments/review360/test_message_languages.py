"""Every 360 message reaches its recipient in their language: the manager's approval request,
the raters' invitations and reminders, and the e-mail to an external customer (the language
the agent served them in)."""

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from assessments.review360.services import reminders
from lms.core import clock
from lms.core.extensions import db
from lms.notifications.models import Notification, OutboxEmail
from tests.assessments.review360.conftest import nominate_and_approve


def _subjects(person) -> list[str]:
    return list(db.session.scalars(select(Notification.subject).where(
        Notification.person_id == person.id).order_by(Notification.id)))


def _in(locale: str, message: str, **values) -> str:
    with force_locale(locale):
        return _(message, **values)


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_each_360_message_speaks_the_recipients_language(app, world, locale):
    other = "en" if locale == "zh_Hans_CN" else "zh_Hans_CN"
    for person in (world.manager, world.subject_person, *world.peers):
        person.locale = locale
    # The HR person who acts reads the other language: it must not leak into the messages.
    world.hr.locale = other
    db.session.commit()
    with app.test_request_context(), force_locale(other):
        nominate_and_approve(world, peers=3, customers=3)
    name = world.subject_person.name
    assert _subjects(world.manager)[0] == _in(locale, "360 nominations to approve: %(name)s",
                                               name=name)
    assert _subjects(world.peers[0])[0] == _in(locale, "Please give 360 feedback on %(name)s",
                                                name=name)
    mail = db.session.scalar(select(OutboxEmail).where(
        OutboxEmail.to_address == "c0@customer.example"))
    assert mail.subject == _in(locale, "A few minutes of feedback on your service experience")
    # The reminders before the cycle closes.
    clock.freeze(datetime(2026, 10, 29, 9, 0, tzinfo=UTC))
    reminders.send_360_reminders(db.session, clock.today())
    assert _subjects(world.peers[0])[-1] == _in(
        locale, "Reminder: 360 feedback closes on %(date)s",
        date=world.cycle.closes_on.isoformat())


def test_a_customer_of_an_agent_without_a_language_gets_the_organisations(app, world):
    world.subject_person.locale = None
    db.session.commit()
    nominate_and_approve(world, peers=3, customers=3)
    mail = db.session.scalar(select(OutboxEmail).where(
        OutboxEmail.to_address == "c0@customer.example"))
    assert mail.subject == _in(app.config["BABEL_DEFAULT_LOCALE"],
                               "A few minutes of feedback on your service experience")
