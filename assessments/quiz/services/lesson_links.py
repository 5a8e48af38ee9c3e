"""The lesson page's link to its knowledge check (see courses.services.lesson_links)."""

from flask import url_for
from flask_babel import gettext as _

from assessments.quiz.services import grading, quizzes
from courses.services.lesson_links import LessonLink, provides_lesson_links
from lms.core.policy import may


@provides_lesson_links
def knowledge_check_link(session, person, course, lesson) -> list[LessonLink]:
    """The published knowledge check of the lesson, with the person's standing on it."""
    quiz = quizzes.knowledge_check_for(session, lesson.key)
    if quiz is None or not may(person, "quiz.take", quiz):
        return []
    grade = grading.quiz_grade(session, quiz, person.id)
    if grade.passed:
        note = _("Passed")
    elif grade.score is not None:
        note = _("Not passed yet: passing it completes this lesson.")
    else:
        note = _("Passing it completes this lesson.")
    # Named after the lesson: a check's own title often repeats "Knowledge check" already.
    return [LessonLink(_("Knowledge check: %(title)s", title=lesson.tr("title")),
                       url_for("quiz.quiz_page", quiz_id=quiz.id), note)]
