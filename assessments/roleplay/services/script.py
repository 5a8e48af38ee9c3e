"""The scripted customer: what it says next, in the language the agent writes in.

A script is a list of turns. At each turn the customer answers the first branch whose keyword
(any language's) is in the agent's message and moves on to the next turn; when no keyword
matches, it says the turn's `reply` — a line that asks again ("Sorry, I don't follow — are
you going to help me with the refund?") — and waits at the same turn, so a message that does
not answer never counts as if it had. A turn without branches always answers with its reply
and moves on.
"""

import re
from dataclasses import dataclass

from assessments.roleplay.models import Scenario, ScriptTurn
from lms.core.i18n import LANGUAGE_NAMES, current_language

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Reply:
    text: str
    turn: int | None  # the turn answered (the script moves on), None when it waits


def message_language(text: str, fallback: str | None = None) -> str:
    """The language an agent's message is written in, as far as the scripted customer needs:
    Chinese when it has Han characters, English when it has Latin words only, else `fallback`
    (the page's language)."""
    chinese = next((code for code in LANGUAGE_NAMES if code.startswith("zh")), None)
    if chinese and _HAN.search(text or ""):
        return chinese
    if _LATIN.search(text or "") and "en" in LANGUAGE_NAMES:
        return "en"
    return fallback or current_language()


def turn_text(turn: ScriptTurn, language: str, branch: int | None = None) -> str:
    """A turn's reply (or its `branch`-th branch's reply) in `language`, else the default."""
    other = (turn.translations or {}).get(language) or {}
    if branch is None:
        return other.get("reply") or turn.reply
    replies = other.get("branches") or []
    own = turn.branches[branch].get("reply") or turn.reply
    return (replies[branch] if branch < len(replies) and replies[branch] else own)


def opening_line(scenario: Scenario, language: str) -> str:
    """The customer's first message in `language`, else the default language."""
    return scenario.translation("opening_message", language) or scenario.opening_message


def next_reply(scenario: Scenario, answered_turns: list[int], text: str,
               language: str) -> Reply | None:
    """What the scripted customer says to the agent's message `text`, given the turns already
    answered; None when the script has run out."""
    position = max(answered_turns, default=-1) + 1
    turn = next((t for t in scenario.script if t.position == position), None)
    if turn is None:
        return None
    folded = text.casefold()
    for index, branch in enumerate(turn.branches or []):
        if any(k.strip() and k.strip().casefold() in folded for k in branch.get("keywords", [])):
            return Reply(turn_text(turn, language, index), turn.position)
    if turn.branches:
        return Reply(turn_text(turn, language), None)
    return Reply(turn_text(turn, language), turn.position)
