"""A question bank's other languages: importing a translated GIFT file, and which questions
still lack a translation.

The convention (docs/content-languages.md): a translation is a GIFT file written like the
default-language one — the same `$CATEGORY:` lines and `::name::` of each question (names and
category paths are keys, not shown to learners), the question text, options, answers and
feedback written in the other language, in the same order. Fractions, numbers and the right
answer are read from the default-language question, never from the translation, so a
question scores the same in every language.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.quiz.models import Question, QuestionCategory, QuestionVersion
from assessments.quiz.services import languages
from assessments.quiz.services.bank import (
    ImportProblem,
    ImportRefused,
    ParsedQuestion,
    current_version,
    find_category,
)
from lms.core import audit
from lms.core.i18n import LANGUAGE_NAMES, default_language


def _question_named(session, category: QuestionCategory, name: str) -> Question | None:
    for question in session.scalars(select(Question).where(
            Question.category_id == category.id, Question.archived.is_(False))):
        if current_version(question).name.casefold() == name.casefold():
            return question
    return None


def import_translation(session, actor, parsed: list[ParsedQuestion], language: str,
                       target: QuestionCategory | None = None) -> list[QuestionVersion]:
    """Lay translated questions over the bank's current versions, matched by category path
    and question name. Refuses the whole file (ImportRefused, nothing written) when a
    question is unknown or its parts differ from the default-language question's."""
    if language not in LANGUAGE_NAMES or language == default_language():
        raise ImportRefused([ImportProblem(0, _("Choose a language other than the content's "
                                                "default language."))])
    problems: list[ImportProblem] = []
    found: list[tuple[QuestionVersion, dict]] = []
    for item in parsed:
        category = find_category(session, item.category) if item.category else target
        question = (_question_named(session, category, item.question.name)
                    if category is not None and item.question.name else None)
        if question is None:
            problems.append(ImportProblem(item.line, _(
                "no question named “%(name)s” in this category of the bank",
                name=item.question.name or "")))
            continue
        version = current_version(question)
        try:
            overlay = languages.overlay_from(version.qtype, version.data or {},
                                             item.question.text,
                                             item.question.general_feedback,
                                             item.question.data)
        except ValueError:
            problems.append(ImportProblem(item.line, _(
                "“%(name)s” has a different type or number of answers than in the bank",
                name=item.question.name)))
            continue
        found.append((version, overlay))
    if not parsed and not problems:
        problems.append(ImportProblem(0, _("The file contains no questions.")))
    if problems:
        raise ImportRefused(problems)
    for version, overlay in found:
        translations = dict(version.translations or {})
        translations[language] = overlay
        version.translations = translations
        audit.record(actor, "question.translate", version.question, language=language,
                     version=version.number)
    session.flush()
    return [version for version, _overlay in found]


def import_gift_translation(session, actor, text: str, language: str,
                            target: QuestionCategory | None = None) -> list[QuestionVersion]:
    """`import_translation` of a GIFT file (refused whole when a line is wrong)."""
    from assessments.quiz.services.gift import parse_gift

    parsed, problems = parse_gift(text)
    if problems:
        raise ImportRefused(problems)
    return import_translation(session, actor, parsed, language, target)


@dataclass(frozen=True)
class TranslationStatus:
    language: str
    total: int
    translated: int
    missing: list[Question]


def bank_status(session, questions: list[Question], language: str) -> TranslationStatus:
    """How many of `questions` have every text in `language`, and which do not."""
    missing = [q for q in questions
               if not languages.is_complete(current_version(q), language)]
    return TranslationStatus(language, len(questions), len(questions) - len(missing), missing)
