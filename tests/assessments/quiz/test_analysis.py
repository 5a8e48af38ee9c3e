"""Item analysis on hand-computed data, flags, and which attempts are read."""

from decimal import Decimal

import pytest

from assessments.quiz.models import Attempt, AttemptQuestion, Quiz
from assessments.quiz.services import analysis, bank
from assessments.quiz.services.analysis import ResponseRow
from lms.core import clock

D = Decimal
OPTIONS = (("a", "Seven days", True), ("b", "Thirty days", False), ("c", "Never", False))


def close(value, expected, places="0.0001"):
    return value is not None and abs(value - D(expected)) < D(places)


def rows_from(table, qtypes=None, responses=None):
    """table: {attempt id: [fraction per question]}; every question's mark is 1."""
    rows = []
    for attempt_id, fractions in table.items():
        for q, value in enumerate(fractions, start=1):
            qtype = (qtypes or {}).get(q, "shortanswer")
            rows.append(ResponseRow(
                attempt_id=attempt_id, question_id=q, name=f"Q{q}", qtype=qtype, mark=D(1),
                fraction=D(value), slot=q,
                response=(responses or {}).get((attempt_id, q)),
                options=OPTIONS if qtype == "single" else ()))
    return rows


# Four attempts, three one-mark questions (worked by hand):
#   attempt  Q1 Q2 Q3  total  score
#   1        1  1  1    3      100
#   2        1  1  0    2      66.67
#   3        0  0  1    1      33.33
#   4        0  0  0    0      0
# Q1: x = 1 1 0 0, rest of test (Q2+Q3 out of 2) = 100 50 50 0 %.
#     mean x .5, mean y 50; Σdx·dy = .5·50 + .5·0 − .5·0 − .5·−50 = 50; Σdx² = 1; Σdy² = 5000
#     discrimination = 100 · 50 / √(1 · 5000) = 100/√2 = 70.7107
#     sorted pairs give the same 50, so efficiency = 100.
#     facility 50; sd = √(1/3) · 100 = 57.7350.
# Q3: x = 1 0 1 0, rest (Q1+Q2) = 100 100 0 0 %: Σdx·dy = 25 − 25 − 25 + 25 = 0 → 0;
#     sorted: x 0 0 1 1, y 0 0 100 100 → Σ = 100, so efficiency 0.
# Scores: mean 50, median 50, sd = √((50² + (50/3)² · 2 + 50²) / 3) = √(50000/27) = 43.0331.
TABLE = {1: [1, 1, 1], 2: [1, 1, 0], 3: [0, 0, 1], 4: [0, 0, 0]}


def test_hand_computed_statistics():
    stats = analysis.item_analysis(rows_from(TABLE))
    assert stats.attempts == 4
    assert stats.mean == 50 and stats.median == 50
    assert close(stats.sd, "43.0331")
    q1, q2, q3 = stats.items
    assert (q1.name, q1.n, q1.facility) == ("Q1", 4, 50)
    assert close(q1.sd, "57.7350")
    assert close(q1.discrimination, D(100) / D(2).sqrt())
    assert close(q1.efficiency, 100)
    assert close(q2.discrimination, "70.7107")
    assert q3.discrimination == 0 and q3.efficiency == 0
    assert q1.flags == q3.flags == []  # fewer than 10 responses: no discrimination flags


def test_negative_discrimination():
    # Q1 is right for the weaker half: x = 0 0 1 1 against rest 100 50 50 0 %.
    table = {1: [0, 1, 1], 2: [0, 1, 0], 3: [1, 0, 1], 4: [1, 0, 0]}
    q1 = analysis.item_analysis(rows_from(table)).items[0]
    assert close(q1.discrimination, -D(100) / D(2).sqrt())
    assert close(q1.efficiency, -100)


def test_marks_and_different_draws_compare_as_percentages():
    # Attempt 2 drew a two-mark question instead of Q2; the rest of its test is still in %.
    rows = [
        ResponseRow(1, 1, "Q1", "truefalse", D(1), D(1)),
        ResponseRow(1, 2, "Q2", "truefalse", D(1), D(1)),
        ResponseRow(2, 1, "Q1", "truefalse", D(1), D(0)),
        ResponseRow(2, 3, "Q3", "numerical", D(2), D("0.5")),
        ResponseRow(3, 1, "Q1", "truefalse", D(1), D(1)),
        ResponseRow(3, 3, "Q3", "numerical", D(2), D(1)),
    ]
    stats = analysis.item_analysis(rows)
    assert [i.n for i in stats.items] == [3, 1, 2]
    # Scores: 2/2, 1/3, 3/3 → 100, 33.33, 100.
    assert close(stats.mean, D(700) / 9)
    q1 = stats.items[0]
    # Q1: x = 1 0 1 against rest 100 50 100 %: a perfect correlation.
    assert close(q1.discrimination, 100) and close(q1.facility, D(200) / 3)
    assert stats.items[1].discrimination is None  # one response: no spread


def test_one_question_quizzes_have_no_rest_of_test():
    stats = analysis.item_analysis(rows_from({1: [1], 2: [0], 3: [1]}))
    assert stats.items[0].discrimination is None and stats.items[0].efficiency is None
    assert close(stats.items[0].facility, D(200) / 3)


def test_nothing_to_analyse():
    stats = analysis.item_analysis([])
    assert (stats.attempts, stats.mean, stats.median, stats.sd, stats.items) == (
        0, None, None, None, [])


def test_option_frequencies():
    responses = {(1, 1): {"choice": "a"}, (2, 1): {"choice": "a"}, (3, 1): {"choice": "b"},
                 (4, 1): None}
    q1 = analysis.item_analysis(rows_from(TABLE, {1: "single"}, responses)).items[0]
    assert [(o.key, o.text, o.right, o.count, o.percent) for o in q1.options] == [
        ("a", "Seven days", True, 2, 50), ("b", "Thirty days", False, 1, 25),
        ("c", "Never", False, 0, 0)]
    assert q1.unanswered == 1


def test_true_false_and_multiple_frequencies():
    rows = [
        ResponseRow(1, 1, "TF", "truefalse", D(1), D(1), {"answer": True},
                    (("true", "True", True), ("false", "False", False))),
        ResponseRow(2, 1, "TF", "truefalse", D(1), D(0), {"answer": False},
                    (("true", "True", True), ("false", "False", False))),
        ResponseRow(1, 2, "MR", "multiple", D(1), D(1), {"choices": ["a", "b"]}, OPTIONS),
        ResponseRow(2, 2, "MR", "multiple", D(1), D("0.5"), {"choices": ["a"]}, OPTIONS),
    ]
    tf, mr = analysis.item_analysis(rows).items
    assert [(o.key, o.count) for o in tf.options] == [("true", 1), ("false", 1)]
    assert [(o.key, o.count) for o in mr.options] == [("a", 2), ("b", 1), ("c", 0)]


def ten_attempts():
    """Ten attempts, people 0–4 doing well overall (on G1–G4) and 5–9 not."""
    table = {}
    for i in range(10):
        table[i + 1] = [
            1 if i < 5 else 0, 1 if i < 6 else 0, 1 if i < 4 or i == 6 else 0,
            1 if i < 7 else 0,
            0 if i < 5 else 1,  # Q5: right only for the weaker half: a wrong key?
            1,  # Q6: everybody right
            0,  # Q7: nobody right
            1 if i in (4, 5) else 0,  # Q8: one either side of the middle: hardly discriminates
        ]
    return table


def test_flags_on_questions_that_look_broken():
    stats = analysis.item_analysis(rows_from(ten_attempts()))
    flags = {item.name: item.flags for item in stats.items}
    assert flags["Q1"] == flags["Q2"] == flags["Q3"] == flags["Q4"] == []
    assert flags["Q5"] == ["negative_discrimination"]
    assert flags["Q6"] == ["too_easy"]
    assert flags["Q7"] == ["too_hard"]
    assert 0 <= stats.items[7].discrimination < 10
    assert flags["Q8"] == ["weak_discrimination"]


# Reading attempts from the database


@pytest.fixture
def graded(db, app, make_person):
    category = bank.create_category(db.session, None, "Stats")
    question = bank.create_question(db.session, None, category, bank.QuestionData(
        qtype="single", text="Days?", name="Days", data={"options": [
            {"id": "a", "text": "7", "fraction": "1"}, {"id": "b", "text": "30",
                                                        "fraction": "0"}]}))
    version = bank.current_version(question)
    quiz = Quiz(title="Exam")
    db.session.add(quiz)
    people = [make_person(), make_person()]

    def attempt(person, number, choice, state="finished"):
        right = choice == "a"
        made = Attempt(quiz=quiz, person_id=person.id, number=number, state=state,
                       started_at=clock.now(), score=D(100 if right else 0) if state ==
                       "finished" else None)
        made.questions.append(AttemptQuestion(
            slot=1, version=version, mark=D(1), response={"choice": choice},
            fraction=(D(1) if right else D(0)) if state == "finished" else None))
        db.session.add(made)

    attempt(people[0], 1, "b")
    attempt(people[0], 2, "a")
    attempt(people[1], 1, "a")
    attempt(people[1], 2, "b", state="in_progress")
    db.session.commit()
    return quiz


@pytest.mark.parametrize("which, attempts, facility, picked_a", [
    ("first", 2, 50, 1),
    ("last", 2, 100, 2),
    ("all", 3, D(200) / 3, 2),
])
def test_quiz_statistics_reads_the_chosen_attempts(db, graded, which, attempts, facility,
                                                   picked_a):
    stats = analysis.quiz_statistics(db.session, graded, which)
    assert stats.attempts == attempts
    (item,) = stats.items
    assert item.name == "Days" and close(item.facility, facility)
    assert item.options[0].count == picked_a
