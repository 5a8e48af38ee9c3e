"""Scoring tables for every question type: exact fractions, never below zero."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from assessments.quiz.services import scoring


def q(qtype, **data):
    return SimpleNamespace(qtype=qtype, data=data)


D = Decimal

SINGLE = q("single", options=[
    {"id": "a", "text": "Seven days", "fraction": "1", "feedback": "Right: seven."},
    {"id": "b", "text": "Fourteen days", "fraction": "0.5", "feedback": "Close."},
    {"id": "c", "text": "Never", "fraction": "-0.5", "feedback": "No."},
    {"id": "d", "text": "Thirty days", "fraction": "0", "feedback": ""},
])


@pytest.mark.parametrize("response, expected", [
    ({"choice": "a"}, D(1)),
    ({"choice": "b"}, D("0.5")),
    ({"choice": "c"}, D(0)),  # a penalty option never takes the question below zero
    ({"choice": "d"}, D(0)),
    ({"choice": "zz"}, D(0)),  # an option of another question
    ({}, D(0)),
    (None, D(0)),
])
def test_single(response, expected):
    assert scoring.score_response(SINGLE, response) == expected


MULTIPLE = q("multiple", options=[
    {"id": "a", "text": "Receipt", "fraction": "0.5", "feedback": "Yes, a receipt."},
    {"id": "b", "text": "Order number", "fraction": "0.5", "feedback": ""},
    {"id": "c", "text": "Photo of the box", "fraction": "-0.25", "feedback": "Not proof."},
    {"id": "d", "text": "Customer's word", "fraction": "-1", "feedback": ""},
])


@pytest.mark.parametrize("choices, expected", [
    (["a", "b"], D(1)),
    (["a"], D("0.5")),
    (["b", "a"], D(1)),
    (["a", "b", "c"], D("0.75")),
    (["a", "c"], D("0.25")),
    (["c"], D(0)),  # -0.25 held at zero
    (["a", "d"], D(0)),  # 0.5 - 1 held at zero
    (["a", "b", "c", "d"], D(0)),
    (["a", "a"], D("0.5")),  # a duplicate pick counts once
    ([], D(0)),
    (["x"], D(0)),
])
def test_multiple_partial_credit_and_penalties(choices, expected):
    assert scoring.score_response(MULTIPLE, {"choices": choices}) == expected


def test_multiple_thirds_add_up_to_full_marks():
    thirds = q("multiple", options=[
        {"id": i, "text": i, "fraction": "0.3333333"} for i in "abc"
    ] + [{"id": "d", "text": "d", "fraction": "-1"}])
    assert scoring.score_response(thirds, {"choices": ["a", "b", "c"]}) == D(1)
    assert scoring.score_response(thirds, {"choices": ["a"]}) == D(1) / 3


@pytest.mark.parametrize("answer, response, expected", [
    (True, {"answer": True}, D(1)),
    (True, {"answer": False}, D(0)),
    (False, {"answer": False}, D(1)),
    (False, {"answer": True}, D(0)),
    (False, {"answer": "false"}, D(0)),  # only booleans are answers
    (True, None, D(0)),
])
def test_truefalse(answer, response, expected):
    assert scoring.score_response(q("truefalse", answer=answer), response) == expected


SHORT = q("shortanswer", case_sensitive=False, answers=[
    {"text": "refund request", "fraction": "1", "feedback": "Exactly."},
    {"text": "refund*", "fraction": "0.5", "feedback": "Nearly."},
    {"text": "RMA", "fraction": "1", "feedback": ""},
    {"text": "a \\* b", "fraction": "1", "feedback": "Literal star."},
])


@pytest.mark.parametrize("text, expected", [
    ("refund request", D(1)),
    ("Refund Request", D(1)),  # case does not count here
    ("  refund   request ", D(1)),  # white space trimmed and collapsed
    ("refund\trequest", D(1)),
    ("ＲＭＡ", D(1)),  # full-width letters are the same letters
    ("refund form", D("0.5")),  # wildcard
    ("refund", D("0.5")),  # `*` matches the empty run too
    ("the refund form", D(0)),  # the wildcard is anchored
    ("a * b", D(1)),
    ("a x b", D(0)),  # \* is a literal star, not a wildcard
    ("", D(0)),
    ("   ", D(0)),
])
def test_shortanswer(text, expected):
    assert scoring.score_response(SHORT, {"text": text}) == expected


def test_shortanswer_best_match_wins_regardless_of_order():
    # "refund request" matches both "refund*" (50 %) and "refund request" (100 %).
    reordered = q("shortanswer", answers=list(reversed(SHORT.data["answers"])))
    assert scoring.score_response(reordered, {"text": "refund request"}) == D(1)
    assert scoring.matching_answer(SHORT, {"text": "Refund please"})["feedback"] == "Nearly."


@pytest.mark.parametrize("text, case_sensitive, expected", [
    ("CRM", True, D(1)),
    ("crm", True, D(0)),
    ("crm", False, D(1)),
    ("Crm", False, D(1)),
])
def test_shortanswer_case_rule(text, case_sensitive, expected):
    question = q("shortanswer", case_sensitive=case_sensitive,
                 answers=[{"text": "CRM", "fraction": "1"}])
    assert scoring.score_response(question, {"text": text}) == expected


NUMERICAL = q("numerical", answers=[
    {"value": "30", "tolerance": "0", "fraction": "1", "feedback": "Thirty days."},
    {"value": "29", "tolerance": "1", "fraction": "0.5", "feedback": "Close."},
    {"value": "*", "tolerance": "0", "fraction": "0", "feedback": "Check the policy."},
])


@pytest.mark.parametrize("text, expected", [
    ("30", D(1)),
    ("30.0", D(1)),
    ("+30", D(1)),
    ("３０", D(1)),  # full-width digits
    ("28", D("0.5")),  # 29 - 1: the edge is inside the tolerance
    ("29.5", D("0.5")),
    ("27.999", D(0)),  # just outside
    ("30.0001", D(0)),
    ("thirty", D(0)),
    ("30 days", D(0)),  # units are not understood
    ("", D(0)),
])
def test_numerical_tolerance_edges(text, expected):
    assert scoring.score_response(NUMERICAL, {"text": text}) == expected


def test_numerical_thousands_and_catch_all_feedback():
    big = q("numerical", answers=[{"value": "1000.5", "tolerance": "0.25", "fraction": "1"}])
    assert scoring.score_response(big, {"text": "1,000.75"}) == D(1)
    assert scoring.score_response(big, {"text": "1,00"}) == D(0)
    assert scoring.answer_feedback(NUMERICAL, {"text": "12"}) == ["Check the policy."]
    assert scoring.answer_feedback(NUMERICAL, {"text": "30"}) == ["Thirty days."]


def test_numerical_tolerance_is_exact_decimal():
    question = q("numerical", answers=[{"value": "0.3", "tolerance": "0.1", "fraction": "1"}])
    assert scoring.score_response(question, {"text": "0.2"}) == D(1)  # 0.1 + 0.2 in floats…
    assert scoring.score_response(question, {"text": "0.4"}) == D(1)


MATCHING = q("matching", pairs=[
    {"id": "p1", "prompt": "Opening", "answer": "Good morning, how may I help?"},
    {"id": "p2", "prompt": "Closing", "answer": "Is there anything else?"},
    {"id": "p3", "prompt": "Hold", "answer": "May I put you on hold?"},
    {"id": "p4", "prompt": "", "answer": "Please wait forever."},  # a distractor
])


@pytest.mark.parametrize("matches, expected", [
    ({"p1": "p1", "p2": "p2", "p3": "p3"}, D(1)),
    ({"p1": "p1", "p2": "p3", "p3": "p2"}, D(1) / 3),
    ({"p1": "p1", "p2": "p2"}, D(2) / 3),
    ({"p1": "p4", "p2": "p4", "p3": "p4"}, D(0)),
    ({"p1": "nope"}, D(0)),
    ({}, D(0)),
])
def test_matching(matches, expected):
    assert scoring.score_response(MATCHING, {"matches": matches}) == expected


def test_matching_duplicate_answer_texts_match_either_pair():
    question = q("matching", pairs=[
        {"id": "p1", "prompt": "Refund", "answer": "Finance"},
        {"id": "p2", "prompt": "Invoice", "answer": "Finance"},
        {"id": "p3", "prompt": "Points", "answer": "Loyalty desk"},
    ])
    # The page offers one "Finance" choice (lent by p1) for both prompts.
    assert scoring.score_response(question, {"matches": {"p1": "p1", "p2": "p1",
                                                         "p3": "p3"}}) == D(1)


def test_essay_is_graded_by_people():
    assert scoring.score_response(q("essay", response_hint=""), {"text": "My answer"}) is None


def test_unknown_type_is_an_error():
    with pytest.raises(ValueError):
        scoring.score_response(q("cloze"), {})


@pytest.mark.parametrize("question, response, expected", [
    (SINGLE, {"choice": "b"}, ["Close."]),
    (SINGLE, {"choice": "d"}, []),
    (MULTIPLE, {"choices": ["a", "c"]}, ["Yes, a receipt.", "Not proof."]),
    (q("truefalse", answer=True, feedback_true="Yes.", feedback_false="No, it is true."),
     {"answer": False}, ["No, it is true."]),
    (SHORT, {"text": "RMA"}, []),
    (SHORT, {"text": "refund request"}, ["Exactly."]),
    (SHORT, {"text": "nothing like it"}, []),
    (MATCHING, {"matches": {"p1": "p1"}}, []),
])
def test_answer_feedback(question, response, expected):
    assert scoring.answer_feedback(question, response) == expected


def test_fractions_are_never_floats():
    result = scoring.score_response(MULTIPLE, {"choices": ["a", "b", "c"]})
    assert isinstance(result, Decimal)
    assert scoring.fraction("abc") == 0
    assert scoring.fraction("NaN") == 0
