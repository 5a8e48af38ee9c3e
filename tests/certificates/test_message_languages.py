"""Certification messages reach their recipients in their language, and the in-app list shows
each message in the reader's current language: the approval request, the certificate issued,
the expiry reminders."""

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from certificates.models import Certificate, CertificationSettings
from certificates.services import awards
from certificates.services.reminders import expiry_reminders
from lms.core import clock
from lms.notifications.models import Notification, OutboxEmail

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ZH = "zh_Hans_CN"


def _notes(db, person, kind):
    return db.session.scalars(select(Notification).where(
        Notification.person_id == person.id, Notification.kind == kind)
        .order_by(Notification.id)).all()


@pytest.mark.parametrize("locale, words", [(ZH, ("证书", "路径 MSG")), ("en", ("certificate",
                                                                              "Path MSG"))])
def test_certification_messages_in_the_recipients_language(app, db, make_path, make_person,
                                                           scores, locale, words):
    clock.freeze(T0)
    path = make_path("MSG")
    approver = make_person(roles=("manager",), locale=locale)
    db.session.add(CertificationSettings(path_id=path.id, require_approval=True,
                                         approver_id=approver.id))
    person = make_person(tier_id=path.id, locale=locale)
    db.session.commit()
    scores(person, 90)
    with app.test_request_context(), force_locale("en" if locale == ZH else ZH):
        awards.evaluate_person(db.session, person)
        [approval] = [n for n in _notes(db, approver, "certificate")]
        assert words[1] in approval.subject
        pending = db.session.scalar(select(awards.AwardApproval))
        awards.decide_approval(db.session, approver, pending, True)
    db.session.commit()
    [issued] = _notes(db, person, "certificate")
    assert words[0] in issued.subject.casefold() and words[1] in issued.subject
    expires = db.session.scalar(select(Certificate.expires_on))
    clock.freeze(datetime.combine(expires - timedelta(days=30), datetime.min.time(),
                                  tzinfo=UTC))
    assert expiry_reminders(db.session, clock.today()) == 1
    [reminder] = _notes(db, person, "certificate-expiry")
    assert words[1] in reminder.subject
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.subject == reminder.subject))
    assert mail is not None and mail.to_address == person.email
    # The list shows each message in the reader's language of the moment.
    for note in (issued, reminder):
        with app.test_request_context(), force_locale(ZH):
            assert "路径 MSG" in note.tr("subject")
        with app.test_request_context(), force_locale("en"):
            assert "Path MSG" in note.tr("subject")
