"""Locale choice and translated data fields.

Interface strings go through Flask-Babel catalogues. Admin-entered data (competency and path
names) carries its own translations in a JSON column, read through `Translated.tr`.
"""

from flask import current_app, has_request_context, request, session
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
    """Mixin: `translations` holds {locale: {field: text}} beside the default-language columns."""

    translations: Mapped[dict] = mapped_column(JSON, default=dict)

    def tr(self, field: str) -> str:
        """`field` in the active locale, falling back to the default-language column."""
        text = (self.translations or {}).get(current_language(), {}).get(field)
        return text or getattr(self, field)

    def set_translation(self, locale: str, field: str, text: str) -> None:
        data = {k: dict(v) for k, v in (self.translations or {}).items()}
        if text:
            data.setdefault(locale, {})[field] = text
        else:
            data.get(locale, {}).pop(field, None)
        self.translations = data
