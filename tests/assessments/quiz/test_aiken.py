"""Aiken: single-choice questions, errors by line with nothing imported, export, CLI."""

import textwrap

import pytest
from sqlalchemy import func, select

from assessments.quiz.models import Question, QuestionCategory
from assessments.quiz.services import aiken, bank

FILE = textwrap.dedent("""\
    Which document proves a purchase?
    A. A photo of the box
    B. The receipt
    C) The customer's word
    ANSWER: B

    What is the first of the five complaint steps?
    It comes before soothing.
    A. Listen
    B. Solve
    ANSWER: a
    Which tool records tickets?
    A. The ticketing system
    B. A notebook
    ANSWER: A
    """)


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_parse():
    questions, problems = aiken.parse_aiken(FILE)
    assert problems == []
    assert [q.line for q in questions] == [1, 7, 12]
    first = questions[0].question
    assert first.qtype == "single" and first.text == "Which document proves a purchase?"
    assert first.data["options"] == [
        {"id": "a", "text": "A photo of the box", "fraction": "0", "feedback": ""},
        {"id": "b", "text": "The receipt", "fraction": "1", "feedback": ""},
        {"id": "c", "text": "The customer's word", "fraction": "0", "feedback": ""}]
    second = questions[1].question
    # Each line of the text stays a line (a Markdown hard break).
    assert second.text == "What is the first of the five complaint steps?  \nIt comes before " \
                          "soothing."
    assert [o["fraction"] for o in second.data["options"]] == ["1", "0"]


@pytest.mark.parametrize("source, expected", [
    ("Q?\nA. x\nB. y\nANSWER: D\n", [(4, "the answer D is not one of the options A–B")]),
    ("Q?\nA. x\nANSWER: A\n", [(3, "at least two options")]),
    ("Q?\nA. x\nC. y\nANSWER: A\n", [(3, "option C is out of order (expected B)")]),
    # As in Moodle, text after the options starts the next question; the open one is dropped.
    ("Q?\nA. x\nB. y\nmore text\nANSWER: A\n", [(4, "expected the next option, C. …"),
                                                 (5, "at least two options")]),
    ("Q?\nA. x\nB. y\nmore\nR?\nA. x\nB. y\nANSWER: C\n",
     [(4, "expected the next option"), (8, "the answer C is not one of the options A–B")]),
    ("A) No question\nANSWER: A\n", [(1, "question not started"), (2, "question not started")]),
    ("ANSWER: A\n", [(1, "ANSWER: without a question")]),
    ("Q?\nA. x\nB. y\n", [(1, "the question has no ANSWER: line")]),
    ("Q?\nA. x\nB. y\nANSWER:\n", [(4, "the answer '' is not one of the options")]),
    ("", [(0, "no questions")]),
])
def test_malformed_files_are_refused_whole_with_line_numbers(db, app, source, expected):
    target = bank.create_category(db.session, None, "Inbox")
    db.session.commit()
    with pytest.raises(bank.ImportRefused) as refused:
        aiken.import_aiken(db.session, None, FILE + "\n" + source if source else source,
                           target)
    db.session.rollback()
    offset = len(FILE.splitlines()) + 1 if source else 0
    found = [(p.line, p.message) for p in refused.value.problems]
    assert len(found) == len(expected), found
    for (line, message), (want_line, want_text) in zip(found, expected, strict=True):
        assert line == (want_line + offset if want_line else 0) and want_text in message, found
    assert count(db, Question) == 0 and count(db, QuestionCategory) == 1


def test_import_and_export(db, app):
    target = bank.create_category(db.session, None, "Inbox")
    result = aiken.import_aiken(db.session, None, FILE, target)
    assert len(result.questions) == 3
    bank.create_question(db.session, None, target, bank.QuestionData(
        qtype="truefalse", text="Not for Aiken", data={"answer": True}))
    text, skipped = aiken.export_aiken(db.session, target)
    assert skipped == 1  # the true/false question
    assert text.startswith("Which document proves a purchase?\nA) A photo of the box\n"
                           "B) The receipt\nC) The customer's word\nANSWER: B\n\n")
    # Aiken has one line per question: a two-line text is flattened, as Moodle's export does.
    assert ("What is the first of the five complaint steps? It comes before soothing.\n"
            "A) Listen\n") in text
    again, problems = aiken.parse_aiken(text)
    assert problems == [] and len(again) == 3


def test_cli(db, app, runner, tmp_path):
    source = tmp_path / "bank.txt"
    source.write_text(FILE, encoding="utf-8")
    result = runner.invoke(args=["import-aiken", str(source), "--category", "Aiken/Inbox"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 questions." in result.output
    source.write_text("Q?\nA. x\nANSWER: A\n", encoding="utf-8")
    result = runner.invoke(args=["import-aiken", str(source), "--category", "Aiken/Inbox"])
    assert result.exit_code != 0 and "line 3: a question needs at least two options" in \
        result.output
    assert count(db, Question) == 3
