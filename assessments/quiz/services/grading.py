"""Grading: per question, per attempt, per competency; essays by mentors; regrades; and the
person's grade across attempts. Callers own the commit.

The numbers, exactly:
- A question earns `fraction × mark` (fraction from `scoring`, 0–1; essays from a grader).
- An attempt's score is earned marks / available marks × 100, kept exact and stored cut (not
  rounded) to 4 decimal places, so the stored score never exceeds what was earned. It passes
  when score ≥ the quiz's pass mark, compared exactly: 79.995 shows as "80.0" (display rounds
  half up to one decimal, once) but does not pass an 80 mark.
- While an essay waits for its grade the attempt `needs_grading` and has no score; the score
  is final once every essay is graded.
- Per competency: each question's competencies get its score; a competency's score is the
  earned / available marks of its questions × 100 — but only when the attempt holds at least
  the competency's `min_items` questions tagged with it (3 by default); fewer give "not enough
  evidence" and no level. It is written as evidence (source kind "quiz", or "quiz_check" for a
  lesson's knowledge check, which the profile weighs 0 by default; source id the attempt) with
  level = low + score / 100 × (high − low) on the proficiency scale (1–5 by default: 0 % → 1,
  50 % → 3, 100 % → 5), cut to 2 decimals. A regrade or an essay grade rewrites the attempt's
  evidence; `rewrite_all_evidence` re-applies these rules to every finished attempt.
- The person's quiz grade follows the grading method over finished, fully graded attempts:
  highest, last, first, or the average of their scores.
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from assessments.quiz.models import (
    Attempt,
    AttemptQuestion,
    QuestionCompetency,
    QuestionVersion,
    Quiz,
)
from assessments.quiz.policy import gradeable_people_filter
from assessments.quiz.services import plans as plan_hook
from assessments.quiz.services import scoring
from assessments.quiz.services.responses import ordered_ids
from assessments.quiz.signals import essay_graded
from lms.competencies.models import Competency, Evidence, ProficiencyLevel
from lms.competencies.services.evidence import Observation, kind_weight, record_evidence
from lms.core import audit, clock, policy
from lms.core.errors import DomainError, NotFound
from lms.core.numbers import HUNDREDTHS, half_up
from lms.core.signals import result_recorded
from lms.people.models import Person

SCORE_PLACES = Decimal("0.0001")
LEVEL_PLACES = Decimal("0.01")
EVIDENCE_KIND = "quiz"
CHECK_EVIDENCE_KIND = "quiz_check"
COMMENT_MAX = 5000


def display_marks(marks: Decimal | None) -> str:
    """Marks as people read them: rounded half up to two decimals, trailing zeros dropped."""
    if marks is None:
        return "–"
    shown = half_up(marks, HUNDREDTHS).normalize()
    return f"{shown:f}"


def exact_score(earned: Decimal, available: Decimal) -> Decimal:
    """earned / available × 100, cut to 4 decimals (0 when nothing was available)."""
    if available <= 0:
        return Decimal(0)
    return (earned * 100 / available).quantize(SCORE_PLACES, rounding=ROUND_DOWN)


def fraction_for(version: QuestionVersion, response: dict | None) -> Decimal | None:
    """The automatic fraction (0–1) a response earns; None for essays (graded by people)."""
    if version.qtype == "essay":
        return None

    fraction = scoring.score_response(version, response)
    if fraction is None:
        return None
    return min(max(Decimal(fraction), Decimal(0)), Decimal(1))


def grade_attempt(session, attempt: Attempt) -> None:
    """Score every automatically graded question of a finished attempt, then total it."""
    for aq in attempt.questions:
        if aq.version.qtype != "essay":
            aq.fraction = fraction_for(aq.version, aq.response)
        elif aq.response is None and aq.fraction is None:
            # Nothing written, nothing to grade: an empty essay earns nothing.
            aq.fraction = Decimal(0)
    total_attempt(session, attempt)


def total_attempt(session, attempt: Attempt) -> None:
    """Marks, score and pass of a finished attempt from its questions' fractions; evidence and
    the lesson's completion once the score is final."""
    if attempt.state != "finished":
        return
    pending = [aq for aq in attempt.questions if aq.fraction is None]
    attempt.needs_grading = bool(pending)
    available = sum((aq.mark for aq in attempt.questions), Decimal(0))
    attempt.max_marks = available
    if pending:
        attempt.marks = attempt.score = attempt.passed = None
        session.flush()
        return
    earned = sum((Decimal(aq.fraction) * aq.mark for aq in attempt.questions), Decimal(0))
    attempt.marks = earned
    attempt.score = exact_score(earned, available)
    attempt.passed = attempt.score >= attempt.quiz.pass_mark
    session.flush()
    write_evidence(session, attempt)
    plan_hook.report_outcome(session, attempt, competency_scores(session, attempt))
    if attempt.passed and attempt.quiz.lesson_key:
        _complete_lesson(session, attempt)


def _complete_lesson(session, attempt: Attempt) -> None:
    try:
        from courses.services.progress import complete_lesson_by_quiz
    except ImportError:  # the courses package is optional
        return
    person = session.get(Person, attempt.person_id)
    try:
        complete_lesson_by_quiz(session, person, attempt.quiz.lesson_key)
    except DomainError:
        # The lesson left the course, or prerequisites are unmet: the quiz result stands.
        pass


@dataclass(frozen=True)
class CompetencyTally:
    """One competency in one attempt: its score, the questions tagged with it and how many
    it needs for a level."""

    competency_id: int
    score: Decimal
    items: int
    needed: int

    @property
    def enough(self) -> bool:
        return self.items >= self.needed


def competency_tallies(session, attempt: Attempt) -> dict[int, CompetencyTally]:
    """{competency id: CompetencyTally} over the questions tagged with each competency,
    enough evidence or not (an attempt without a score has none)."""
    if attempt.score is None:
        return {}
    scores, counts = _competency_marks(session, attempt)
    if not scores:
        return {}
    needed = dict(session.execute(select(Competency.id, Competency.min_items)
                                  .where(Competency.id.in_(scores))).all())
    return {cid: CompetencyTally(cid, score, counts[cid], needed.get(cid, 3))
            for cid, score in scores.items()}


def competency_scores(session, attempt: Attempt) -> dict[int, Decimal]:
    """{competency id: score 0–100} of the competencies the attempt holds enough questions
    on (see the module docstring); the others have no score."""
    return {cid: tally.score for cid, tally in competency_tallies(session, attempt).items()
            if tally.enough}


def _competency_marks(session, attempt: Attempt) \
        -> tuple[dict[int, Decimal], dict[int, int]]:
    # The versions' question ids in one read: walking `aq.version` loads each version (its
    # whole content) one statement at a time, for every attempt the engine looks at.
    question_of = dict(session.execute(select(QuestionVersion.id, QuestionVersion.question_id)
                                       .where(QuestionVersion.id.in_(
                                           {aq.question_version_id for aq in attempt.questions}))
                                       ).all())
    # The competency tags as rows: loading the questions (and what they load eagerly) to
    # read their links was most of the engine's time on a quiz.
    links: dict[int, list[int]] = {}
    for question_id, competency_id in session.execute(
            select(QuestionCompetency.question_id, QuestionCompetency.competency_id)
            .where(QuestionCompetency.question_id.in_(set(question_of.values())))):
        links.setdefault(question_id, []).append(competency_id)
    earned: dict[int, Decimal] = {}
    available: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    for aq in attempt.questions:
        for competency_id in links.get(question_of[aq.question_version_id], []):
            earned[competency_id] = earned.get(competency_id, Decimal(0)) \
                + Decimal(aq.fraction) * aq.mark
            available[competency_id] = available.get(competency_id, Decimal(0)) + aq.mark
            counts[competency_id] = counts.get(competency_id, 0) + 1
    return ({cid: exact_score(earned[cid], available[cid]) for cid in earned
             if available[cid] > 0}, counts)


def level_for(score: Decimal, low: int, high: int) -> Decimal:
    """A 0–100 score on the proficiency scale low…high, cut to 2 decimals."""
    return (Decimal(low) + score / 100 * (high - low)).quantize(LEVEL_PLACES, rounding=ROUND_DOWN)


def evidence_kind(quiz: Quiz) -> str:
    """"quiz_check" for a lesson's knowledge check, else "quiz"."""
    return CHECK_EVIDENCE_KIND if quiz.lesson_key else EVIDENCE_KIND


def write_evidence(session, attempt: Attempt) -> list[Evidence]:
    """Replace the attempt's competency evidence with rows from its current score (only
    competencies with enough questions; a knowledge check's under its own kind, weighted
    as the profile policy says)."""
    scores = competency_scores(session, attempt)
    kind = evidence_kind(attempt.quiz)
    weight = kind_weight(session, kind)
    other = EVIDENCE_KIND if kind == CHECK_EVIDENCE_KIND else CHECK_EVIDENCE_KIND
    record_evidence(session, person_id=attempt.person_id, source_kind=other,
                    source_id=attempt.id, observations=[])
    observations = []
    if scores:
        low, high = session.execute(select(func.min(ProficiencyLevel.level),
                                           func.max(ProficiencyLevel.level))).one()
        low, high = low or 1, high or 5
        observations = [Observation(competency_id=cid, level=level_for(score, low, high),
                                    score=score.quantize(LEVEL_PLACES, rounding=ROUND_DOWN),
                                    observed_at=attempt.finished_at, weight=weight)
                        for cid, score in sorted(scores.items())]
    rows = record_evidence(session, person_id=attempt.person_id, source_kind=kind,
                           source_id=attempt.id, observations=observations)
    _announce(session, attempt)
    return rows


def rewrite_all_evidence(session) -> int:
    """Write every finished, scored attempt's evidence again by the current rules (after an
    upgrade changed them); the stored levels follow. Returns the attempts rewritten."""
    done = 0
    for attempt in session.scalars(select(Attempt).where(
            Attempt.state == "finished", Attempt.score.is_not(None)).order_by(Attempt.id)):
        write_evidence(session, attempt)
        done += 1
    return done


def _announce(session, attempt: Attempt) -> None:
    # The certification engine re-evaluates the person's paths on this signal.
    result_recorded.send(EVIDENCE_KIND, session=session, person_id=attempt.person_id,
                         source_id=attempt.id)


# Essays


def grading_queue(session, actor) -> list[Attempt]:
    """Finished attempts waiting for an essay grade that `actor` may grade: a mentor's
    mentees', or everyone's for admins. Oldest first."""
    stmt = (select(Attempt).join(Person, Person.id == Attempt.person_id)
            .where(Attempt.state == "finished", Attempt.needs_grading.is_(True))
            .order_by(Attempt.finished_at, Attempt.id))
    return list(session.scalars(stmt.where(gradeable_people_filter(actor))))


def grade_essay(session, actor, aq: AttemptQuestion, mark: Decimal, comment: str = "") -> None:
    """Give an essay its mark (0 … the question's mark) and a comment. Refuses graders who
    may not grade this person, unfinished attempts and marks out of range. Changing a grade
    already given is allowed and audited the same way."""
    attempt = session.get(Attempt, aq.attempt_id)
    person = session.get(Person, attempt.person_id)
    if not policy.may(actor, "quiz.grade", person):
        raise NotFound(_("You may grade only your mentees' attempts."))
    if attempt.state != "finished":
        raise DomainError(_("This attempt is not submitted yet."))
    if aq.version.qtype != "essay":
        raise DomainError(_("Only essay questions are graded by hand."))
    if mark is None or not Decimal(0) <= mark <= aq.mark:
        raise DomainError(_("The mark is between 0 and %(max)s.", max=aq.mark), "mark")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("The comment is too long."), "comment")
    before = str(aq.fraction) if aq.fraction is not None else None
    was_pending = attempt.needs_grading
    aq.fraction = mark / aq.mark if aq.mark else Decimal(0)
    aq.feedback = comment
    aq.graded_by_id = actor.id
    aq.graded_at = clock.now()
    session.flush()
    audit.record(actor, "quiz.grade_essay", attempt, slot=aq.slot, mark=str(mark),
                 before=before)
    total_attempt(session, attempt)
    essay_graded.send(session, attempt=attempt, question=aq,
                      finalised=was_pending and not attempt.needs_grading)


# Regrading after a key correction


def regrade(session, actor, quiz: Quiz, old: QuestionVersion, new: QuestionVersion,
            reason: str) -> list[Attempt]:
    """Put `new` in place of `old` in every attempt of `quiz` that showed `old`, and regrade
    them (finished ones get new scores and evidence; essays keep their human grades). Refuses
    versions of different questions or types, and a missing reason. Audited per attempt."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say what was corrected (it goes in the audit log)."), "reason")
    if old.question_id != new.question_id or old.id == new.id:
        raise DomainError(_("Choose another version of the same question."), "new_version_id")
    if old.qtype != new.qtype:
        raise DomainError(_("The new version must be of the same question type."),
                          "new_version_id")
    attempt_ids = list(session.scalars(
        select(AttemptQuestion.attempt_id).join(Attempt)
        .where(Attempt.quiz_id == quiz.id, AttemptQuestion.question_version_id == old.id)
        .distinct().order_by(AttemptQuestion.attempt_id)))
    changed = []
    for attempt_id in attempt_ids:
        attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id)
                                 .with_for_update(key_share=True)
                                 .execution_options(populate_existing=True))
        before = (str(attempt.score) if attempt.score is not None else None, attempt.passed)
        for aq in attempt.questions:
            if aq.question_version_id == old.id:
                aq.question_version_id = new.id
                aq.version = new
                aq.option_order = _carry_order(aq.option_order, new)
                if new.qtype != "essay" and attempt.state == "finished":
                    aq.fraction = fraction_for(new, aq.response)
        session.flush()
        total_attempt(session, attempt)
        audit.record(actor, "quiz.regrade", attempt, reason, quiz_id=quiz.id,
                     old_version_id=old.id, new_version_id=new.id,
                     before={"score": before[0], "passed": before[1]},
                     after={"score": str(attempt.score) if attempt.score is not None else None,
                            "passed": attempt.passed})
        changed.append(attempt)
    return changed


def _carry_order(order: list, new: QuestionVersion) -> list:
    """Keep the learner's option order for options still there; new options go last."""
    ids = ordered_ids(new)
    return [i for i in order if i in ids] + [i for i in ids if i not in order]


# The person's grade across attempts


@dataclass(frozen=True)
class QuizGrade:
    """A person's grade on a quiz by its grading method (None: nothing graded yet)."""

    score: Decimal | None
    passed: bool | None
    attempt_ids: tuple[int, ...] = ()


def quiz_grade(session, quiz: Quiz, person_id: int) -> QuizGrade:
    """The grade the quiz's grading method gives over the person's graded attempts. For
    "first" and "last" an attempt still waiting for an essay grade means no grade yet."""
    return grade_from(quiz, session.scalars(select(Attempt).where(
        Attempt.quiz_id == quiz.id, Attempt.person_id == person_id,
        Attempt.state == "finished")))


def grade_from(quiz: Quiz, attempts) -> QuizGrade:
    """`quiz_grade` over attempts already loaded (of one person; others than finished are
    ignored)."""
    finished = sorted((a for a in attempts if a.state == "finished"), key=lambda a: a.number)
    graded = [a for a in finished if a.score is not None]
    method = quiz.grading_method
    if method in ("first", "last"):
        chosen = finished[0] if method == "first" and finished else \
            finished[-1] if finished else None
        if chosen is None or chosen.score is None:
            return QuizGrade(None, None)
        return QuizGrade(chosen.score, chosen.score >= quiz.pass_mark, (chosen.id,))
    if not graded:
        return QuizGrade(None, None)
    if method == "average":
        score = exact_score(sum((a.score for a in graded), Decimal(0)),
                            Decimal(100) * len(graded))
        return QuizGrade(score, score >= quiz.pass_mark, tuple(a.id for a in graded))
    best = max(graded, key=lambda a: (a.score, -a.number))
    return QuizGrade(best.score, best.score >= quiz.pass_mark, (best.id,))
