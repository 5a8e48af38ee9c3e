"""Quiz set-up services: settings, fixed questions and draws, publishing."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from assessments.quiz.models import Attempt, Question, QuestionVersion, Quiz
from assessments.quiz.services import attempts, quizzes
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from tests.conftest import PASSWORD

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _data(**changes) -> quizzes.QuizData:
    return quizzes.QuizData(**({"title": "Exam"} | changes))


@pytest.mark.parametrize("changes, field", [
    ({"title": "  "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"opens_at": T0, "closes_at": T0}, "closes_at"),
    ({"time_limit_seconds": 0}, "time_limit_minutes"),
    ({"time_limit_seconds": 25 * 3600}, "time_limit_minutes"),
    ({"attempts_allowed": -1}, "attempts_allowed"),
    ({"attempt_wait_seconds": -5}, "attempt_wait_minutes"),
    ({"grading_method": "median"}, "grading_method"),
    ({"pass_mark": Decimal("100.01")}, "pass_mark"),
    ({"pass_mark": Decimal("-1")}, "pass_mark"),
    ({"overdue_handling": "explode"}, "overdue_handling"),
    ({"overdue_handling": "grace", "grace_seconds": 0}, "grace_minutes"),
    ({"review_options": {"someday": ["score"]}}, "review"),
    ({"review_options": {"immediately": ["answers_of_others"]}}, "review"),
    ({"lesson_key": "no-such-lesson"}, "lesson_key"),
])
def test_settings_are_checked(db, admin_person, changes, field):
    with pytest.raises(DomainError) as refused:
        quizzes.save_quiz(db.session, admin_person, None, _data(**changes))
    assert refused.value.field == field


@pytest.fixture
def admin_person(make_person):
    return make_person(("admin",))


def test_save_quiz_stores_settings_and_audits(db, admin_person):
    quiz = quizzes.save_quiz(db.session, admin_person, None, _data(
        title="  New-hire exam ", time_limit_seconds=2700, attempts_allowed=2,
        pass_mark=Decimal("80"), closed_book=True, overdue_handling="grace", grace_seconds=300,
        review_options={"immediately": ["feedback", "score"], "closed": []}))
    db.session.commit()
    assert quiz.title == "New-hire exam" and not quiz.published
    # Items keep the canonical order; empty moments are dropped.
    assert quiz.review_options == {"immediately": ["score", "feedback"]}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "quiz.create"))
    assert entry.actor_id == admin_person.id and entry.object_id == str(quiz.id)


def test_fixed_questions_draws_and_publishing(db, bank, admin_person):
    quiz = quizzes.save_quiz(db.session, admin_person, None, _data())
    with pytest.raises(DomainError, match="Add questions"):
        quizzes.publish(db.session, admin_person, quiz)
    quizzes.add_question(db.session, admin_person, quiz, bank.questions["greet-essay"].id)
    with pytest.raises(DomainError, match="already in the quiz"):
        quizzes.add_question(db.session, admin_person, quiz, bank.questions["greet-essay"].id)
    # "Refunds" holds five questions; with its parent and subcategories the same five.
    with pytest.raises(DomainError, match="only 5 questions"):
        quizzes.add_draw(db.session, admin_person, quiz, bank.categories["Refunds"].id, 6)
    draw = quizzes.add_draw(db.session, admin_person, quiz,
                            bank.categories["Product knowledge"].id, 4,
                            include_subcategories=True)
    assert quizzes.question_count(quiz) == 5
    quizzes.move_item(db.session, admin_person, quiz, draw, -1)
    assert [item.id for item in quiz.items][0] == draw.id
    quizzes.publish(db.session, admin_person, quiz)
    db.session.commit()
    assert quiz.published


def test_publish_refuses_a_draw_that_fixed_questions_empty(db, bank, admin_person):
    quiz = quizzes.save_quiz(db.session, admin_person, None, _data())
    quizzes.add_question(db.session, admin_person, quiz, bank.questions["refund-days"].id)
    quizzes.add_draw(db.session, admin_person, quiz, bank.categories["Refunds"].id, 5)
    with pytest.raises(DomainError, match="only 4 are available"):
        quizzes.publish(db.session, admin_person, quiz)


def test_archived_questions_are_not_added_or_drawn(db, bank, admin_person):
    bank.questions["refund-days"].archived = True
    db.session.commit()
    quiz = quizzes.save_quiz(db.session, admin_person, None, _data())
    with pytest.raises(DomainError, match="archived"):
        quizzes.add_question(db.session, admin_person, quiz, bank.questions["refund-days"].id)
    with pytest.raises(DomainError, match="only 4 questions"):
        quizzes.add_draw(db.session, admin_person, quiz, bank.categories["Refunds"].id, 5)


def test_questions_freeze_once_attempted(db, make_quiz, agent, admin_person):
    quiz = make_quiz()
    clock.freeze(T0)
    attempts.start_attempt(db.session, agent, quiz)
    db.session.commit()
    with pytest.raises(DomainError, match="regrade"):
        quizzes.add_question(db.session, admin_person, quiz, 999)
    with pytest.raises(DomainError, match="regrade"):
        quizzes.remove_item(db.session, admin_person, quiz, quiz.items[0])
    # Settings still change (dates, pass mark…).
    quizzes.save_quiz(db.session, admin_person, quiz, _data(title="Renamed"))


def test_unpublish_closes_new_attempts(db, make_quiz, agent, admin_person):
    quiz = make_quiz()
    quizzes.unpublish(db.session, admin_person, quiz)
    db.session.commit()
    with pytest.raises(DomainError, match="not open"):
        attempts.start_attempt(db.session, agent, quiz)


# The set-up pages


def _login(client, person):
    assert client.post("/login", data={"login": person.email, "password": PASSWORD}) \
        .status_code == 302


@pytest.mark.parametrize("roles, can_author, status", [
    (("agent",), False, 403), (("hr",), False, 403), (("manager",), False, 403),
    (("mentor",), False, 403), (("mentor",), True, 200), (("admin",), False, 200),
])
def test_who_may_set_up_quizzes(db, client, make_person, make_quiz, roles, can_author, status):
    person = make_person(roles)
    person.can_author = can_author
    db.session.commit()
    quiz = make_quiz()
    _login(client, person)
    for url in ("/author/quizzes", "/author/quizzes/new", f"/author/quizzes/{quiz.id}",
                f"/author/quizzes/{quiz.id}/settings", f"/author/quizzes/{quiz.id}/regrade"):
        assert client.get(url).status_code == status, url
    for url in (f"/author/quizzes/{quiz.id}/publish", f"/author/quizzes/{quiz.id}/questions",
                f"/author/quizzes/{quiz.id}/draws", f"/author/quiz-items/{quiz.items[0].id}/move"):
        if status == 403:
            assert client.post(url).status_code == 403, url


def test_an_author_builds_and_publishes_a_quiz(db, client, bank, admin_person):
    _login(client, admin_person)
    created = client.post("/author/quizzes/new", data={
        "title": "Refund check", "description": "", "title_zh": "退款检测",
        "time_limit_minutes": "20",
        "attempts_allowed": "2", "attempt_wait_minutes": "0", "grading_method": "highest",
        "pass_mark": "80", "overdue_handling": "autosubmit", "grace_minutes": "0",
        "shuffle_options": "y", "closes_at": "2026-04-01T17:00",
        "review_immediately": ["score", "feedback"], "review_open": ["score"]})
    assert created.status_code == 302
    quiz_id = int(created.headers["Location"].rsplit("/", 1)[1])
    quiz = db.session.get(Quiz, quiz_id)
    assert quiz.time_limit_seconds == 1200 and quiz.attempts_allowed == 2
    assert quiz.closes_at == datetime(2026, 4, 1, 17, 0, tzinfo=UTC)
    assert quiz.review_options == {"immediately": ["score", "feedback"], "open": ["score"]}
    assert quiz.translations == {"zh_Hans_CN": {"title": "退款检测"}}
    settings = client.get(f"/author/quizzes/{quiz_id}/settings").get_data(as_text=True)
    assert 'value="退款检测"' in settings
    page = client.get(f"/author/quizzes/{quiz_id}").get_data(as_text=True)
    assert "Product knowledge › Refunds › refund-days" in page
    bad = client.post(f"/author/quizzes/{quiz_id}/draws",
                      data={"category_id": bank.categories["Refunds"].id, "draw_count": "9"})
    assert bad.status_code == 422 and "only 5 questions" in bad.get_data(as_text=True)
    assert client.post(f"/author/quizzes/{quiz_id}/questions", data={
        "question_id": bank.questions["greet-match"].id, "mark": "2"}).status_code == 302
    assert client.post(f"/author/quizzes/{quiz_id}/draws", data={
        "category_id": bank.categories["Refunds"].id, "draw_count": "3"}).status_code == 302
    assert client.post(f"/author/quizzes/{quiz_id}/publish").status_code == 302
    db.session.expire_all()
    quiz = db.session.get(Quiz, quiz_id)
    assert quiz.published and quizzes.question_count(quiz) == 4
    assert quiz.items[0].mark == Decimal("2")
    settings = client.get(f"/author/quizzes/{quiz_id}/settings").get_data(as_text=True)
    assert 'value="2026-04-01T17:00"' in settings and 'value="20"' in settings
    bad = client.post(f"/author/quizzes/{quiz_id}/settings", data={
        "title": "Refund check", "attempts_allowed": "0", "attempt_wait_minutes": "0",
        "grading_method": "highest", "pass_mark": "120", "overdue_handling": "grace",
        "grace_minutes": "0"})
    assert bad.status_code == 422 and "0 to 100" in bad.get_data(as_text=True)


def test_results_and_regrade_pages(db, client, bank, make_quiz, agent, admin_person):
    clock.freeze(T0)
    quiz = make_quiz(questions=("refund-days",))
    attempt = attempts.start_attempt(db.session, agent, quiz)
    attempts.save_answers(db.session, agent, attempt.id,
                          [attempts.PostedAnswer(1, 0, "b")])
    attempts.submit(db.session, agent, attempt.id)
    question = bank.questions["refund-days"]
    old = question.versions[-1]
    new = QuestionVersion(question_id=question.id, number=2, qtype="single", name=old.name,
                          text=old.text, default_mark=old.default_mark, data={"options": [
                              {"id": "a", "text": "Seven days", "fraction": "0"},
                              {"id": "b", "text": "Thirty days", "fraction": "1"}]})
    db.session.add(new)
    db.session.commit()
    _login(client, admin_person)
    results = client.get(f"/author/quizzes/{quiz.id}/results").get_data(as_text=True)
    assert agent.name in results and "1: 0 %" in results
    page = client.get(f"/author/quizzes/{quiz.id}/regrade").get_data(as_text=True)
    assert "refund-days, version 2" in page
    done = client.post(f"/author/quizzes/{quiz.id}/regrade", data={
        "old_version_id": old.id, "new_version_id": new.id, "reason": "Thirty days is right"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).score == 100


def test_the_demo_exam_and_knowledge_checks(db, defaults):
    from assessments.quiz.demo import EXAM_TITLE, install_demo_quizzes
    from courses.services.content_files import import_starter_courses

    import_starter_courses(db.session)
    exam = install_demo_quizzes(db.session)
    db.session.commit()
    assert (exam.title, exam.published, exam.pass_mark, exam.time_limit_seconds,
            exam.attempts_allowed, exam.closed_book) == (
        EXAM_TITLE, True, Decimal("80"), 45 * 60, 2, True)
    assert quizzes.question_count(exam) == 20
    # A certification exam gives nothing away before the last attempt (issue 19).
    assert exam.review_options["immediately"] == ["score", "competencies"]
    assert "right_answers" in exam.review_options["final"]
    # Every draw has a question per attempt behind each one it shows: attempts differ.
    for item in exam.items:
        pool = db.session.scalar(select(func.count()).select_from(Question).where(
            Question.category_id == item.category_id, Question.archived.is_(False)))
        assert pool >= exam.attempts_allowed * item.draw_count, item.category.name
    assert quizzes.author_warnings(db.session, exam) == []
    assert f"{quizzes.question_count(exam)} questions" in exam.description
    checks = db.session.scalars(select(Quiz).where(Quiz.lesson_key.is_not(None))).all()
    # One per lesson of the three tier courses (21), and the Service first course's (1).
    assert len(checks) == 22 and all(c.published and c.course_id for c in checks)
    # In both languages: titles, and every question drawn by the exam and the checks.
    assert exam.translations["zh_Hans_CN"]["title"] == "新员工闭卷考试"
    assert all(c.title.startswith("Knowledge check: ") and not
               c.title.startswith("Knowledge check: Knowledge check")
               and c.translations["zh_Hans_CN"]["title"].startswith("知识检测：")
               for c in checks)
    from assessments.quiz.services.languages import is_complete

    versions = db.session.scalars(select(QuestionVersion)).all()
    # The exam bank (56), the tier courses' checks (28) and Service first's (4).
    assert len(versions) == 56 + 28 + 4
    assert [v.name for v in versions if not is_complete(v, "zh_Hans_CN")] == []
    # Running it again changes nothing.
    assert install_demo_quizzes(db.session).id == exam.id
    # Service first added a knowledge check.
    assert db.session.scalar(select(func.count()).select_from(Quiz)) == 23


def test_knowledge_check_for_a_lesson(db, make_quiz):
    from courses.models import Lesson
    from courses.services.content_files import import_starter_courses

    import_starter_courses(db.session)
    db.session.commit()
    key = db.session.scalar(select(Lesson.key).where(Lesson.title == "Greeting and closing"))
    assert quizzes.knowledge_check_for(db.session, key) is None
    check = make_quiz(lesson_key=key, publish=False)
    assert quizzes.knowledge_check_for(db.session, key) is None
    quizzes.publish(db.session, None, check)
    assert quizzes.knowledge_check_for(db.session, key) == check


@pytest.mark.parametrize("reader, listed", [
    ("author", False), ("own_mentor", True), ("line_manager", True), ("hr", True),
    ("admin", True), ("other_mentor", False),
])
def test_results_and_answers_follow_the_people_scope_not_the_author_right(
        db, client, make_person, make_quiz, reader, listed):
    """Authoring quizzes grants authoring: the results list and a learner's answers are for
    their mentor, their manager's line, HR and admins (`quiz.results`)."""
    clock.freeze(T0)
    manager = make_person(("manager",))
    mentor = make_person(("mentor",))
    learner = make_person(("agent",), name="Learner 林", mentor_id=mentor.id,
                          manager_id=manager.id)
    author = make_person(("mentor",))
    author.can_author = True
    db.session.commit()
    quiz = make_quiz(questions=("refund-days",))
    attempt = attempts.start_attempt(db.session, learner, quiz)
    attempts.save_answers(db.session, learner, attempt.id, [attempts.PostedAnswer(1, 0, "b")])
    attempts.submit(db.session, learner, attempt.id)
    db.session.commit()
    person = {"author": author, "own_mentor": mentor, "line_manager": manager,
              "hr": make_person(("hr",)), "admin": make_person(("admin",)),
              "other_mentor": make_person(("mentor",))}[reader]
    _login(client, person)
    results = client.get(f"/author/quizzes/{quiz.id}/results")
    assert results.status_code == 200
    assert ("Learner 林" in results.get_data(as_text=True)) is listed
    review = client.get(f"/attempts/{attempt.id}/review")
    assert review.status_code == (200 if listed else 404)


def test_the_results_list_is_not_for_agents(db, client, make_person, make_quiz):
    quiz = make_quiz()
    _login(client, make_person(("agent",)))
    assert client.get(f"/author/quizzes/{quiz.id}/results").status_code == 403
