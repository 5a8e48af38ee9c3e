"""Answers as the attempt form posts them, and as attempts store them.

Stored responses (None: not answered), the shape `scoring` reads:
    single {"choice": id} · multiple {"choices": [id, …]} · truefalse {"answer": bool}
    shortanswer, numerical, essay {"text": str} · matching {"matches": {pair id: pair id}}
An answer naming an option of another question, a prompt the question does not have, or two
picks on a single choice is refused, never stored.
"""

import random

from flask_babel import gettext as _

from assessments.quiz.models import AttemptQuestion, QuestionVersion
from lms.core.errors import DomainError

TEXT_MAX = 255
ESSAY_MAX = 20_000


def ordered_ids(version: QuestionVersion) -> list[str]:
    """The ids whose order the learner sees: a question's options (matching: its answer
    choices), as written; none for other types."""
    if version.qtype in ("single", "multiple"):
        return [option["id"] for option in version.data.get("options", [])]
    if version.qtype == "matching":
        return [choice_id for choice_id, _text in matching_choices(version)]
    return []


def option_order(version: QuestionVersion, shuffle: bool, rng: random.Random) -> list[str]:
    """The order the learner sees a question's options (matching: its answer choices) in."""
    ids = ordered_ids(version)
    if shuffle:
        rng.shuffle(ids)
    return ids


def matching_choices(version: QuestionVersion) -> list[tuple[str, str]]:
    """A matching question's answer choices as (id, text): one per distinct answer text (the
    first pair having it lends its id), distractor pairs without a prompt included."""
    seen: dict[str, str] = {}
    for pair in version.data.get("pairs", []):
        seen.setdefault(pair["answer"], pair["id"])
    return [(choice_id, text) for text, choice_id in seen.items()]


def matching_prompts(version: QuestionVersion) -> list[tuple[str, str]]:
    """A matching question's prompts as (pair id, prompt text); distractors have none."""
    return [(pair["id"], pair["prompt"]) for pair in version.data.get("pairs", [])
            if (pair.get("prompt") or "").strip()]


def invalid_answer(message: str | None = None) -> DomainError:
    """The refusal of an answer that does not fit its question."""
    return DomainError(message or _("That answer is not one of this question's options; "
                                    "nothing was saved. Reload the page and try again."))


def _one(raw) -> str | None:
    """One posted value: a string, or a list of at most one string (a form field)."""
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, list) and len(raw) <= 1 and all(isinstance(v, str) for v in raw):
        return raw[0] if raw else None
    raise invalid_answer()


def normalise_response(aq: AttemptQuestion, raw) -> dict | None:
    """The stored form of a posted raw answer for this question (None: not answered).
    Refuses option ids that are not this question's and over-long text."""
    version = aq.version
    qtype = version.qtype
    if qtype == "multiple":
        picked = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else \
            [] if raw is None else None
        if picked is None or any(not isinstance(p, str) for p in picked):
            raise invalid_answer()
        picked = [p for p in picked if p != ""]
        if any(p not in aq.option_order for p in picked) or len(set(picked)) != len(picked):
            raise invalid_answer()
        order = {option_id: n for n, option_id in enumerate(aq.option_order)}
        return {"choices": sorted(picked, key=order.__getitem__)} if picked else None
    if qtype == "matching":
        if raw is None or raw == []:
            return None
        if not isinstance(raw, dict):
            raise invalid_answer()
        prompts = {pair_id for pair_id, _text in matching_prompts(version)}
        matches = {}
        for prompt_id, choice_id in raw.items():
            if prompt_id not in prompts or not isinstance(choice_id, str) \
                    or (choice_id and choice_id not in aq.option_order):
                raise invalid_answer()
            if choice_id:
                matches[prompt_id] = choice_id
        return {"matches": dict(sorted(matches.items()))} if matches else None
    value = _one(raw)
    if qtype == "single":
        if value is None or value == "":
            return None
        if value not in aq.option_order:
            raise invalid_answer()
        return {"choice": value}
    if qtype == "truefalse":
        if value is None or value == "":
            return None
        if value not in ("true", "false"):
            raise invalid_answer()
        return {"answer": value == "true"}
    if qtype in ("shortanswer", "numerical", "essay"):
        if value is None:
            return None
        limit = ESSAY_MAX if qtype == "essay" else TEXT_MAX
        if len(value) > limit:
            raise invalid_answer(_("That answer is too long (at most %(n)d characters).", n=limit))
        text = value.replace("\r\n", "\n") if qtype == "essay" else value.strip()
        return {"text": text} if text.strip() else None
    raise invalid_answer()
