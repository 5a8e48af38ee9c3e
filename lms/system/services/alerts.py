"""Telling the admins that the server lacks something people just needed."""

from flask_babel import gettext as _
from sqlalchemy import select

from lms.core import clock, fonts
from lms.core.pdf import MissingGlyphs, codepoints
from lms.notifications.services import notify
from lms.people.models import Person, PersonRole

SYSTEM_PAGE = "/admin/system"


def report_missing_font(session, error: MissingGlyphs) -> int:
    """Notify every active admin, in their language, that a document was refused for want
    of a font (once a day per script, however many documents are refused); returns how many
    were notified. The caller commits."""
    admins = session.scalars(select(Person).join(PersonRole).where(
        PersonRole.role == "admin", Person.active.is_(True)).order_by(Person.id))
    key = f"missing-font:{error.script.key if error.script else 'other'}:{clock.today()}"
    made = 0
    for admin in admins:
        made += notify(session, admin, "system.fonts", lambda: _message(error),
                       link=SYSTEM_PAGE, dedupe_key=key) is not None
    return made


def _message(error: MissingGlyphs) -> tuple[str, str]:
    script = error.script
    if script is not None:
        subject = _("A document was refused: no font for %(script)s", script=script.label)
        body = _("A PDF could not be made because “%(text)s” needs %(font)s, which is not "
                 "installed on the server. Install it (apt-get install %(package)s) and "
                 "documents with %(script)s text work again; the System page shows which "
                 "scripts the PDFs can draw.", text=error.text, font=script.font,
                 package=script.package, script=script.label)
    else:
        subject = _("A document was refused: characters no font can draw")
        body = _("A PDF could not be made because “%(text)s” has characters (%(codes)s) that "
                 "no font installed on the server can draw. The PDF fonts are %(packages)s; "
                 "the System page shows which scripts they draw.", text=error.text,
                 codes=codepoints(error.chars), packages=", ".join(fonts.FONT_PACKAGES))
    return subject, body
