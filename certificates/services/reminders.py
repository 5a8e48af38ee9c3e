"""Expiry reminders: 60, 30 and 7 days before a valid certificate expires, each sent once
(the dedupe key names the certificate, the step and the expiry date, so a renewed or
re-dated certificate is reminded afresh). Run by `send-expiry-reminders` and, as a registered
reminder source, by `send-reminders`."""

from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from certificates.models import Certificate
from lms.core.i18n import current_language
from lms.notifications.services import notify, reminder_source
from lms.people.models import Person

STEPS = (60, 30, 7)


@reminder_source
def expiry_reminders(session, today: date) -> int:
    """Remind holders of valid certificates expiring within 60, 30 or 7 days (the nearest
    step reached, once per step); returns how many reminders were made."""
    rows = session.scalars(
        select(Certificate).join(Person, Person.id == Certificate.person_id)
        .where(Certificate.status == "valid", Certificate.expires_on >= today,
               Certificate.expires_on <= today + timedelta(days=max(STEPS)),
               Person.active.is_(True))
        .options(selectinload(Certificate.person)).order_by(Certificate.id)).all()
    made = 0
    for certificate in rows:
        if session.scalar(select(Certificate.id).where(
                Certificate.previous_id == certificate.id)) is not None:
            continue  # already renewed
        left = (certificate.expires_on - today).days
        step = min(s for s in STEPS if left <= s)
        person = certificate.person
        found = notify(session, person, "certificate-expiry",
                       lambda c=certificate, n=left: _expiry_message(c, n),
                       link=f"/certificates/{certificate.id}",
                       dedupe_key=f"expiry:{certificate.id}:{step}:"
                                  f"{certificate.expires_on.isoformat()}")
        made += found is not None
    return made


def _expiry_message(certificate: Certificate, left: int) -> tuple[str, str]:
    name = (certificate.path_name_zh if current_language().startswith("zh")
            and certificate.path_name_zh else certificate.path_name)
    when = format_date(certificate.expires_on)
    return (_("Your %(path)s certificate expires on %(date)s", path=name, date=when),
            _("Certificate %(serial)s expires in %(days)d days, on %(date)s. Plan your "
              "recertification now.", serial=certificate.serial, days=left, date=when))
