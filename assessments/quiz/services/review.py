"""What a page may show of an attempt: the questions without their keys while it is open, and
on review only what the quiz's review options allow at this moment.

Moments: "during" (the attempt is open), "immediately" (the first IMMEDIATE_SECONDS after it
finished), "open" (later, while the quiz is still open for the person), "final" (the person has
used their last attempt, the quiz still open), "closed" (after the person's close date; a quiz
without one never reaches it). "closed" wins over "final", which wins over the other two: once
no attempt is left, what is shown no longer helps a next one.

Items: score, competencies (the competencies to work on: each one's score, or "not enough
evidence"), responses, right_answers, feedback. Nothing listed, nothing shown — and what is not
allowed is never put into the page's data, so it cannot leak into the HTML or JSON.
Certification (closed-book) exams default to score and competencies until the last attempt
(models.CERTIFICATION_REVIEW).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from assessments.quiz.models import REVIEW_ITEMS, Attempt, AttemptQuestion
from assessments.quiz.services import languages, scoring
from assessments.quiz.services.attempts import OPEN_STATES
from assessments.quiz.services.bank import question_html
from assessments.quiz.services.quizzes import rules_for
from assessments.quiz.services.responses import matching_choices, matching_prompts
from lms.core import clock
from lms.people.models import Person

IMMEDIATE_SECONDS = 120
ALL_ITEMS = frozenset(REVIEW_ITEMS)


def moment(attempt: Attempt, closes_at: datetime | None, now: datetime | None = None,
           last: bool = False) -> str:
    """The review moment of an attempt now (see the module docstring); `last`: the person
    has no attempt left."""
    now = now or clock.now()
    if attempt.state in OPEN_STATES:
        return "during"
    if closes_at is not None and now >= closes_at:
        return "closed"
    if last:
        return "final"
    finished = attempt.finished_at or now
    if now < finished + timedelta(seconds=IMMEDIATE_SECONDS):
        return "immediately"
    return "open"


def _no_attempt_left(allowed: int, made: list[Attempt]) -> bool:
    return allowed > 0 and len(made) >= allowed \
        and not any(a.state in OPEN_STATES for a in made)


def allowed_items(session, attempt: Attempt, person: Person, now: datetime | None = None) \
        -> frozenset[str]:
    """The review items the attempt's owner may see now."""
    rules = rules_for(session, attempt.quiz, person)
    made = list(session.scalars(select(Attempt).where(
        Attempt.quiz_id == attempt.quiz_id, Attempt.person_id == attempt.person_id)))
    options = attempt.quiz.review_options or {}
    last = _no_attempt_left(rules.attempts_allowed, made)
    return frozenset(options.get(moment(attempt, rules.closes_at, now, last), ()))


def reviewable(session, quiz, person: Person, past: list[Attempt],
               now: datetime | None = None) -> dict[int, frozenset[str]]:
    """{attempt id: review items allowed now} for a person's finished attempts of a quiz
    (`past`: all their attempts of it)."""
    rules = rules_for(session, quiz, person)
    options = quiz.review_options or {}
    last = _no_attempt_left(rules.attempts_allowed, past)
    return {a.id: frozenset(options.get(moment(a, rules.closes_at, now, last), ()))
            for a in past if a.state == "finished"}


def grade_visible(allowed: dict[int, frozenset[str]]) -> bool:
    """Show the person's overall grade only once some attempt's score may be seen."""
    return any("score" in items for items in allowed.values())


@dataclass(frozen=True)
class CompetencyView:
    """One competency on review: its score in the attempt, or not enough evidence."""

    name: str
    score: Decimal | None  # None: fewer questions than a level needs
    items: int
    needed: int
    work_on: bool


def competencies_to_work_on(session, attempt: Attempt) -> list[CompetencyView]:
    """The attempt's competencies, weakest first (those without enough questions last),
    each marked to work on when its score is below the pass mark."""
    from assessments.quiz.services.grading import competency_tallies
    from lms.competencies.models import Competency

    tallies = competency_tallies(session, attempt)
    if not tallies:
        return []
    names = {c.id: c.tr("name") for c in session.scalars(
        select(Competency).where(Competency.id.in_(tallies)))}
    views = [CompetencyView(names.get(cid, "?"), t.score if t.enough else None, t.items,
                            t.needed, t.enough and t.score < attempt.quiz.pass_mark)
             for cid, t in tallies.items()]
    return sorted(views, key=lambda v: (v.score is None, v.score or 0, v.name))


@dataclass
class QuestionView:
    """One question as a page shows it. The review fields stay empty unless allowed."""

    slot: int
    qtype: str
    name: str
    text: Markup
    mark: Decimal
    fell_back: bool  # shown (partly) in the content's default language: the page says so
    sequence: int
    response: dict | None
    options: list[tuple[str, str]] = field(default_factory=list)  # (id, text), shown order
    prompts: list[tuple[str, str]] = field(default_factory=list)  # matching
    choices: list[tuple[str, str]] = field(default_factory=list)  # matching answers
    response_hint: str = ""
    # Review only:
    show_response: bool = True
    earned: Decimal | None = None
    state: str = ""  # correct, partial, wrong, pending (score allowed)
    right_answers: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    general_feedback: str = ""
    grader_comment: str = ""
    combined_feedback: str = ""  # Moodle's correct / partially correct / incorrect feedback
    hint: str = ""  # during an attempt with feedback, after an answer not fully right


def question_view(aq: AttemptQuestion, items: frozenset[str] = frozenset(),
                  with_response: bool = True, during: bool = False) -> QuestionView:
    """A page's view of one attempt question; `items` are the review items allowed. While
    the attempt is open (`during`) they apply only to answered questions, and the score is
    what the saved answer would earn (essays wait for their grader)."""
    version = aq.version
    fraction = aq.fraction
    if during:
        if aq.response is None:
            items = frozenset()
        elif "score" in items or "feedback" in items:
            from assessments.quiz.services.grading import fraction_for

            fraction = fraction_for(version, aq.response)
    local = languages.shown(version)
    data = local.data
    view = QuestionView(slot=aq.slot, qtype=version.qtype, name=local.name,
                        text=_html(local.text), mark=aq.mark, fell_back=local.fell_back,
                        sequence=aq.sequence, response=aq.response if with_response else None,
                        show_response=with_response)
    if version.qtype in ("single", "multiple"):
        texts = {o["id"]: o["text"] for o in data.get("options", [])}
        view.options = [(oid, texts[oid]) for oid in aq.option_order if oid in texts]
    elif version.qtype == "truefalse":
        view.options = [("true", _("True")), ("false", _("False"))]
    elif version.qtype == "matching":
        view.prompts = matching_prompts(local)
        texts = dict(matching_choices(local))
        view.choices = [(cid, texts[cid]) for cid in aq.option_order if cid in texts]
    elif version.qtype == "essay":
        view.response_hint = data.get("response_hint", "")
    if version.qtype == "description":
        pass  # text between questions: no score, no state
    elif "score" in items and fraction is not None:
        view.earned = Decimal(fraction) * aq.mark
        view.state = "correct" if fraction >= 1 else "wrong" if fraction <= 0 else "partial"
    elif "score" in items and not during:
        view.state = "pending"
    if "right_answers" in items:
        view.right_answers = right_answers(aq, local)
    if "feedback" in items:
        view.feedback = [_html(text) for text in response_feedback(aq, local)]
        view.general_feedback = _html(local.general_feedback) if local.general_feedback \
            else ""
        view.grader_comment = aq.feedback or ""
        if version.qtype != "description" and fraction is not None:
            _combined_and_hint(view, data, Decimal(fraction), during)
    return view


COMBINED_KEYS = {"correct": "correctfeedback", "partial": "partiallycorrectfeedback",
                 "wrong": "incorrectfeedback"}


def _combined_and_hint(view: QuestionView, data: dict, fraction: Decimal,
                       during: bool) -> None:
    """The combined feedback for how right the answer is and, while the attempt is open (the
    quiz gives feedback as you answer, like Moodle's interactive mode), the first hint when it
    is not fully right. Both belong to the "feedback" review item."""
    outcome = "correct" if fraction >= 1 else "wrong" if fraction <= 0 else "partial"
    text = (data.get("combined_feedback") or {}).get(COMBINED_KEYS[outcome])
    view.combined_feedback = _html(text) if text else ""
    hints = data.get("hints") or []
    if during and outcome != "correct" and hints:
        view.hint = _html(hints[0])


@lru_cache(maxsize=2048)
def _html(markdown: str) -> Markup:
    """Question text and feedback are Markdown (see the bank); shown as sanitised HTML.
    Cached per process: an exam shows the same few hundred texts to everyone taking it."""

    return question_html(markdown)


def _fraction(value) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def right_answers(aq: AttemptQuestion, local: "languages.ShownVersion | None" = None) \
        -> list[str]:
    """The right answer(s) as text, in `local`'s language: what earns full marks (or, for
    multiple response, what earns any)."""
    version = aq.version
    data = (local or languages.shown(version)).data
    if version.qtype == "single":
        options = data.get("options", [])
        best = max((_fraction(o.get("fraction")) for o in options), default=Decimal(0))
        return [o["text"] for o in options if _fraction(o.get("fraction")) == best and best > 0]
    if version.qtype == "multiple":
        return [o["text"] for o in data.get("options", []) if _fraction(o.get("fraction")) > 0]
    if version.qtype == "truefalse":
        return [_("True") if data.get("answer") else _("False")]
    if version.qtype == "shortanswer":
        return [a["text"] for a in data.get("answers", []) if _fraction(a.get("fraction")) >= 1]
    if version.qtype == "numerical":
        shown = []
        for answer in data.get("answers", []):
            if _fraction(answer.get("fraction")) >= 1:
                tolerance = _fraction(answer.get("tolerance"))
                shown.append(f"{answer['value']} ± {answer.get('tolerance')}" if tolerance
                             else str(answer["value"]))
        return shown
    if version.qtype == "matching":
        return [f"{prompt} → {pair['answer']}" for pair in data.get("pairs", [])
                if (prompt := (pair.get("prompt") or "").strip())]
    return []


def response_feedback(aq: AttemptQuestion,
                      local: "languages.ShownVersion | None" = None) -> list[str]:
    """The author's feedback on the answer the learner gave, in `local`'s language."""
    local = local or languages.shown(aq.version)
    if aq.version.qtype in ("shortanswer", "numerical"):
        # The answer matched may be another language's; its feedback follows the page's.
        matched = scoring.matching_answer(aq.version, aq.response)
        if not matched:
            return []
        index = matched.get("index")
        answers = local.data.get("answers", [])
        text = answers[index].get("feedback") if index is not None and index < len(answers) \
            else matched.get("feedback")
        return [text] if text else []
    return scoring.answer_feedback(local, aq.response)
