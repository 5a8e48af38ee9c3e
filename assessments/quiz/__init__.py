"""The quiz/exam assessment kind: question banks, quizzes, timed attempts, grading."""

from flask import Flask

from assessments.quiz import blueprint, cli
from assessments.quiz import policy as quiz_policy
from assessments.quiz.kind import QuizKind
from assessments.quiz.services import (  # noqa: F401  (lesson page links, course exports, to-dos)
    course_export,
    lesson_links,
    todo,
)
from lms.core.kinds import register_kind
from lms.core.policy import register_all


def init_app(app: Flask) -> None:
    """Register the kind and the package's pages, commands and permissions."""
    register_kind(QuizKind)
    app.register_blueprint(blueprint.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(quiz_policy.RULES)
