"""Item analysis for authors: how each question of a quiz behaved, after Moodle's quiz
statistics.

Over the finished, fully graded attempts chosen (each person's first by default), per question:
- facility index: the mean fraction of the question's mark earned × 100 (how easy it is);
- standard deviation of that fraction × 100 (sample, n − 1);
- discrimination index: the correlation between the score on this question and the score on
  the rest of the test (as a percentage of the rest's marks, so attempts that drew different
  questions compare), × 100. Good questions are answered well by people who do well overall;
- discriminative efficiency: the covariance above divided by the largest covariance those
  two sets of scores could have (each sorted), × 100;
- option frequencies for choice and true/false questions;
- flags: facility above 95 or below 5; with at least 10 responses, a discrimination index that
  is negative or below 10 (Moodle's 0.1 on its scale).
`item_analysis` is a pure function over rows; `quiz_statistics` reads the rows of one quiz.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assessments.quiz.models import Attempt, AttemptQuestion, Quiz
from assessments.quiz.services.scoring import fraction as read_fraction

HUNDRED = Decimal(100)
MIN_RESPONSES_FOR_DISCRIMINATION = 10
ATTEMPT_CHOICES = ("first", "last", "all")


@dataclass(frozen=True)
class ResponseRow:
    """One question as answered in one graded attempt. `options`: (key, text, right) of a
    choice or true/false question, for the frequency table."""

    attempt_id: int
    question_id: int
    name: str
    qtype: str
    mark: Decimal
    fraction: Decimal
    response: dict | None = None
    options: tuple[tuple[str, str, bool], ...] = ()
    slot: int = 0


@dataclass
class OptionCount:
    key: str
    text: str
    right: bool
    count: int
    percent: Decimal


@dataclass
class ItemStatistics:
    question_id: int
    name: str
    qtype: str
    n: int
    facility: Decimal
    sd: Decimal | None
    discrimination: Decimal | None
    efficiency: Decimal | None
    options: list[OptionCount] = field(default_factory=list)
    unanswered: int = 0
    flags: list[str] = field(default_factory=list)


@dataclass
class QuizStatistics:
    attempts: int
    mean: Decimal | None
    median: Decimal | None
    sd: Decimal | None
    items: list[ItemStatistics]


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _sample_sd(values: list[Decimal]) -> Decimal | None:
    if len(values) < 2:
        return None
    mean = _mean(values)
    return (sum(((v - mean) ** 2 for v in values), Decimal(0)) / (len(values) - 1)).sqrt()


def _median(values: list[Decimal]) -> Decimal:
    ordered, middle = sorted(values), len(values) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _correlations(xs: list[Decimal], ys: list[Decimal]) -> tuple[Decimal | None,
                                                                  Decimal | None]:
    """(discrimination, efficiency), both × 100; None where a spread is zero."""
    if len(xs) < 2:
        return None, None
    mx, my = _mean(xs), _mean(ys)
    covariance = sum(((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)), Decimal(0))
    var_x = sum(((x - mx) ** 2 for x in xs), Decimal(0))
    var_y = sum(((y - my) ** 2 for y in ys), Decimal(0))
    # The n − 1 denominators cancel in both ratios.
    discrimination = (HUNDRED * covariance / (var_x * var_y).sqrt()
                      if var_x * var_y > 0 else None)
    covariance_max = sum(((x - mx) * (y - my) for x, y in zip(sorted(xs), sorted(ys),
                                                              strict=True)), Decimal(0))
    efficiency = HUNDRED * covariance / covariance_max if covariance_max > 0 else None
    return discrimination, efficiency


def _option_counts(rows: list[ResponseRow]) -> tuple[list[OptionCount], int]:
    latest = rows[-1]
    counts: dict[str, int] = defaultdict(int)
    unanswered = 0
    for row in rows:
        response = row.response or {}
        if latest.qtype == "truefalse":
            picked = ([str(response["answer"]).lower()]
                      if isinstance(response.get("answer"), bool) else [])
        else:
            picked = ([response["choice"]] if "choice" in response
                      else list(response.get("choices") or []))
        if not picked:
            unanswered += 1
        for key in picked:
            counts[str(key)] += 1
    n = len(rows)
    return [OptionCount(key, text, right, counts[key], HUNDRED * counts[key] / n)
            for key, text, right in latest.options], unanswered


def _flags(item: ItemStatistics) -> list[str]:
    flags = []
    if item.facility > 95:
        flags.append("too_easy")
    elif item.facility < 5:
        flags.append("too_hard")
    if item.n >= MIN_RESPONSES_FOR_DISCRIMINATION and item.discrimination is not None:
        if item.discrimination < 0:
            flags.append("negative_discrimination")
        elif item.discrimination < 10:
            flags.append("weak_discrimination")
    return flags


def item_analysis(rows: list[ResponseRow]) -> QuizStatistics:
    """The statistics of a set of graded attempts, given as one row per question answered.
    Rows of one question should come oldest version first (its newest options are shown);
    questions are listed by the first slot they were seen in."""
    by_attempt: dict[int, list[ResponseRow]] = defaultdict(list)
    by_question: dict[int, list[ResponseRow]] = defaultdict(list)
    for row in rows:
        by_attempt[row.attempt_id].append(row)
        by_question[row.question_id].append(row)
    earned = {a: sum((r.fraction * r.mark for r in rs), Decimal(0))
              for a, rs in by_attempt.items()}
    available = {a: sum((r.mark for r in rs), Decimal(0)) for a, rs in by_attempt.items()}
    scores = [HUNDRED * earned[a] / available[a] for a in by_attempt if available[a] > 0]
    items = []
    order = sorted(by_question, key=lambda q: (min(r.slot for r in by_question[q]), q))
    for question_id in order:
        answered = by_question[question_id]
        xs, ys = [], []
        for row in answered:
            rest = available[row.attempt_id] - row.mark
            if rest > 0:
                xs.append(row.fraction)
                ys.append(HUNDRED * (earned[row.attempt_id] - row.fraction * row.mark) / rest)
        discrimination, efficiency = _correlations(xs, ys)
        sd = _sample_sd([r.fraction for r in answered])
        latest = answered[-1]
        item = ItemStatistics(
            question_id=question_id, name=latest.name, qtype=latest.qtype, n=len(answered),
            facility=HUNDRED * _mean([r.fraction for r in answered]),
            sd=HUNDRED * sd if sd is not None else None,
            discrimination=discrimination, efficiency=efficiency)
        if latest.options:
            item.options, item.unanswered = _option_counts(answered)
        item.flags = _flags(item)
        items.append(item)
    return QuizStatistics(
        attempts=len(scores), mean=_mean(scores) if scores else None,
        median=_median(scores) if scores else None, sd=_sample_sd(scores), items=items)


# Reading a quiz's attempts


def _options(version, true_label: str, false_label: str) -> tuple:
    data = version.data or {}
    if version.qtype in ("single", "multiple"):
        return tuple((str(o["id"]), o["text"], read_fraction(o.get("fraction")) > 0)
                     for o in data.get("options", []))
    if version.qtype == "truefalse":
        answer = bool(data.get("answer"))
        return (("true", true_label, answer), ("false", false_label, not answer))
    return ()


def chosen_attempts(session, quiz: Quiz, which: str = "first") -> list[Attempt]:
    """The finished, fully graded attempts analysed: each person's first or last, or all."""
    attempts = list(session.scalars(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.state == "finished",
                              Attempt.score.is_not(None))
        .order_by(Attempt.person_id, Attempt.number)))
    if which == "all":
        return attempts
    picked: dict[int, Attempt] = {}
    for attempt in attempts:
        if which == "last" or attempt.person_id not in picked:
            picked[attempt.person_id] = attempt
    return list(picked.values())


def quiz_statistics(session, quiz: Quiz, which: str = "first", true_label: str = "True",
                    false_label: str = "False") -> QuizStatistics:
    """Item analysis of a quiz over the attempts `chosen_attempts` picks."""
    ids = [a.id for a in chosen_attempts(session, quiz, which)]
    if not ids:
        return item_analysis([])
    shown = session.scalars(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id.in_(ids),
                                      AttemptQuestion.fraction.is_not(None))
        .options(selectinload(AttemptQuestion.version)))
    ordered = sorted(shown, key=lambda aq: (aq.version.question_id, aq.version.number,
                                            aq.attempt_id))
    return item_analysis([
        ResponseRow(attempt_id=aq.attempt_id, question_id=aq.version.question_id,
                    name=aq.version.name, qtype=aq.version.qtype, mark=Decimal(aq.mark),
                    fraction=Decimal(aq.fraction), response=aq.response,
                    options=_options(aq.version, true_label, false_label), slot=aq.slot)
        for aq in ordered])
