"""The improvement loop's hook for quizzes: a failed certification exam opens (or extends)
the person's improvement plan on the competencies it scored below the pass mark, with the
exam to retake as the follow-up; passing it later meets that follow-up. A lesson's knowledge
check is practice, not an exam: it opens nothing."""

from decimal import Decimal

from assessments.quiz.models import Attempt
from lms.kpis.services import plans


def report_outcome(session, attempt: Attempt, scores: dict[int, Decimal]) -> None:
    """Tell the improvement loop about a finished exam attempt with a final score (`scores`:
    its per-competency scores, 0–100)."""
    quiz = attempt.quiz
    if quiz.lesson_key or attempt.passed is None:
        return
    weak = sorted(cid for cid, score in scores.items() if score < quiz.pass_mark)
    trigger = plans.Trigger(
        kind="quiz", competency_ids=weak,
        follow_up=plans.Step("quiz", quiz.id, quiz.title, f"/quizzes/{quiz.id}",
                             plans.titles_of(quiz)),
        detail={"score": format(attempt.score.normalize(), "f")})
    plans.assessment_outcome(session, attempt.person_id, trigger, attempt.passed)
