"""What authors write reaches learners sanitised: XSS payloads on the learner's lesson page,
and embedded attachment images served to the enrolled learner."""

from courses.models import Enrollment
from courses.services import authoring
from courses.services import versions as services
from tests.courses import payloads
from tests.courses.test_authoring_services import attach, draft_lesson
from tests.courses.test_authoring_views import XSS_BODY, assert_no_script


def test_xss_payloads_are_harmless_on_the_learner_lesson_page(client, auth, db, app,
                                                              make_course, make_person):
    course = make_course(lessons=("Greeting",))
    lesson = draft_lesson(db, course)
    image = attach(db, app, lesson, "steps.png", payloads.png())
    db.session.flush()
    body = f"{XSS_BODY}\n\n![Five steps](/attachments/{image.id})\n\nEND-OF-LESSON"
    authoring.save_lesson(db.session, None, lesson.module, lesson,
                          authoring.LessonData(title="Greeting", body=body, minutes=5))
    services.publish(db.session, None, course)
    learner = make_person(roles=("agent",))
    db.session.add(Enrollment(person_id=learner.id, course_id=course.id))
    db.session.commit()

    auth.login(learner)
    response = client.get(f"/courses/{course.id}/lessons/{lesson.key}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    html = page[page.index("<h1>Safe heading</h1>"):page.index("END-OF-LESSON")]
    assert_no_script(html)
    assert f'<img src="/attachments/{image.id}" alt="Five steps">' in html
    served = client.get(f"/attachments/{image.id}")
    assert served.status_code == 200 and served.data == payloads.png()
    served.close()
