"""Scoring one response to one question version: pure functions over exact Decimals.

Every automatically scored type yields a fraction of the question's mark between 0 and 1 —
never below 0, however many penalties are picked — and essays yield None (a person grades
them). Responses come in the shape `attempts` stores (None: not answered):
    single {"choice": id} · multiple {"choices": [id, …]} · truefalse {"answer": bool}
    shortanswer, numerical, essay {"text": str} · matching {"matches": {prompt pair id: pair id}}

The rules, as Moodle's question types have them:
- single: the chosen option's fraction.
- multiple: the sum of the chosen options' fractions, penalties included, read against the
  total of the positive fractions (so three options of 33.33333 % all picked earn full marks),
  then held between 0 and 1.
- truefalse: 1 for the right value, else 0.
- shortanswer: the best accepted answer the response matches (highest fraction; the first on a
  tie). Both sides are Unicode-normalised (NFKC, so full-width letters and digits match their
  ASCII forms), trimmed, and runs of white space become one space; case counts only when the
  question says so. `*` in an accepted answer matches any run of characters (`\\*` is a literal
  star).
- numerical: the best answer whose value is within its tolerance, edges included
  (|response − value| ≤ tolerance); the value `*` matches any response (a catch-all for
  feedback). Numbers may use full-width digits and thousands commas (1,000.5); units are not
  understood.
- matching: right pairs / prompts; a choice is right when its text is the prompt's answer.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)
AUTOMATIC_TYPES = ("single", "multiple", "truefalse", "shortanswer", "numerical", "matching")

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_SPACES = re.compile(r"\s+")
_STARS = re.compile(r"(?<!\\)\*+")


def fraction(value) -> Decimal:
    """A stored fraction ("0.5", "-1", 1) as a Decimal; anything unreadable counts as 0."""
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return ZERO
    return result if result.is_finite() else ZERO


def clamp(value: Decimal) -> Decimal:
    """Held between 0 and 1."""
    return min(max(value, ZERO), ONE)


def score_response(version, response: dict | None) -> Decimal | None:
    """The fraction (0–1) `response` earns on `version` (anything with `qtype` and `data`);
    None for essays. An unanswered question, or an answer naming no known option, earns 0.
    Short answers may be given in any of the question's languages."""
    return score(version.qtype, _grading_data(version), response)


def score(qtype: str, data: dict, response: dict | None) -> Decimal | None:
    """`score_response` on plain values: the question type, its `data` and the response."""
    if qtype == "essay":
        return None
    if qtype == "description":
        return ZERO  # shown, never scored (its mark is 0)
    if qtype not in AUTOMATIC_TYPES:
        raise ValueError(f"unknown question type {qtype!r}")
    if not isinstance(response, dict):
        return ZERO
    if qtype == "single":
        return _score_single(data, response)
    if qtype == "multiple":
        return _score_multiple(data, response)
    if qtype == "truefalse":
        answer = response.get("answer")
        return ONE if isinstance(answer, bool) and answer == bool(data.get("answer")) else ZERO
    if qtype == "matching":
        return _score_matching(data, response)
    matched = _best_answer(qtype, data, response)
    return clamp(fraction(matched.get("fraction"))) if matched else ZERO


def _options(data: dict) -> dict[str, dict]:
    return {str(o.get("id")): o for o in data.get("options", [])}


def _score_single(data: dict, response: dict) -> Decimal:
    option = _options(data).get(str(response.get("choice")))
    return clamp(fraction(option.get("fraction"))) if option else ZERO


def _score_multiple(data: dict, response: dict) -> Decimal:
    options = _options(data)
    picked = response.get("choices") or []
    if not isinstance(picked, list):
        return ZERO
    positive = sum((f for o in options.values() if (f := fraction(o.get("fraction"))) > 0),
                   ZERO)
    if positive <= 0:
        return ZERO
    earned = sum((fraction(options[p].get("fraction")) for p in set(map(str, picked))
                  if p in options), ZERO)
    return clamp(earned / positive)


def _score_matching(data: dict, response: dict) -> Decimal:
    pairs = {str(p.get("id")): p for p in data.get("pairs", [])}
    prompts = [p for p in pairs.values() if (p.get("prompt") or "").strip()]
    if not prompts:
        return ZERO
    matches = response.get("matches") or {}
    if not isinstance(matches, dict):
        return ZERO
    right = 0
    for prompt in prompts:
        chosen = pairs.get(str(matches.get(str(prompt.get("id")))))
        if chosen is not None and chosen.get("answer") == prompt.get("answer"):
            right += 1
    return Decimal(right) / Decimal(len(prompts))


# Short answers and numbers


def normalise_text(text: str, case_sensitive: bool = False) -> str:
    """Text as it is compared: NFKC, trimmed, white space runs as one space, case folded
    unless `case_sensitive`."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()
    return text if case_sensitive else text.casefold()


def wildcard_match(pattern: str, text: str, case_sensitive: bool = False) -> bool:
    """True when `text` matches the accepted answer `pattern` (`*`: any run of characters,
    `\\*`: a star)."""
    pattern = normalise_text(pattern, case_sensitive)
    text = normalise_text(text, case_sensitive)
    pieces = [re.escape(piece.replace("\\*", "*")) for piece in _STARS.split(pattern)]
    return re.fullmatch(".*".join(pieces), text, flags=re.DOTALL) is not None


def parse_number(text: str) -> Decimal | None:
    """A learner's number, or None when the text is not one (units are not understood)."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip().replace(" ", "")
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_with_units(text: str, units: list[dict]) -> Decimal | None:
    """A number followed by one of the question's units, in the answer's unit (Moodle's rule:
    a value in a unit with multiplier m is value / m of the answer's unit); None otherwise."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    for unit in sorted(units, key=lambda u: -len(u.get("unit", ""))):
        name = unit.get("unit", "")
        if name and text.endswith(name):
            number = parse_number(text[:-len(name)])
            try:
                multiplier = Decimal(str(unit.get("multiplier", "1")))
            except InvalidOperation:
                continue
            if number is not None and multiplier:
                return number / multiplier
    return None


def _answer_matches(qtype: str, data: dict, answer: dict, given: str,
                    number: Decimal | None) -> bool:
    if qtype == "shortanswer":
        return wildcard_match(str(answer.get("text", "")), given,
                              bool(data.get("case_sensitive")))
    value = str(answer.get("value", "")).strip()
    if value == "*":
        return True
    if number is None:
        return False
    try:
        target, tolerance = Decimal(value), abs(Decimal(str(answer.get("tolerance") or "0")))
    except InvalidOperation:
        return False
    return abs(number - target) <= tolerance


def _best_answer(qtype: str, data: dict, response: dict) -> dict | None:
    given = response.get("text")
    if not isinstance(given, str) or not given.strip():
        return None
    number = parse_number(given) if qtype == "numerical" else None
    if qtype == "numerical" and number is None and data.get("units"):
        number = parse_with_units(given, data["units"])
    best = None
    for answer in data.get("answers", []):
        if _answer_matches(qtype, data, answer, given, number) and (
                best is None or fraction(answer.get("fraction")) > fraction(best.get("fraction"))):
            best = answer
    return best


def matching_answer(version, response: dict | None) -> dict | None:
    """The accepted answer (short answer, numerical) a response earned its fraction by, with
    its feedback; None when it matches none."""
    if version.qtype not in ("shortanswer", "numerical") or not isinstance(response, dict):
        return None
    return _best_answer(version.qtype, _grading_data(version), response)


def _grading_data(version) -> dict:
    if hasattr(version, "translations"):
        from assessments.quiz.services.languages import grading_data

        return grading_data(version)
    return version.data or {}


def answer_feedback(version, response: dict | None) -> list[str]:
    """The author's feedback on each part of the answer given (general feedback excluded)."""
    data, response = version.data or {}, response if isinstance(response, dict) else {}
    qtype = version.qtype
    if qtype in ("single", "multiple"):
        picked = ({str(response.get("choice"))} if qtype == "single"
                  else set(map(str, response.get("choices") or [])))
        return [o["feedback"] for o in data.get("options", [])
                if str(o.get("id")) in picked and o.get("feedback")]
    if qtype == "truefalse":
        if not isinstance(response.get("answer"), bool):
            return []
        text = data.get("feedback_true" if response["answer"] else "feedback_false") or ""
        return [text] if text else []
    if qtype in ("shortanswer", "numerical"):
        matched = matching_answer(version, response)
        return [matched["feedback"]] if matched and matched.get("feedback") else []
    return []
