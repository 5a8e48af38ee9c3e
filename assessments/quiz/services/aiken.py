"""The Aiken format: single-choice questions as plain text.

    Which document proves a purchase?
    A. A photo of the box
    B. The receipt
    C. The customer's word
    ANSWER: B

The question text comes first (one or more lines), then options "A." or "A)" in order, then
"ANSWER: <letter>". Blank lines between questions are optional. A malformed file is refused as
a whole, each problem with its line number.
"""

import re

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.quiz.models import Question, QuestionCategory
from assessments.quiz.services.bank import (
    ImportProblem,
    ImportResult,
    ParsedQuestion,
    QuestionData,
    current_version,
    import_questions,
)

_OPTION = re.compile(r"^([A-Z])[.)]\s+(.*\S)\s*$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*?)\s*$", re.IGNORECASE)


def parse_aiken(text: str) -> tuple[list[ParsedQuestion], list[ImportProblem]]:
    """Every question of an Aiken file, and every problem found (with line numbers)."""
    questions: list[ParsedQuestion] = []
    problems: list[ImportProblem] = []
    stem: list[str] = []
    options: list[tuple[str, str, int]] = []
    start = 0

    skipping = False  # after a problem, the rest of that question up to its ANSWER: line

    def reset():
        nonlocal stem, options, start
        stem, options, start = [], [], 0

    def refuse(number: int, message: str):
        nonlocal skipping
        problems.append(ImportProblem(number, message))
        skipping = True
        reset()

    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = _ANSWER.match(line)
        if skipping:
            skipping = answer is None
            continue
        option = _OPTION.match(line) if stem else None
        if answer:
            if not stem:
                problems.append(ImportProblem(number, _("ANSWER: without a question before it")))
            elif len(options) < 2:
                problems.append(ImportProblem(number, _(
                    "a question needs at least two options (A. …, B. …) before ANSWER:")))
            else:
                letter = answer.group(1).upper().rstrip(".)")
                letters = [o[0] for o in options]
                if letter not in letters:
                    problems.append(ImportProblem(number, _(
                        "the answer %(answer)s is not one of the options %(first)s–%(last)s",
                        answer=answer.group(1) or "''", first=letters[0], last=letters[-1])))
                else:
                    questions.append(_question(stem, options, letter, start))
            reset()
        elif option:
            expected = chr(ord("A") + len(options))
            if option.group(1) != expected:
                refuse(number, _("option %(letter)s is out of order (expected %(expected)s)",
                                 letter=option.group(1), expected=expected))
            else:
                options.append((option.group(1), option.group(2), number))
        elif options:
            refuse(number, _("expected the next option (%(letter)s. …) or ANSWER: after the "
                             "options", letter=chr(ord("A") + len(options))))
        else:
            if not stem:
                start = number
            stem.append(line)
    if stem:
        problems.append(ImportProblem(start, _("the question has no ANSWER: line")))
    return questions, problems


def _question(stem: list[str], options, letter: str, start: int) -> ParsedQuestion:
    data = {"options": [{"id": o[0].lower(), "text": o[1], "fraction": "1" if o[0] == letter
                         else "0", "feedback": ""} for o in options]}
    lines = {f"options-{i}": o[2] for i, o in enumerate(options)}
    return ParsedQuestion(line=start, question=QuestionData(
        qtype="single", text="\n".join(stem), data=data), lines=lines)


def import_aiken(session, actor, text: str, target: QuestionCategory) -> ImportResult:
    """Import an Aiken file into `target`; refuses the whole file (ImportRefused, nothing
    written) when any line is wrong."""
    questions, problems = parse_aiken(text)
    return import_questions(session, actor, questions, target, problems)


def aiken_ready(version) -> bool:
    """Aiken can carry a single-choice question with one right option and no partial credit,
    whose texts fit on one line."""
    if version.qtype != "single":
        return False
    options = version.data.get("options", [])
    return (len(options) <= 26 and "\n" not in version.text
            and all(o["fraction"] in ("0", "1") and "\n" not in o["text"] for o in options)
            and sum(o["fraction"] == "1" for o in options) == 1)


def export_aiken(session, category: QuestionCategory) -> tuple[str, int]:
    """The category's questions that Aiken can carry, and how many others were left out."""
    blocks, skipped = [], 0
    for question in session.scalars(select(Question).where(
            Question.category_id == category.id, Question.archived.is_(False))
            .order_by(Question.id)):
        version = current_version(question)
        if not aiken_ready(version):
            skipped += 1
            continue
        lines = [version.text]
        right = ""
        for i, option in enumerate(version.data["options"]):
            letter = chr(ord("A") + i)
            lines.append(f"{letter}. {option['text']}")
            if option["fraction"] == "1":
                right = letter
        lines.append(f"ANSWER: {right}")
        blocks.append("\n".join(lines))
    return ("\n\n".join(blocks) + "\n" if blocks else ""), skipped
