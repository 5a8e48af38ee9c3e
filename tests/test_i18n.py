"""The interface translations stay complete, compiled and correct, and pages use them.

When a catalogue test fails after you add a string: run scripts/i18n.sh, translate the new
entries in lms/translations/<locale>/LC_MESSAGES/messages.po, then run it again to compile.
"""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import format_date

from lms.config import Config
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "lms" / "translations"
# Must match the -k options in scripts/i18n.sh.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
SKIPPED_DIRS = {".venv", "node_modules", "tests", "migrations", "instance"}
LOCALES = [code for code in Config.LANGUAGES if code != Config.BABEL_DEFAULT_LOCALE]
# %(name)s, %s, %d … and the literal %%: whatever Python's % operator will look at.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


def _placeholders(text: str) -> list[str]:
    """The distinct %-specs in `text`, plus "%" for a stray one that formatting would reject."""
    found = set(PLACEHOLDER.findall(text))
    if "%" in PLACEHOLDER.sub("", text):
        found.add("%")
    return sorted(found)


def _key(message) -> tuple:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return msgid, message.context


def _where(message) -> str:
    return ", ".join(f"{path}:{line}" for path, line in message.locations[:3]) or "?"


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    """A catalogue of every marked string in the source, as `pybabel extract` would build."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    catalog = Catalog(fuzzy=False)

    def keep_directory(dirname: str) -> bool:
        name = Path(dirname).name
        return name not in SKIPPED_DIRS and not name.startswith((".", "_"))

    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS,
        directory_filter=keep_directory,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def _po(locale: str) -> Catalog:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def _translated(catalog: Catalog) -> dict[tuple, object]:
    """{(msgid, context): msgstr} for every real entry; header and obsolete ones left out."""
    return {_key(m): m.string for m in catalog if m.id}


def test_extraction_finds_the_interface(extracted):
    # Guards the guard: a broken babel.cfg would make the completeness test pass vacuously.
    ids = {_key(m)[0] for m in extracted if m.id}
    assert {"Sign in", "Competency matrix", "Please sign in to see that page."} <= ids
    assert "%(num)d day" in ids  # an ngettext from a template


@pytest.mark.parametrize("locale", LOCALES)
def test_every_extracted_string_is_translated(extracted, locale):
    po = _po(locale)
    problems = []
    for message in extracted:
        if not message.id:
            continue
        entry = po.get(*_key(message))
        if entry is None:
            problems.append(f"missing {message.id!r} ({_where(message)})")
        elif entry.pluralizable != message.pluralizable:
            problems.append(f"plural form changed for {message.id!r} ({_where(message)})")
    assert not problems, (
        f"{len(problems)} strings are not in the {locale} catalogue; run scripts/i18n.sh and "
        "translate them:\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_no_entry_is_empty_or_fuzzy(locale):
    po = _po(locale)
    problems = []
    for message in po:
        if not message.id:
            continue
        strings = list(message.string) if message.pluralizable else [message.string]
        if message.fuzzy:
            problems.append(f"fuzzy {message.id!r}")
        if message.pluralizable and len(strings) != po.num_plurals:
            problems.append(f"{len(strings)} plural forms for {message.id!r}, "
                            f"{locale} has {po.num_plurals}")
        if not all(text.strip() for text in strings):
            problems.append(f"untranslated {message.id!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_the_po(locale):
    po = _po(locale)
    buffer = io.BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    expected = read_mo(buffer)
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as f:
        committed = read_mo(f)
    assert committed.plural_forms == expected.plural_forms
    assert _translated(committed) == _translated(expected), (
        "messages.mo is out of date: run `scripts/i18n.sh compile`"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_survive_translation(locale):
    problems = []
    for message in _po(locale):
        if not message.id:
            continue
        if message.pluralizable:
            # Languages with one form use the plural msgid's wording, e.g. "%(num)d people".
            source, strings = message.id[-1], message.string
        else:
            source, strings = message.id, [message.string]
        wanted = _placeholders(source)
        for text in strings:
            found = _placeholders(text)
            if found != wanted:
                problems.append(f"{message.id!r}: {text!r} has {found}, expected {wanted}")
    assert not problems, "\n".join(problems)


def _page(client, url, language):
    return client.get(url, headers={"Accept-Language": language}).get_data(as_text=True)


def test_login_page_follows_the_browser_language(client):
    page = _page(client, "/login", "zh-CN,zh;q=0.9,en;q=0.5")
    assert '<html lang="zh-Hans"' in page
    assert "忘记密码？" in page
    assert "Forgot your password" not in page

    page = _page(client, "/login", "en-GB,en;q=0.8")
    assert '<html lang="en"' in page
    assert "Forgot your password?" in page
    assert "忘记密码" not in page


def test_language_chosen_before_signing_in_wins_over_the_browser(client):
    client.post("/language", data={"lang-locale": "zh_Hans_CN", "next": "/login"})
    assert "忘记密码" in _page(client, "/login", "en")


def test_saved_language_wins_over_the_browser(app, client, auth, make_person):
    agent = make_person(roles=("agent",))
    auth.login(agent)
    response = client.post("/language", data={"lang-locale": "zh_Hans_CN", "next": "/"})
    assert response.status_code == 302
    auth.logout()

    # A new browser that prefers English: the saved choice still decides once signed in.
    other = app.test_client()
    other.post("/login", data={"login": agent.email, "password": PASSWORD},
               headers={"Accept-Language": "en"})
    page = _page(other, "/", "en")
    assert '<html lang="zh-Hans"' in page
    assert "退出登录" in page and "Sign out" not in page

    other.post("/language", data={"lang-locale": "en", "next": "/"})
    page = _page(other, "/", "zh-CN")
    assert '<html lang="en"' in page
    assert "Sign out" in page


def test_matrix_in_chinese_shows_translated_framework(client, auth, make_person, defaults):
    auth.login(make_person(roles=("agent",)))
    page = _page(client, "/matrix", "zh-CN")
    assert "<h1>能力矩阵</h1>" in page
    for name in ("沟通", "积极倾听", "投诉处理五步法", "新员工 — 初级认证", "主管 — 领导力认证",
                 "熟练度等级", "熟练"):
        assert name in page
    assert "Active listening" not in page
    assert "New hire — basic certification" not in page

    page = _page(client, "/matrix", "en")
    assert "Active listening" in page and "积极倾听" not in page


def _formatted_date(app, day: date, language: str) -> str:
    # A fresh app context: Flask-Babel caches the locale on `g`, which the fixture's app
    # context would otherwise share between the two request contexts.
    with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
        text = format_date(day)
        assert render_template_string("{{ d|date }}", d=day) == text
        return text


def test_dates_are_formatted_for_the_locale(app):
    day = date(2026, 3, 1)
    english = _formatted_date(app, day, "en")
    chinese = _formatted_date(app, day, "zh-CN")
    assert english != chinese
    assert "Mar" in english
    assert "2026年3月1日" in chinese


def test_lists_use_the_enumeration_comma_in_chinese(client, auth, make_person):
    person = make_person(roles=("agent", "mentor"), locale="zh_Hans_CN")
    auth.login(person)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "坐席、导师" in page
