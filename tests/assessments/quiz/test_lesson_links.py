"""The lesson page links to its published knowledge check, with the learner's standing."""

from sqlalchemy import select

from assessments.quiz.services import attempts
from assessments.quiz.services.attempts import PostedAnswer
from courses.models import Lesson
from lms.paths.models import CertificationPath


def _enrolled_learner(db, make_person):
    from courses.services.content_files import import_starter_courses

    import_starter_courses(db.session)
    db.session.commit()
    tier_id = db.session.scalar(select(CertificationPath.id)
                                .where(CertificationPath.code == "NEWHIRE"))
    return make_person(("agent",), tier_id=tier_id)


def _lesson_url(db):
    lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Greeting and closing"))
    course_id = lesson.module.version.course_id
    return lesson, f"/courses/{course_id}/lessons/{lesson.key}"


def test_lesson_page_links_its_published_check_and_the_standing(
        db, client, auth, make_person, make_quiz):
    learner = _enrolled_learner(db, make_person)
    lesson, url = _lesson_url(db)
    auth.login(learner)
    assert "Knowledge check" not in client.get(url).get_data(as_text=True)

    draft = make_quiz(questions=("refund-days",), lesson_key=lesson.key, publish=False,
                      title="Draft check")
    assert "Draft check" not in client.get(url).get_data(as_text=True)

    check = make_quiz(questions=("refund-days",), lesson_key=lesson.key, title="Greeting check")
    assert draft.id != check.id
    page = client.get(url).get_data(as_text=True)
    assert f'href="/quizzes/{check.id}"' in page
    # Named after the lesson, once (never "Knowledge check: Knowledge check: …").
    assert "Knowledge check: Greeting and closing" in page
    assert page.count("Knowledge check:") == 1
    assert "Passing it completes this lesson." in page

    attempt = attempts.start_attempt(db.session, learner, check)
    attempts.save_answers(db.session, learner, attempt.id,
                          [PostedAnswer(aq.slot, aq.sequence, "a") for aq in attempt.questions])
    attempts.submit(db.session, learner, attempt.id)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "— Passed" in page
