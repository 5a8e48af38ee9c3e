"""The quiz as an assessment kind: what paths and certification rules read.

`result(session, attempt_id)` is one attempt's result; `person_result(session, reference,
person_id)` (the reference is the quiz id) is the person's grade on a quiz by its grading
method (highest, last, first, average). Both first apply the deadline to an overdue attempt
(so a result never waits for the learner to come back); callers own the commit.
"""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assessments.quiz.models import Attempt, Quiz
from assessments.quiz.services import attempts, grading
from lms.competencies.models import Competency
from lms.core.database import among
from lms.core.kinds import AssessmentKind, AssessmentResult, Opening

_SLICE = 900  # people per IN list (under SQLite's variable limit)


def _codes(session, scores: dict[int, Decimal]) -> dict[str, Decimal]:
    if not scores:
        return {}
    codes = dict(session.execute(select(Competency.id, Competency.code)
                                 .where(Competency.id.in_(scores))).all())
    return {codes[cid]: score for cid, score in scores.items() if cid in codes}


class QuizKind(AssessmentKind):
    key = "quiz"
    label = _l("Quiz or exam")

    def result(self, session, source_id: int) -> AssessmentResult | None:
        """The result of one attempt: None while it is open, abandoned or has ungraded
        essays."""
        attempt = session.get(Attempt, source_id)
        if attempt is None:
            return None
        if attempt.state in attempts.OPEN_STATES:
            attempts.finish_overdue(session, [attempt.id])
        if attempt.state != "finished" or attempt.score is None:
            return None
        return AssessmentResult(
            score=attempt.score, passed=bool(attempt.passed),
            competency_scores=_codes(session, grading.competency_scores(session, attempt)),
            observed_at=attempt.finished_at)

    def person_result(self, session, reference, person_id: int) -> AssessmentResult | None:
        """A person's grade on a quiz (reference: its id; grading method applied); None before
        any graded attempt or for an unknown quiz. Competency scores come from the attempt(s)
        the grade rests on (averaged for "average")."""
        try:
            quiz = session.get(Quiz, int(reference))
        except (TypeError, ValueError):
            return None
        if quiz is None:
            return None
        attempts.finish_overdue(session, attempts.overdue_attempt_ids(
            session, person_id=person_id, quiz_id=quiz.id))
        grade = grading.quiz_grade(session, quiz, person_id)
        if grade.score is None:
            return None
        totals: dict[int, list[Decimal]] = {}
        finished = []
        for attempt_id in grade.attempt_ids:
            attempt = session.get(Attempt, attempt_id)
            finished.append(attempt.finished_at)
            for cid, score in grading.competency_scores(session, attempt).items():
                totals.setdefault(cid, []).append(score)
        scores = {cid: grading.exact_score(sum(found, Decimal(0)), Decimal(100) * len(found))
                  for cid, found in totals.items()}
        return AssessmentResult(score=grade.score, passed=bool(grade.passed),
                                competency_scores=_codes(session, scores),
                                observed_at=max((f for f in finished if f), default=None))

    def opening(self, session, reference, person, now) -> Opening | None:
        """Open while a new attempt may start (window, attempts, eligibility); an attempt left
        open counts as open until its deadline. None for an unknown quiz."""
        quiz = session.get(Quiz, int(reference)) if str(reference or "").isdigit() else None
        if quiz is None:
            return None
        current = attempts.current_attempt(session, quiz, person.id)
        if current is not None:
            return Opening(True, current.deadline_at)
        allowed = attempts.availability(session, quiz, person, now)
        if not allowed.allowed:
            return Opening(False, reason=allowed.message)
        return Opening(True, allowed.rules.closes_at if allowed.rules else None)

    def people_results(self, session, reference, person_ids):
        """None for people without an attempt on the quiz (one read); the others one at a
        time (grading methods and overdue attempts)."""
        try:
            quiz_id = int(reference)
        except (TypeError, ValueError):
            return dict.fromkeys(person_ids)
        tried = set()
        for first in range(0, len(person_ids), _SLICE):
            tried.update(session.scalars(select(Attempt.person_id).where(
                Attempt.quiz_id == quiz_id,
                among(session, Attempt.person_id, person_ids[first:first + _SLICE])).distinct()))
        return {pid: self.person_result(session, reference, pid) if pid in tried else None
                for pid in person_ids}

    def references(self, session) -> list[tuple[str, str]]:
        """Every quiz, by title."""
        quizzes = session.scalars(select(Quiz).order_by(Quiz.title, Quiz.id))
        return [(str(q.id), q.title) for q in quizzes]
