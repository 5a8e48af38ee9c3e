"""A course export includes its lesson quizzes as GIFT beside the lessons; the export still
imports as a course, and the quiz file imports back into a question bank."""

from assessments.quiz.services import gift
from courses.services import authoring, versions
from courses.services.content_files import import_course
from courses.services.content_files.exporter import course_files, export_course


def make_course(db):
    course = authoring.save_course(db.session, None, None, authoring.CourseData(
        code="REF-2", title="Refunds"))
    module = authoring.add_module(db.session, None, course, "Module one")
    lesson = authoring.save_lesson(db.session, None, module, None, authoring.LessonData(
        title="Refund basics", body="Read the policy.", minutes=5))
    versions.publish(db.session, None, course, "first")
    db.session.commit()
    return course, lesson


def test_lesson_quizzes_travel_with_the_course(db, make_quiz, tmp_path):
    course, lesson = make_course(db)
    quiz = make_quiz(questions=("refund-days", "points-expire"), draws=(("Refunds", 1),),
                     title="Refund check", lesson_key=lesson.key, course_id=course.id)
    files = course_files(db.session, course)
    name = "quizzes/01-module-one/01-refund-basics.gift"
    assert name in files
    text = files[name].decode()
    assert text.startswith("// quiz: Refund check\n// lesson: 01-module-one/01-refund-basics.md")
    assert "// draws 1 random question(s) from Product knowledge › Refunds" in text
    questions, problems = gift.parse_gift(text)
    assert problems == []
    assert [q.question.name for q in questions] == ["refund-days", "points-expire"]
    assert quiz.items
    # The zip still imports as a course (the quiz file is extra, not a lesson).
    archive = export_course(db.session, "REF-2", tmp_path / "ref.zip")
    again = import_course(db.session, None, archive)
    assert again.id == course.id


def test_a_course_without_quizzes_has_no_quiz_files(db, bank):
    course, _lesson = make_course(db)
    assert not [n for n in course_files(db.session, course) if n.startswith("quizzes/")]
