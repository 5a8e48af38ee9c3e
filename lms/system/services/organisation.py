"""The organisation's name, as admins set it, in each language: what the header, e-mails and
Open Badges show. Until an admin sets one, the product's own name (translated) stands in."""

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from lms.core import audit
from lms.core.extensions import db
from lms.core.i18n import ZH, current_language, default_language, in_language
from lms.core.validation import clean_text
from lms.system.models import OrganisationName


def stored(session) -> OrganisationName | None:
    """The saved name, or None while nobody has set one."""
    return session.scalar(select(OrganisationName).order_by(OrganisationName.id).limit(1))


def name_in(session, language: str) -> str:
    """The organisation's name in `language`, falling back to its default-language name, then
    to the product's name in `language`."""
    row = stored(session)
    if row is not None:
        return row.translation("name", language) or row.name
    with in_language(language):
        return _("Service Academy")


def organisation_name() -> str:
    """The name in the active language, read once per request (the header's)."""
    language = current_language()
    cached = g.get("organisation_names", {}) if has_app_context() else {}
    if language not in cached:
        try:
            cached[language] = name_in(db.session, language)
        except SQLAlchemyError:  # an error page while the database is down still renders
            return _("Service Academy")
        g.organisation_names = cached
    return cached[language]


def other_language_name(session) -> tuple[str, str] | None:
    """(language, name) of the translation beside the default-language name, when there is
    one (the badge issuer's description carries it)."""
    row = stored(session)
    if row is None:
        return None
    for language, fields in (row.translations or {}).items():
        if language != default_language() and fields.get("name"):
            return language, fields["name"]
    return None


def sender_name(session) -> str:
    """The name e-mails are sent under: the organisation's, in its default language; empty
    until an admin sets one (the bare address then)."""
    row = stored(session)
    return "" if row is None else row.name


def save_name(session, actor, name: str, name_zh: str = "") -> OrganisationName:
    """Set the organisation's name (required) and its Chinese name (optional)."""
    name = clean_text(name, "name", 200, required=True)
    row = stored(session)
    if row is None:
        row = OrganisationName(name=name, translations={})
        session.add(row)
    row.name = name
    row.set_translation(ZH, "name", clean_text(name_zh, "name_zh", 200))
    session.flush()
    audit.record(actor, "organisation.rename", row, name=name)
    return row
