"""A question in the learner's language.

A question version holds its texts in the content's default language (the columns and `data`)
and, per other language, an overlay in `translations[language]` (the Translated mixin):

    {"text": …, "general_feedback": …, "name": …,
     "options": {option id: {"text": …, "feedback": …}},       single, multiple
     "feedback_true": …, "feedback_false": …,                   truefalse
     "answers": [{"text": …, "feedback": …}, …],                shortanswer, numerical (by index)
     "pairs": {pair id: {"prompt": …, "answer": …}},            matching
     "response_hint": …}                                        essay

Ids, fractions, values and tolerances exist once, in `data`, so a response is the same
whatever language it was given in: grading reads `data` (short answers also accept the
translated answers, at the same fraction), and item analysis pools the languages.
"""

import copy
from dataclasses import dataclass

from assessments.quiz.models import QuestionVersion
from lms.core.i18n import current_language, default_language

TEXT_FIELDS = ("text", "general_feedback")


@dataclass
class ShownVersion:
    """What a page shows of a question version: its texts in one language."""

    qtype: str
    name: str
    text: str
    general_feedback: str
    data: dict
    language: str
    fell_back: bool  # some text shows in the default language (the page marks it)


def overlay(version: QuestionVersion, language: str) -> dict:
    """The version's texts in `language` ({} for the default language or none written)."""
    if language == default_language():
        return {}
    return (version.translations or {}).get(language) or {}


def _merge(qtype: str, data: dict, other: dict) -> tuple[dict, bool]:
    """`data` with the texts of `other` laid over it; True when some text was left out."""
    data = copy.deepcopy(data or {})
    missing = False

    def take(target: dict, key: str, text) -> None:
        nonlocal missing
        if text:
            target[key] = text
        elif target.get(key):
            missing = True

    if qtype in ("single", "multiple"):
        texts = other.get("options") or {}
        for option in data.get("options", []):
            found = texts.get(str(option.get("id"))) or {}
            take(option, "text", found.get("text"))
            if option.get("feedback"):
                take(option, "feedback", found.get("feedback"))
    elif qtype == "truefalse":
        for key in ("feedback_true", "feedback_false"):
            take(data, key, other.get(key))
    elif qtype in ("shortanswer", "numerical"):
        texts = other.get("answers") or []
        for index, answer in enumerate(data.get("answers", [])):
            found = texts[index] if index < len(texts) else {}
            if qtype == "shortanswer":
                take(answer, "text", found.get("text"))
            if answer.get("feedback"):
                take(answer, "feedback", found.get("feedback"))
    elif qtype == "matching":
        texts = other.get("pairs") or {}
        for pair in data.get("pairs", []):
            found = texts.get(str(pair.get("id"))) or {}
            if pair.get("prompt"):
                take(pair, "prompt", found.get("prompt"))
            take(pair, "answer", found.get("answer"))
    elif qtype == "essay":
        take(data, "response_hint", other.get("response_hint"))
    return data, missing


def shown(version: QuestionVersion, language: str | None = None) -> ShownVersion:
    """The version as a learner reading `language` (default: the page's) sees it: each text
    in that language, else in the default language (then `fell_back`)."""
    language = language or current_language()
    other = overlay(version, language)
    if not other:
        return ShownVersion(version.qtype, version.name, version.text,
                            version.general_feedback, version.data or {}, language,
                            language != default_language())
    data, missing = _merge(version.qtype, version.data or {}, other)
    missing = missing or not other.get("text") or bool(
        version.general_feedback and not other.get("general_feedback"))
    return ShownVersion(version.qtype, other.get("name") or version.name,
                        other.get("text") or version.text,
                        other.get("general_feedback") or version.general_feedback, data,
                        language, missing)


def is_complete(version: QuestionVersion, language: str) -> bool:
    """True when every text of the version has a `language` version."""
    if language == default_language():
        return True
    return not shown(version, language).fell_back


def grading_data(version: QuestionVersion) -> dict:
    """`data` as grading reads it: short answers accept every language's accepted answers
    (each at its default-language answer's fraction, `index` naming that answer); other types
    are graded by id."""
    data = version.data or {}
    if version.qtype not in ("shortanswer", "numerical"):
        return data
    base = data.get("answers", [])
    answers = [dict(answer, index=index) for index, answer in enumerate(base)]
    for other in (version.translations or {}).values() if version.qtype == "shortanswer" \
            else ():
        for index, found in enumerate((other or {}).get("answers") or []):
            if index < len(base) and (found or {}).get("text"):
                answers.append(dict(base[index], text=found["text"], index=index))
    return dict(data, answers=answers)


def overlay_from(base_qtype: str, base_data: dict, text: str, general_feedback: str,
                 data: dict, name: str = "") -> dict:
    """The overlay for a question written again in another language (`data` of the same type
    and shape as `base_data`: options, answers and pairs in the same order). Refuses (with
    ValueError) a question whose type or number of parts differs."""
    if base_qtype != _family(base_qtype, data):
        raise ValueError("the question type differs")
    result: dict = {"text": text}
    if name:
        result["name"] = name
    if general_feedback:
        result["general_feedback"] = general_feedback
    if base_qtype in ("single", "multiple"):
        base, other = base_data.get("options", []), data.get("options", [])
        _same_length(base, other)
        result["options"] = {str(b["id"]): {"text": o.get("text", ""),
                                            "feedback": o.get("feedback", "")}
                             for b, o in zip(base, other, strict=True)}
    elif base_qtype == "truefalse":
        result["feedback_true"] = data.get("feedback_true", "")
        result["feedback_false"] = data.get("feedback_false", "")
    elif base_qtype in ("shortanswer", "numerical"):
        _same_length(base_data.get("answers", []), data.get("answers", []))
        result["answers"] = [{"text": a.get("text", "") if base_qtype == "shortanswer" else "",
                              "feedback": a.get("feedback", "")}
                             for a in data.get("answers", [])]
    elif base_qtype == "matching":
        base, other = base_data.get("pairs", []), data.get("pairs", [])
        _same_length(base, other)
        result["pairs"] = {str(b["id"]): {"prompt": o.get("prompt", ""),
                                          "answer": o.get("answer", "")}
                           for b, o in zip(base, other, strict=True)}
    elif base_qtype == "essay":
        result["response_hint"] = data.get("response_hint", "")
    return result


def _family(qtype: str, data: dict) -> str:
    """The type `data` has the shape of (single and multiple share a shape)."""
    if "options" in data:
        return qtype if qtype in ("single", "multiple") else "single"
    if "pairs" in data:
        return "matching"
    if "answer" in data:
        return "truefalse"
    if "answers" in data:
        return qtype if qtype in ("shortanswer", "numerical") else "shortanswer"
    return "essay"


def _same_length(base: list, other: list) -> None:
    if len(base) != len(other):
        raise ValueError("the number of options, answers or pairs differs")
