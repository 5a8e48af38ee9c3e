"""A course export carries its lesson quizzes: each knowledge check of an exported lesson is
written beside the lesson as `quizzes/<lesson file>.gift`, its settings in comments and its
questions in their bank categories, so `import-gift` (or import-questions) brings them back."""

from sqlalchemy import select

from assessments.quiz.models import Question, Quiz
from assessments.quiz.services.bank import path_label
from assessments.quiz.services.gift import path_text, write_question
from courses.services.content_files.exporter import provides_export_files
from lms.competencies.models import Competency


@provides_export_files
def lesson_quizzes(session, course, lesson_files: dict[str, str]) -> dict[str, bytes]:
    """{quizzes/<lesson file stem>.gift: the lesson's quizzes} for the exported lessons."""
    if not lesson_files:
        return {}
    codes = dict(session.execute(select(Competency.id, Competency.code)).all())
    files = {}
    for quiz in session.scalars(select(Quiz).where(Quiz.lesson_key.in_(lesson_files))
                                .order_by(Quiz.id)):
        lesson_file = lesson_files[quiz.lesson_key]
        name = "quizzes/" + lesson_file.rsplit(".", 1)[0] + ".gift"
        files[name] = (files.get(name, b"") + quiz_gift(session, quiz, lesson_file,
                                                        codes).encode("utf-8"))
    return files


def quiz_gift(session, quiz: Quiz, lesson_file: str, codes: dict[int, str]) -> str:
    """One quiz as GIFT: its settings as comments, then its fixed questions by category and
    its random draws as comments naming the category."""
    out = [f"// quiz: {quiz.title}".replace("\n", " "),
           f"// lesson: {lesson_file}",
           f"// pass mark: {quiz.pass_mark} %  attempts allowed: "
           f"{quiz.attempts_allowed or 'unlimited'}  grading: {quiz.grading_method}"
           + (f"  time limit: {quiz.time_limit_seconds // 60} min"
              if quiz.time_limit_seconds else ""), ""]
    category = None
    for item in quiz.items:
        if item.question_id is None:
            out.append(f"// draws {item.draw_count} random question(s) from "
                       f"{path_label(item.category)}" + (" and its subcategories"
                                                          if item.include_subcategories else ""))
            continue
        question: Question = item.question
        if question.category_id != category:
            category = question.category_id
            out.append(f"$CATEGORY: {path_text(question.category)}\n")
        out.append(write_question(question, codes))
    return "\n".join(out) + "\n"
