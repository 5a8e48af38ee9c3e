"""What quizzes put on a learner's to-do list: the exams their path requires that are open to
them now and not yet passed, or an attempt they left open."""

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from assessments.quiz.kind import QuizKind
from assessments.quiz.models import Question, QuestionCompetency, Quiz
from assessments.quiz.services import grading
from assessments.quiz.services.attempts import availability, current_attempt
from lms.core.todo import TodoItem, todo_source
from lms.paths.models import AssessmentSlot


def _path_quizzes(session, person) -> list[Quiz]:
    """The published quizzes the person's path names in its assessment slots."""
    references = session.scalars(select(AssessmentSlot.reference).where(
        AssessmentSlot.path_id == person.tier_id, AssessmentSlot.kind == QuizKind.key)).all()
    ids = [int(r) for r in references if r and r.isdigit()]
    if not ids:
        return []
    return list(session.scalars(select(Quiz).where(Quiz.id.in_(ids), Quiz.published.is_(True))
                                .order_by(Quiz.title)))


@todo_source
def open_exams(session, person, now: datetime) -> list[TodoItem]:
    """An exam to resume (due at its deadline) or to take (due when it closes), until passed."""
    if not person.tier_id:
        return []
    items = []
    for quiz in _path_quizzes(session, person):
        if grading.quiz_grade(session, quiz, person.id).passed:
            continue
        attempt = current_attempt(session, quiz, person.id)
        if attempt is not None:
            items.append(TodoItem(
                _("Resume “%(quiz)s”", quiz=quiz.tr("title")),
                url_for("quiz.attempt_page", attempt_id=attempt.id), lane="assess",
                due=attempt.deadline_at))
            continue
        allowed = availability(session, quiz, person, now)
        if not allowed.allowed:
            continue
        detail = (_("Attempt %(number)d of %(allowed)d", number=allowed.attempts_used + 1,
                    allowed=allowed.attempts_allowed) if allowed.attempts_allowed else "")
        items.append(TodoItem(
            _("Take “%(quiz)s”", quiz=quiz.tr("title")),
            url_for("quiz.quiz_page", quiz_id=quiz.id), lane="assess",
            due=allowed.rules.closes_at if allowed.rules else None, detail=detail))
    return items


@todo_source
def untagged_questions(session, person, now: datetime) -> list[TodoItem]:
    """For admins: live bank questions tagged with no competency never produce evidence."""
    if not person.has_role("admin"):
        return []
    count = session.scalar(select(func.count()).select_from(Question).where(
        Question.archived.is_(False),
        ~select(QuestionCompetency.question_id)
        .where(QuestionCompetency.question_id == Question.id).exists()))
    if not count:
        return []
    return [TodoItem(ngettext("%(num)d bank question has no competency, so it gives no evidence",
                              "%(num)d bank questions have no competency, so they give no "
                              "evidence", count),
                     url_for("quiz.bank_index"), lane="setup")]
