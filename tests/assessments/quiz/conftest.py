"""Quiz fixtures: a small question bank of every type, and a quiz builder."""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from assessments.quiz.models import (
    Question,
    QuestionCategory,
    QuestionCompetency,
    QuestionVersion,
)
from lms.core.extensions import db as _db


@dataclass
class SmallBank:
    """Categories and questions by name; `keys` holds each question's right answer text."""

    categories: dict[str, QuestionCategory] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)

    def version(self, name: str) -> QuestionVersion:
        return self.questions[name].versions[-1]


def add_question(session, category, name, qtype, text, data, competencies=(), mark="1",
                 general_feedback=""):
    """A question with one version (the builder the tests and the demo fixtures share)."""
    question = Question(category=category, difficulty=3)
    question.versions.append(QuestionVersion(
        number=1, qtype=qtype, name=name, text=text, data=data,
        default_mark=Decimal(mark), general_feedback=general_feedback))
    question.competency_links = [QuestionCompetency(competency_id=c.id) for c in competencies]
    session.add(question)
    return question


def build_small_bank(session) -> SmallBank:
    """Two categories ("Refunds" under "Product knowledge", and "Etiquette") with one
    question of every type; competencies from the default framework when installed."""
    from sqlalchemy import select

    from lms.competencies.models import Competency

    bank = SmallBank()
    product = QuestionCategory(name="Product knowledge", description="")
    refunds = QuestionCategory(name="Refunds", parent=product, description="")
    etiquette = QuestionCategory(name="Etiquette", description="")
    session.add_all([product, refunds, etiquette])
    bank.categories = {"Product knowledge": product, "Refunds": refunds, "Etiquette": etiquette}
    competencies = {c.code: c for c in session.scalars(select(Competency))}
    policy = [competencies[c] for c in ("PROD-POLICY",) if c in competencies]
    greet = [competencies[c] for c in ("ETQ-GREET",) if c in competencies]
    q = bank.questions
    q["refund-days"] = add_question(session, refunds, "refund-days", "single",
                                    "Within how many days may an unopened item be returned?", {
        "options": [
            {"id": "a", "text": "Seven days", "fraction": "1", "feedback": "RIGHT-7-FEEDBACK"},
            {"id": "b", "text": "Thirty days", "fraction": "0", "feedback": "WRONG-30"},
            {"id": "c", "text": "Never", "fraction": "0", "feedback": ""},
        ]}, policy, general_feedback="GENERAL-REFUND-FEEDBACK")
    q["refund-proof"] = add_question(session, refunds, "refund-proof", "multiple",
                                     "Which documents prove a purchase?", {
        "options": [
            {"id": "a", "text": "Receipt", "fraction": "0.5", "feedback": ""},
            {"id": "b", "text": "Order number", "fraction": "0.5", "feedback": ""},
            {"id": "c", "text": "A photo of the box", "fraction": "-1",
             "feedback": "PHOTO-FEEDBACK"},
        ]}, policy)
    q["points-expire"] = add_question(session, refunds, "points-expire", "truefalse",
                                      "Loyalty points expire after 12 months.", {
        "answer": True, "feedback_true": "TF-RIGHT", "feedback_false": "TF-WRONG"}, policy)
    q["refund-word"] = add_question(session, refunds, "refund-word", "shortanswer",
                                    "The form customers sign for a refund is the … form.", {
        "answers": [{"text": "SECRETKEYWORD", "fraction": "1", "feedback": "SA-FEEDBACK"}],
        "case_sensitive": False}, policy)
    q["refund-hours"] = add_question(session, refunds, "refund-hours", "numerical",
                                     "How many hours until a refund is confirmed?", {
        "answers": [{"value": "48", "tolerance": "2", "fraction": "1", "feedback": ""}]},
                                     policy)
    q["greet-match"] = add_question(session, etiquette, "greet-match", "matching",
                                    "Match the moment to the phrase.", {
        "pairs": [
            {"id": "p1", "prompt": "Opening", "answer": "Good morning, how may I help?"},
            {"id": "p2", "prompt": "Closing", "answer": "Is there anything else?"},
            {"id": "p3", "prompt": "", "answer": "Please hold forever."},
        ]}, greet)
    q["greet-essay"] = add_question(session, etiquette, "greet-essay", "essay",
                                    "Describe how you greet an angry caller.",
                                    {"response_hint": "Three sentences."}, greet, mark="2")
    session.flush()
    return bank


@pytest.fixture
def bank(app, defaults):
    built = build_small_bank(_db.session)
    _db.session.commit()
    return built


@pytest.fixture
def one_question_per_level(app, defaults):
    """Every competency evidences a level from a single question (the default needs 3): for
    tests of small quizzes whose subject is not that rule."""
    from sqlalchemy import update

    from lms.competencies.models import Competency

    _db.session.execute(update(Competency).values(min_items=1))
    _db.session.commit()


@pytest.fixture
def make_quiz(app, bank):
    """make_quiz(questions=[names] | None, draws=[(category, count)], publish=True, **settings)
    -> Quiz, committed."""
    from assessments.quiz.services import quizzes

    def make(questions=("refund-days", "refund-proof", "points-expire"), draws=(),
             publish=True, **settings):
        data = quizzes.QuizData(title=settings.pop("title", "Refund exam"), **settings)
        quiz = quizzes.save_quiz(_db.session, None, None, data)
        for name in questions:
            quizzes.add_question(_db.session, None, quiz, bank.questions[name].id)
        for category, count in draws:
            quizzes.add_draw(_db.session, None, quiz, bank.categories[category].id, count)
        if publish:
            quizzes.publish(_db.session, None, quiz)
        _db.session.commit()
        return quiz

    return make


@pytest.fixture
def agent(make_person):
    return make_person(("agent",), name="Ada Agent")
