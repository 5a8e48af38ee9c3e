"""Locale choice and translated data fields.

Interface strings go through Flask-Babel catalogues. Admin-entered data (competency and path
names) carries its own translations in a JSON column, read through `Translated.tr`.
"""

from dataclasses import dataclass

from flask import current_app, has_app_context, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

ZH = "zh_Hans_CN"  # the second interface language, and the locale of Chinese content
LANGUAGE_NAMES = {"en": "English", ZH: "简体中文"}


def select_locale() -> str:
    """The person's chosen language, else the one picked this session, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    # Accept-Language speaks BCP 47 (zh-CN, zh-Hans); offer both spellings of each locale.
    offers = {}
    for code in languages:
        offers[code.replace("_", "-")] = code
        if code.startswith("zh_Hans"):
            offers.update({"zh-CN": code, "zh-Hans": code, "zh-SG": code, "zh": code})
    best = request.accept_languages.best_match(list(offers))
    return offers.get(best, current_app.config["BABEL_DEFAULT_LOCALE"])


def current_language() -> str:
    """The active locale code as configured (e.g. 'zh_Hans_CN')."""
    locale = get_locale()
    if locale is None:
        return "en"
    code = str(locale)
    return code if code in LANGUAGE_NAMES else "en"


class Translated:
    """Mixin: `translations` holds {locale: {field: text}} beside the default-language columns.

    The columns hold the content's default language (the configured default locale); a
    translation is an overlay read through `tr`. Structured parts (a question's options, a
    script turn's branches) keep their translations under their own keys in the same column,
    so every piece of content has one place for its other languages.
    """

    translations: Mapped[dict] = mapped_column(JSON, default=dict)

    def translation(self, field: str, language: str | None = None):
        """`field` in `language` (default: the active one), or None: never the fallback."""
        return (self.translations or {}).get(language or current_language(), {}).get(field)

    def tr(self, field: str) -> str:
        """`field` in the active locale, falling back to the default-language column."""
        return self.translation(field) or getattr(self, field)

    def falls_back(self, *fields: str) -> bool:
        """True when one of `fields` shows the default language instead of the active one
        (the page then marks it); False in the default language itself."""
        language = current_language()
        if language == default_language():
            return False
        return any(getattr(self, f, None) and not self.translation(f, language) for f in fields)

    def untranslated(self, fields, language: str) -> list[str]:
        """The `fields` that have default-language text but no `language` version."""
        if language == default_language():
            return []
        return [f for f in fields if getattr(self, f, None) and not self.translation(f, language)]

    def set_translation(self, locale: str, field: str, text) -> None:
        data = {k: dict(v) for k, v in (self.translations or {}).items()}
        if text:
            data.setdefault(locale, {})[field] = text
        else:
            data.get(locale, {}).pop(field, None)
        self.translations = data


def default_language() -> str:
    """The language content is written in first (its columns), as a LANGUAGE_NAMES code."""
    if not has_app_context():
        return "en"
    code = current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    return code if code in LANGUAGE_NAMES else "en"


def other_languages() -> list[str]:
    """The languages content may be translated into (all but the default)."""
    return [code for code in LANGUAGE_NAMES if code != default_language()]


def language_of(person) -> str:
    """The language to write to `person` in (messages, e-mail): their chosen one, else the
    organisation's default."""
    chosen = getattr(person, "locale", None)
    if chosen in LANGUAGE_NAMES:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"] if has_app_context() else "en"


def in_language(language: str):
    """A context: Babel strings and `tr` in `language` (a message to someone else, a
    scripted reply in the learner's language), whatever the request's own locale."""
    from flask_babel import force_locale

    return force_locale(language if language in LANGUAGE_NAMES else default_language())


@dataclass
class NamedData:
    """The editable fields every coded, named and translated record shares (competency
    areas, competencies, paths), as plain values."""

    code: str
    name: str
    description: str = ""
    name_zh: str = ""
    description_zh: str = ""
    position: int = 0
