"""The Aiken format: single-choice questions as plain text.

    Which document proves a purchase?
    A. A photo of the box
    B. The receipt
    C. The customer's word
    ANSWER: B

The question text comes first (one or more lines), then options "A." or "A)" in order (the
space after is optional, as in Moodle), then "ANSWER: <letter>". Blank lines between questions
are optional. Text is shown exactly as written (Moodle escapes it: `<b>` stays visible). A
malformed file is refused as a whole, each problem with its line number, or with
on_error="skip" the good questions are imported and the others listed.
"""

import re

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.quiz.models import Question, QuestionCategory
from assessments.quiz.services import textformat
from assessments.quiz.services.bank import (
    ImportProblem,
    ImportResult,
    ParsedQuestion,
    QuestionData,
    current_version,
    import_questions,
)
from lms.core.markdown import html_to_text, render_markdown

_OPTION = re.compile(r"^([A-Z])[.)][ \t]*(.*\S)\s*$")  # "A) text", "A.text": as Moodle
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*?)\s*$", re.IGNORECASE)


def parse_aiken(text: str) -> tuple[list[ParsedQuestion], list[ImportProblem]]:
    """Every question of an Aiken file, and every problem found (with line numbers). As in
    Moodle, an unfinished question is dropped (with a problem) when the next one starts."""
    questions: list[ParsedQuestion] = []
    problems: list[ImportProblem] = []
    stem: list[str] = []
    options: list[tuple[str, str, int]] = []
    start = 0
    broken = False  # the open question already has a problem: drop it at its ANSWER: line

    def reset():
        nonlocal stem, options, start, broken
        stem, options, start, broken = [], [], 0, False

    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = _ANSWER.match(line)
        option = _OPTION.match(line)
        if answer:
            if not stem:
                problems.append(ImportProblem(number, _(
                    "ANSWER: without a question before it (question not started)")))
            elif broken:
                pass
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
        elif option and not stem:
            problems.append(ImportProblem(number, _(
                "an option without a question before it (question not started)")))
        elif option:
            expected = chr(ord("A") + len(options))
            if broken:
                continue
            if option.group(1) != expected:
                problems.append(ImportProblem(number, _(
                    "option %(letter)s is out of order (expected %(expected)s)",
                    letter=option.group(1), expected=expected)))
                broken = True
            else:
                options.append((option.group(1), option.group(2), number))
        else:
            if options:
                problems.append(ImportProblem(number, _(
                    "the question before was not finished with ANSWER: (expected the next "
                    "option, %(letter)s. …, or ANSWER:); it was left out",
                    letter=chr(ord("A") + len(options)))))
                reset()
            if not stem:
                start = number
            stem.append(line)
    if stem:
        problems.append(ImportProblem(start, _("the question has no ANSWER: line")))
    return questions, problems


def _question(stem: list[str], options, letter: str, start: int) -> ParsedQuestion:
    # Moodle shows Aiken text exactly as written (it escapes HTML), never as markup.
    data = {"options": [{"id": o[0].lower(), "text": o[1], "fraction": "1" if o[0] == letter
                         else "0", "feedback": ""} for o in options]}
    lines = {f"options-{i}": o[2] for i, o in enumerate(options)}
    return ParsedQuestion(line=start, question=QuestionData(
        qtype="single", text=textformat.rich("\n".join(stem), "plain"), data=data),
        lines=lines)


def import_aiken(session, actor, text: str, target: QuestionCategory,
                 on_error: str = "stop") -> ImportResult:
    """Import an Aiken file into `target`; with on_error="stop" refuses the whole file
    (ImportRefused, nothing written) when any line is wrong, with "skip" imports the good
    questions and lists the others."""
    questions, problems = parse_aiken(text)
    return import_questions(session, actor, questions, target, problems, on_error)


def aiken_ready(version) -> bool:
    """Aiken can carry a single-choice question with one right option and no partial credit
    (texts over several lines are flattened onto one, as Moodle's export does)."""
    if version.qtype != "single":
        return False
    options = version.data.get("options", [])
    return (len(options) <= 26
            and all(o["fraction"] in ("0", "1") for o in options)
            and sum(o["fraction"] == "1" for o in options) == 1)


def _one_line(text: str) -> str:
    return " ".join(text.split())


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
        lines = [_one_line(html_to_text(render_markdown(version.text)))]
        right = ""
        for i, option in enumerate(version.data["options"]):
            letter = chr(ord("A") + i)
            lines.append(f"{letter}) {_one_line(option['text'])}")
            if option["fraction"] == "1":
                right = letter
        lines.append(f"ANSWER: {right}")
        blocks.append("\n".join(lines))
    return ("\n\n".join(blocks) + "\n" if blocks else ""), skipped
