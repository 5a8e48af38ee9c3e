"""The new hire takes the demo exam in the browser: answers saved as they are given, a reload in
the middle keeps them, a first attempt fails, the second passes, and the review shows what the
exam's review options allow (score, answers, feedback; not the right answers)."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assessments.quiz.demo import EXAM_TITLE
from assessments.quiz.models import Attempt, AttemptQuestion
from assessments.quiz.services.responses import matching_choices, matching_prompts
from lms.core.extensions import db
from tests.e2e.pages import (
    DEMO_LOGINS,
    answer_question,
    answered_value,
    expect_saved,
    flash_messages,
    follow_nav_link,
    login_as,
)

pytestmark = pytest.mark.e2e


def right_answer(aq: AttemptQuestion):
    """The answer that earns full marks, in the form `answer_question` takes."""
    version, data = aq.version, aq.version.data
    if version.qtype == "single":
        return next(o["id"] for o in data["options"] if float(o["fraction"]) == 1)
    if version.qtype == "multiple":
        return [o["id"] for o in data["options"] if float(o["fraction"]) > 0]
    if version.qtype == "truefalse":
        return "true" if data["answer"] else "false"
    if version.qtype == "shortanswer":
        best = next(a["text"] for a in data["answers"] if float(a["fraction"]) == 1)
        return re.sub(r"(?<!\\)\*", "", best).replace("\\*", "*")
    if version.qtype == "numerical":
        return next(a["value"] for a in data["answers"]
                    if float(a["fraction"]) == 1 and a["value"] != "*")
    if version.qtype == "matching":
        choice_of = {text: choice_id for choice_id, text in matching_choices(version)}
        answers = {p["id"]: p["answer"] for p in data["pairs"]}
        return {pid: choice_of[answers[pid]] for pid, _prompt in matching_prompts(version)}
    raise AssertionError(f"the exam should not hold {version.qtype} questions")


def questions_of(page) -> list[AttemptQuestion]:
    """The questions of the attempt the page shows, read from the database."""
    attempt_id = int(re.search(r"/attempts/(\d+)", page.path).group(1))
    db.session.remove()
    found = db.session.scalars(select(AttemptQuestion).where(
        AttemptQuestion.attempt_id == attempt_id).order_by(AttemptQuestion.slot)).all()
    for aq in found:
        aq.version  # noqa: B018  (load it before the session ends)
    db.session.remove()
    return found


def open_exam(page) -> None:
    follow_nav_link(page, "/quizzes")
    expect(page.heading()).to_have_text("Quizzes and exams")
    page.click(page.raw.get_by_role("link", name=EXAM_TITLE))
    expect(page.heading()).to_contain_text(EXAM_TITLE)


def submit_attempt(page) -> None:
    page.click(page.raw.get_by_role("button", name="Finish attempt…"))
    expect(page.heading()).to_have_text("Summary of your attempt")
    page.click(page.raw.get_by_role("button", name="Submit all and finish"))
    expect(page.heading()).to_contain_text("Review of attempt")


def test_new_hire_fails_then_passes_the_exam(page, demo):
    login_as(page, "agent")
    open_exam(page)
    expect(page.raw.locator("main")).to_contain_text("Closed book")
    page.click(page.raw.get_by_role("button", name="Start attempt 1"))
    questions = questions_of(page)
    assert len(questions) == 20
    assert "RIGHT" not in page.raw.content()  # no keys on the page (see the view tests)

    # Attempt 1: the first eight right, saved as they are given; then a reload.
    for aq in questions[:8]:
        answer_question(page, aq.slot, aq.version.qtype, right_answer(aq))
        expect_saved(page, aq.slot)
    page.goto(page.path)
    for aq in questions[:8]:
        expected = right_answer(aq)
        shown = answered_value(page, aq.slot, aq.version.qtype)
        if aq.version.qtype == "multiple":
            expected = sorted(expected)
        elif aq.version.qtype == "matching":
            shown = {k: v for k, v in shown.items() if v}
        assert shown == expected, (aq.slot, aq.version.qtype)
    assert answered_value(page, questions[8].slot, questions[8].version.qtype) in (
        None, "", [], {p: "" for p, _t in matching_prompts(questions[8].version)})
    submit_attempt(page)
    main = page.raw.locator("main")
    # A certification exam shows the score and the competencies to work on, nothing that
    # would turn attempt 2 into a memory test.
    expect(main).to_contain_text("Not passed")
    expect(main).to_contain_text("The competencies to work on")
    expect(main).not_to_contain_text("Your answer")
    expect(main.get_by_role("heading", name="Right answer")).to_have_count(0)
    first_questions = {aq.version.question_id for aq in questions}

    # Attempt 2: everything right; half saved with the Save button, half as given.
    page.click(page.raw.get_by_role("link", name="Back to the quiz"))
    page.click(page.raw.get_by_role("button", name="Start attempt 2"))
    questions = questions_of(page)
    # Other questions than attempt 1's: the pool holds enough for both.
    assert not first_questions & {aq.version.question_id for aq in questions}
    for aq in questions[:9]:
        answer_question(page, aq.slot, aq.version.qtype, right_answer(aq))
        expect_saved(page, aq.slot)
    page.click(page.raw.get_by_role("button", name="Save answers"))
    assert "Your answers are saved." in flash_messages(page)
    for aq in questions[9:]:
        answer_question(page, aq.slot, aq.version.qtype, right_answer(aq))
    submit_attempt(page)
    expect(main).to_contain_text("100 %")
    expect(main).to_contain_text("Passed")
    # The last attempt is used: now the review shows everything.
    expect(main.get_by_role("heading", name="Right answer").first).to_be_visible()

    db.session.remove()
    # The demo agent's own attempts (the demo has others sit the exam too).
    agent_id = demo[DEMO_LOGINS["agent"]][0]
    finished = db.session.scalars(select(Attempt).where(Attempt.person_id == agent_id)
                                  .order_by(Attempt.number)).all()
    assert [(a.number, a.state, a.passed) for a in finished] == [
        (1, "finished", False), (2, "finished", True)]
    assert finished[0].score < 80
    db.session.remove()

    # The quiz page now shows the grade and no more attempts.
    page.click(page.raw.get_by_role("link", name="Back to the quiz"))
    expect(main).to_contain_text("100 % — passed")
    expect(main).to_contain_text("You have used all 2 attempts.")


def test_passing_a_knowledge_check_completes_its_lesson(page, demo):
    login_as(page, "agent")
    # The demo agent has done the first two lessons of the course, not this third one.
    follow_nav_link(page, "/quizzes")
    page.click(page.raw.get_by_role("link", name="Knowledge check: Tone on the phone and in chat"))
    lesson_link = page.raw.get_by_role("link", name="Tone on the phone and in chat", exact=True)
    page.click(lesson_link)
    expect(page.raw.get_by_role("button", name="Mark complete")).to_be_visible()
    page.back()
    page.click(page.raw.get_by_role("button", name="Start attempt 1"))
    for aq in questions_of(page):
        answer_question(page, aq.slot, aq.version.qtype, right_answer(aq))
        expect_saved(page, aq.slot)
    submit_attempt(page)
    main = page.raw.locator("main")
    expect(main).to_contain_text("Passed")
    expect(main.get_by_role("heading", name="Right answer").first).to_be_visible()
    page.click(page.raw.get_by_role("link", name="Back to the quiz"))
    page.click(lesson_link)
    expect(page.heading()).to_have_text("Tone on the phone and in chat")
    expect(main).to_contain_text("You have completed this lesson")


def test_the_exam_with_the_keyboard_alone_and_a_polite_timer(page, demo):
    """Start, answer and save with keys only; the clock is not a live region (a screen reader
    would read it every second) and a polite one says the time left at 10, 5 and 1 minutes."""
    page.raw.clock.install()
    login_as(page, "agent")
    open_exam(page)
    page.press(page.raw.get_by_role("button", name="Start attempt 1"))
    expect(page.heading()).to_contain_text(EXAM_TITLE)
    timer = page.raw.get_by_role("timer")
    expect(timer).to_contain_text("Time left:")
    assert timer.get_attribute("aria-live") is None
    spoken = page.raw.locator("[data-time-announce]")
    expect(spoken).to_have_attribute("aria-live", "polite")
    expect(spoken).to_have_text("")
    # The first choice question, answered from the keyboard: focus its first option, then
    # Space; the answer is saved on the server and the status is read out politely.
    fieldset = page.raw.locator("form.quiz-form fieldset.question").filter(
        has=page.raw.locator("input[type=radio]")).first
    option = fieldset.locator("input[type=radio]").first
    option.focus()
    page.raw.keyboard.press("Space")
    expect(option).to_be_checked()
    expect(fieldset.locator("[data-save-status]")).to_have_text("Saved")
    expect(fieldset.locator("[data-save-status]")).to_have_attribute("aria-live", "polite")
    # 45 minutes to answer: after 35 and a half, the live region says so once.
    page.raw.clock.fast_forward("35:30")
    expect(spoken).to_have_text("10 minutes left. Your answers are saved.")
    page.raw.clock.fast_forward("05:00")
    expect(spoken).to_have_text("5 minutes left. Your answers are saved.")
    # Save with the keyboard too.
    page.press(page.raw.get_by_role("button", name="Save answers"))
    assert "Your answers are saved." in flash_messages(page)
