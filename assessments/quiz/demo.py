"""The demo's quizzes: the "New-hire closed-book exam" (20 questions drawn at random from the
demo bank, at least two in the bank for each one drawn, so its two attempts differ; every
competency it evidences gets the three questions a level needs; pass mark 80, 45 minutes, 2
attempts) and a knowledge check for every lesson of the starter courses, all in English and
Chinese. Built through the same services the screens use; callers own the commit.
"""

from decimal import Decimal

from sqlalchemy import and_, select

from assessments.quiz.models import CERTIFICATION_REVIEW, Quiz
from assessments.quiz.services import quizzes
from assessments.quiz.services.bank import find_category, install_demo_bank, parse_category_path

EXAM_TITLE = "New-hire closed-book exam"
EXAM_TITLE_ZH = "新员工闭卷考试"
EXAM_DESCRIPTION = (
    "The written half of the new-hire basic certification: service etiquette, product and "
    "policy knowledge, emotion management, complaint handling and the digital tools. "
    "{count} questions drawn at random for each attempt, other ones on a second attempt. "
    "You need 80 % to pass; the practical role-play is assessed separately.")
EXAM_DESCRIPTION_ZH = (
    "新员工初级认证的笔试部分：服务礼仪、产品与政策知识、情绪管理、投诉处理和数字化工具。"
    "每次考试随机抽取 {count} 道题，第二次考试抽取其他题目；80 分及格；实操角色扮演另行考核。")
CHECK_TITLE, CHECK_TITLE_ZH = "Knowledge check: {}", "知识检测：{}"
ZH = "zh_Hans_CN"
# (category path, questions drawn): 20 in all, in the order the exam shows them. The bank holds
# at least two questions for each one drawn, so the two attempts differ; each competency the
# exam evidences gets at least three questions (the minimum for a level).
EXAM_DRAWS = (
    ("Service etiquette", 3),
    ("Product knowledge", 3),
    ("Product knowledge/Returns and refunds", 3),
    ("Product knowledge/Points and loyalty", 2),
    ("Emotion management", 3),
    ("Complaint handling (five steps)", 3),
    ("Digital tools", 3),
)
CHECK_REVIEW = ["score", "responses", "right_answers", "feedback"]
CHECKS_FILE, CHECKS_FILE_ZH = "demo_checks.gift", "demo_checks.zh_Hans.gift"
# Lesson title → the draws of its knowledge check. New-hire lessons draw from the exam bank;
# the others from the checks written for them (demo_checks.gift).
CHECK_DRAWS = {
    "Greeting and closing": (("Service etiquette", 3),),
    "The 15 etiquette rules": (("Service etiquette", 3),),
    "Tone on the phone and in chat": (("Service etiquette", 3),),
    "Our five product lines and monthly updates": (("Product knowledge", 3),),
    "Returns, refunds and loyalty points": (("Product knowledge/Returns and refunds", 2),
                                            ("Product knowledge/Points and loyalty", 1)),
    "Staying calm under pressure": (("Emotion management", 3),),
    "De-escalating an upset customer": (("Emotion management", 3),),
    "Active listening": (("Knowledge checks/Active listening", 2),),
    "Empathy statements that work": (("Knowledge checks/Empathy statements", 2),),
    "The five-step complaint method": (("Knowledge checks/The five-step complaint method", 2),),
    "Case: the smart band that will not sync": (("Knowledge checks/The smart band case", 2),),
    "Case: the loyalty-points rule change": (("Knowledge checks/The loyalty points case", 2),),
    "Finding the root cause across contacts": (("Knowledge checks/Root cause analysis", 2),),
    "Case: four hours, three service centres": (("Knowledge checks/The four hours case", 2),),
    "Feedback models": (("Knowledge checks/Feedback models", 2),),
    "Side-by-side coaching": (("Knowledge checks/Side-by-side coaching", 2),),
    "Debriefing a role-play": (("Knowledge checks/Debriefing a role-play", 2),),
    "Planning shifts": (("Knowledge checks/Planning shifts", 2),),
    "The service KPIs": (("Knowledge checks/The service KPIs", 2),),
    "The PDCA cycle": (("Knowledge checks/The PDCA cycle", 2),),
    "CSAT, CES, FCR and NPS": (("Knowledge checks/Service first", 3),),
    "Worked example: cutting repeat complaints": (("Knowledge checks/Cutting repeat complaints",
                                                  2),),
}


def _category_id(session, path: str) -> int:
    category = find_category(session, parse_category_path(path))
    if category is None:
        raise LookupError(f"the demo bank has no category {path!r}")
    return category.id


def build_exam(session) -> Quiz:
    """The new-hire closed-book exam, published (once; an existing one is returned)."""
    found = session.scalar(select(Quiz).where(Quiz.title == EXAM_TITLE))
    if found is not None:
        return found
    install_demo_bank(session)
    exam = quizzes.save_quiz(session, None, None, quizzes.QuizData(
        title=EXAM_TITLE, description=EXAM_DESCRIPTION, time_limit_seconds=45 * 60,
        attempts_allowed=2, grading_method="highest", pass_mark=Decimal("80"),
        closed_book=True, shuffle_questions=False, shuffle_options=True,
        overdue_handling="autosubmit",
        review_options=CERTIFICATION_REVIEW))
    exam.set_translation(ZH, "title", EXAM_TITLE_ZH)
    for path, count in EXAM_DRAWS:
        quizzes.add_draw(session, None, exam, _category_id(session, path), count)
    # Texts that state a count take it from the quiz itself.
    count = quizzes.question_count(exam)
    exam.description = EXAM_DESCRIPTION.format(count=count)
    exam.set_translation(ZH, "description", EXAM_DESCRIPTION_ZH.format(count=count))
    quizzes.publish(session, None, exam)
    return exam


def _starter_lessons(session) -> list[tuple[int, str, str, dict]]:
    """(course id, lesson key, lesson title, its translations) of the published starter
    courses' lessons."""
    from courses.models import Course, CourseModule, CourseVersion, Lesson
    from courses.services.content_files import STARTER_COURSES

    codes = [code.upper() for code in STARTER_COURSES]
    return list(session.execute(
        select(Course.id, Lesson.key, Lesson.title, Lesson.translations)
        .join(CourseVersion, and_(CourseVersion.course_id == Course.id,
                                  CourseVersion.number == Course.published_version))
        .join(CourseModule, CourseModule.version_id == CourseVersion.id)
        .join(Lesson, Lesson.module_id == CourseModule.id)
        .where(Course.code.in_(codes))
        .order_by(Course.id, CourseModule.position, Lesson.position)).all())


def build_knowledge_checks(session) -> list[Quiz]:
    """A published knowledge check for each starter lesson that has questions (passing one
    completes its lesson); lessons that already have a check are left alone."""
    from pathlib import Path

    from assessments.quiz.services.gift import import_gift
    from assessments.quiz.services.translations import import_gift_translation

    install_demo_bank(session)
    if find_category(session, ("Knowledge checks",)) is None:
        text = (Path(__file__).with_name(CHECKS_FILE)).read_text(encoding="utf-8")
        import_gift(session, None, text, None)
        zh_text = (Path(__file__).with_name(CHECKS_FILE_ZH)).read_text(encoding="utf-8")
        import_gift_translation(session, None, zh_text, ZH)
    made = []
    for course_id, key, title, translations in _starter_lessons(session):
        draws = CHECK_DRAWS.get(title)
        if draws is None or session.scalar(select(Quiz.id).where(Quiz.lesson_key == key)):
            continue
        check = quizzes.save_quiz(session, None, None, quizzes.QuizData(
            title=CHECK_TITLE.format(title), pass_mark=Decimal("60"), course_id=course_id,
            lesson_key=key, shuffle_options=True,
            review_options={moment: CHECK_REVIEW for moment in ("immediately", "open",
                                                                 "closed")}))
        title_zh = ((translations or {}).get(ZH) or {}).get("title")
        if title_zh:
            check.set_translation(ZH, "title", CHECK_TITLE_ZH.format(title_zh))
        for path, count in draws:
            quizzes.add_draw(session, None, check, _category_id(session, path), count)
        quizzes.publish(session, None, check)
        made.append(check)
    return made


def install_demo_quizzes(session) -> Quiz:
    """The demo exam and the starter courses' knowledge checks; returns the exam."""
    exam = build_exam(session)
    build_knowledge_checks(session)
    return exam
