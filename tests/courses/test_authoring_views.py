"""Authoring screens through the client: the flow, preview, publish, XSS, files, authors."""

import io
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from courses.models import Course, CourseModule, Enrollment, Lesson, LessonAttachment
from courses.services import authoring
from courses.services import versions as services
from lms.competencies.models import Competency
from lms.people.models import Person
from tests.courses import payloads

XSS_BODY = "\n\n".join([
    "# Safe heading",
    "<script>alert('script')</script>",
    '<img src="x" onerror="alert(\'img\')">',
    "[click me](javascript:alert('link'))",
    '<a href="javascript:alert(\'raw\')">raw link</a>',
    '<svg onload="alert(\'svg\')"><circle r="4"/></svg>',
    '<iframe src="https://evil.example/"></iframe>',
    '<p style="background:url(javascript:alert(1))" onclick="alert(\'p\')">styled</p>',
    "<a href=\"JaVaScRiPt:alert('mixed')\">mixed case</a>",
    '<math><mi xlink:href="javascript:alert(1)">m</mi></math>',
])


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def assert_no_script(html: str) -> None:
    """Nothing in `html` can run: no script-capable elements, no event handlers, no style,
    no javascript: URLs (the payloads may survive as plain text, which is harmless)."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag not in ("script", "svg", "iframe", "math", "object", "embed", "style"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name != "style", tag
            assert "javascript:" not in value.lower().replace(" ", ""), (tag, name, value)


@pytest.fixture
def admin(make_person, auth):
    person = make_person(roles=("admin",), name="Ada Admin")
    auth.login(person)
    return person


def draft_lessons(db, course):
    version = authoring.current_draft(db.session, course)
    return [lesson for module in version.modules for lesson in module.lessons]


def test_admin_creates_a_course_with_tiers_and_competencies(client, admin, db, defaults):
    newhire = defaults["NEWHIRE"]
    competency = db.session.scalars(select(Competency).order_by(Competency.id)).first()
    page = client.get("/author/courses/new").get_data(as_text=True)
    assert f'name="path_{newhire.id}"' in page and 'name="competency_ids"' in page
    response = client.post("/author/courses/new", data={
        "code": "NH-101", "title": "Service etiquette", "title_zh": "服务礼仪",
        "summary": "Greeting and language norms.", "self_enrol": "",
        f"path_{newhire.id}": "y", f"required_{newhire.id}": "y", f"due_{newhire.id}": "3",
        "competency_ids": [str(competency.id)],
    })
    assert response.status_code == 302
    course = db.session.scalar(select(Course).where(Course.code == "NH-101"))
    assert response.headers["Location"].endswith(f"/author/courses/{course.id}")
    assert [(link.path_id, link.required, link.due_days) for link in course.path_links] == [
        (newhire.id, True, 3)]
    page = client.get(f"/author/courses/{course.id}").get_data(as_text=True)
    assert "Service etiquette" in page and "Draft of version 1" in page
    assert competency.name in page

    listing = client.get("/author/courses?q=etiquette").get_data(as_text=True)
    assert "NH-101" in listing
    assert "NH-101" not in client.get("/author/courses?q=leadership").get_data(as_text=True)
    assert "NH-101" not in client.get("/author/courses?status=archived").get_data(as_text=True)


def test_bad_course_input_is_shown_beside_the_field(client, admin, db, make_course, defaults):
    make_course("NH-101")
    page = client.post("/author/courses/new", data={"code": "nh-101", "title": "Copy"})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert 'id="code-error"' in text and "already exists" in text
    newhire = defaults["NEWHIRE"]
    page = client.post("/author/courses/new", data={
        "code": "X-1", "title": "T", f"path_{newhire.id}": "y", f"due_{newhire.id}": "-4",
        "competency_ids": ["99999"]})
    text = page.get_data(as_text=True).lower()
    assert page.status_code == 422 and "not a valid choice" in text
    assert db.session.scalar(select(Course).where(Course.code == "X-1")) is None


def test_prerequisite_loop_refused_in_the_form(client, admin, db, make_course):
    a, b = make_course("A-1"), make_course("B-1")
    authoring.set_prerequisites(db.session, None, b, [a.id])
    db.session.commit()
    page = client.post(f"/author/courses/{a.id}/settings", data={
        "code": "A-1", "title": "A", "prerequisite_ids": [str(b.id)]})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "would make a loop: A-1 → B-1 → A-1" in text
    assert db.session.get(Course, a.id).prerequisite_links == []


def test_structure_editing_flow(client, admin, db, make_course):
    course = make_course(lessons=())
    response = client.post(f"/author/courses/{course.id}/modules",
                           data={"title": "Greeting", "title_zh": "问候"})
    assert response.status_code == 302
    client.post(f"/author/courses/{course.id}/modules", data={"title": "Closing"})
    first, greeting, closing = authoring.current_draft(db.session, course).modules
    assert (greeting.title, closing.title) == ("Greeting", "Closing")

    response = client.post(f"/author/modules/{closing.id}/move", data={"direction": "up"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [m.title for m in authoring.current_draft(db.session, course).modules] == [
        "Module one", "Closing", "Greeting"]
    assert client.post(f"/author/modules/{closing.id}/move",
                       data={"direction": "sideways"}).status_code == 400

    response = client.post(f"/author/modules/{greeting.id}/lessons/new", data={
        "title": "Say hello", "title_zh": "打招呼", "body": "**Smile** first.",
        "minutes": "7", "action": "save"})
    assert response.status_code == 302
    lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Say hello"))
    assert response.headers["Location"].endswith(f"/author/lessons/{lesson.id}/edit")
    assert lesson.minutes == 7 and lesson.translations["zh_Hans_CN"]["title"] == "打招呼"
    client.post(f"/author/modules/{greeting.id}/lessons/new", data={
        "title": "Use the name", "body": "", "minutes": "3", "then": "close"})
    client.post(f"/author/lessons/{lesson.id}/move", data={"direction": "down"})
    db.session.expire_all()
    assert [lesson.title for lesson in db.session.get(CourseModule, greeting.id).lessons] == [
        "Use the name", "Say hello"]

    page = client.post(f"/author/lessons/{lesson.id}/edit", data={
        "title": "", "body": "x", "minutes": "0", "action": "save"})
    assert page.status_code == 422
    assert db.session.get(Lesson, lesson.id).title == "Say hello"

    client.post(f"/author/modules/{first.id}/edit", data={"title": "Welcome"})
    client.post(f"/author/lessons/{lesson.id}/delete")
    client.post(f"/author/modules/{closing.id}/delete")
    db.session.expire_all()
    modules = authoring.current_draft(db.session, course).modules
    assert [m.title for m in modules] == ["Welcome", "Greeting"]
    assert [lesson.title for lesson in modules[1].lessons] == ["Use the name"]


def test_preview_renders_without_saving_and_without_javascript(client, admin, db, make_course):
    course = make_course(lessons=("Greeting",))
    lesson = draft_lessons(db, course)[0]
    before = lesson.body
    page = client.post(f"/author/lessons/{lesson.id}/edit", data={
        "title": "Greeting", "body": "## Five steps\n\n1. Listen\n2. Soothe",
        "minutes": "5", "action": "preview"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h2>Five steps</h2>" in text and "<li>Listen</li>" in text
    # The text the author typed stays in the editor; nothing is saved.
    assert "## Five steps" in text
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).body == before
    assert "js/markdown-preview.js" in text and "<script>" not in text
    # Opening the editor shows the saved text rendered.
    page = client.get(f"/author/lessons/{lesson.id}/edit").get_data(as_text=True)
    assert "<h1>Greeting</h1>" in page.split('id="lesson-preview"', 1)[1]


@pytest.mark.parametrize("where", ["preview button", "preview endpoint", "lesson page"])
def test_xss_payloads_are_rendered_harmless(client, admin, db, make_course, where):
    course = make_course(lessons=("Greeting",))
    lesson = draft_lessons(db, course)[0]
    if where == "preview button":
        response = client.post(f"/author/lessons/{lesson.id}/edit", data={
            "title": "Greeting", "body": XSS_BODY, "minutes": "5", "action": "preview"})
        html = response.get_data(as_text=True).split('id="lesson-preview"', 1)[1]
        html = html.split("</section>", 1)[0]
    elif where == "preview endpoint":
        response = client.post("/author/preview", data={"body": XSS_BODY})
        assert response.mimetype == "text/html"
        html = response.get_data(as_text=True)
    else:
        client.post(f"/author/lessons/{lesson.id}/edit", data={
            "title": "Greeting", "body": XSS_BODY, "minutes": "5", "action": "save"})
        services.publish(db.session, None, db.session.get(Course, course.id))
        db.session.commit()
        response = client.get(f"/author/lessons/{lesson.id}")
        html = response.get_data(as_text=True).split('<article class="card lesson-body">', 1)[1]
        html = html.split("</article>", 1)[0]
    assert response.status_code == 200
    assert "<h1>Safe heading</h1>" in html
    assert "raw link" in html and "mixed case" in html  # the text stays, the link goes
    assert_no_script(html)
    assert "Content-Security-Policy" in response.headers


def test_publish_lists_changed_lessons_and_flags_recompletion(client, admin, db, make_course):
    course = make_course(lessons=("Greeting", "Closing"), publish=True)
    page = client.get(f"/author/courses/{course.id}").get_data(as_text=True)
    assert "Version 1 (published)" in page and "start a new draft" in page
    assert client.get(f"/author/courses/{course.id}/publish").status_code == 302

    assert client.post(f"/author/courses/{course.id}/draft").status_code == 302
    greeting, closing = draft_lessons(db, course)
    client.post(f"/author/lessons/{greeting.id}/edit", data={
        "title": "Greeting", "body": "Greet within 10 seconds.", "minutes": "5",
        "action": "save"})
    client.post(f"/author/modules/{greeting.module_id}/lessons/new", data={
        "title": "Follow-up", "body": "Call back.", "minutes": "5", "action": "save"})

    page = client.get(f"/author/courses/{course.id}/publish").get_data(as_text=True)
    assert "Require re-completion of Greeting" in page
    assert "Require re-completion of Closing" not in page
    assert "1 changed lesson" in page and "1 new lesson: Follow-up" in page

    # A tampered key for an unchanged lesson is refused by the form.
    response = client.post(f"/author/courses/{course.id}/publish",
                           data={"notes": "x", "recomplete": [closing.key]})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Course, course.id).published_version == 1

    response = client.post(f"/author/courses/{course.id}/publish", data={
        "notes": "Faster greeting", "recomplete": [greeting.key]})
    assert response.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.published_version == 2
    flags = {lesson.title: lesson.recomplete_from_version
             for m in services.published(db.session, course).modules for lesson in m.lessons}
    assert flags == {"Greeting": 2, "Closing": None, "Follow-up": None}
    page = client.get(f"/author/courses/{course.id}").get_data(as_text=True)
    assert "Faster greeting" in page and "Version 2 (published)" in page


def test_editing_a_published_lesson_is_not_possible(client, admin, db, make_course):
    course = make_course(publish=True)
    lesson = services.published(db.session, course).modules[0].lessons[0]
    response = client.get(f"/author/lessons/{lesson.id}/edit")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/author/lessons/{lesson.id}")
    client.post(f"/author/lessons/{lesson.id}/delete")
    client.post(f"/author/modules/{lesson.module_id}/move", data={"direction": "down"})
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id) is not None


def test_archive_discard_and_unarchive(client, admin, db, make_course):
    course = make_course(publish=True)
    client.post(f"/author/courses/{course.id}/draft")
    client.post(f"/author/courses/{course.id}/discard-draft")
    db.session.expire_all()
    assert authoring.current_draft(db.session, db.session.get(Course, course.id)) is None
    client.post(f"/author/courses/{course.id}/archive", data={"archived": "1", "reason": "old"})
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == "archived"
    assert "CS-101" in client.get("/author/courses?status=archived").get_data(as_text=True)
    client.post(f"/author/courses/{course.id}/archive", data={"archived": "0"})
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == "published"


def test_admin_grants_and_removes_the_author_right(client, admin, db, make_person, auth):
    mentor = make_person(roles=("mentor",), name="Mei Mentor")
    agent = make_person(roles=("agent",), name="Andy Agent")
    page = client.get("/author/authors").get_data(as_text=True)
    assert "Mei Mentor" in page and "Andy Agent" not in page
    assert client.post(f"/author/authors/{mentor.id}", data={"allowed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, mentor.id).can_author is True
    client.post(f"/author/authors/{agent.id}", data={"allowed": "1"})
    db.session.expire_all()
    assert db.session.get(Person, agent.id).can_author is False

    auth.logout()
    auth.login(mentor)
    assert client.get("/author/courses").status_code == 200
    assert client.get("/author/authors").status_code == 403
    auth.logout()
    auth.login(admin)
    client.post(f"/author/authors/{mentor.id}", data={"allowed": "0"})
    auth.logout()
    auth.login(mentor)
    assert client.get("/author/courses").status_code == 403


# Attachments through the client


def upload(client, lesson, name, data):
    return client.post(f"/author/lessons/{lesson.id}/attachments",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("diagram.pdf", payloads.png(), "diagram.pdf is named as a PDF file, but its content is PNG"),
    ("page.png", payloads.HTML, "page.png is named as a PNG file, but its content is "
                                "unrecognised data"),
    ("empty.pdf", b"", "empty.pdf is empty"),
    ("big.pdf", payloads.pdf() + b"0" * 70_000, "big.pdf is larger than the 0.0625 MB allowed"),
    ("notes.txt", b"hello", "Files of this type cannot be attached"),
])
def test_bad_uploads_are_refused_with_a_clear_message(client, admin, db, make_course, name,
                                                      data, message):
    lesson = draft_lessons(db, make_course())[0]
    page = upload(client, lesson, name, data).get_data(as_text=True)
    assert message in page
    assert db.session.scalars(select(LessonAttachment)).all() == []


def test_request_beyond_the_content_limit_gets_the_too_large_page(client, admin, db, app,
                                                                 make_course):
    lesson = draft_lessons(db, make_course())[0]
    data = payloads.pdf() + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    # Encoded in memory: the test client would spool a body this large to a temporary file.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "huge.pdf")})
    response = client.post(f"/author/lessons/{lesson.id}/attachments", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def fetch(client, url):
    """GET `url`, buffering and closing the body (served files stay open until closed)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def test_upload_embed_and_serve(client, admin, db, make_course, make_person, auth):
    course = make_course()
    lesson = draft_lessons(db, course)[0]
    page = upload(client, lesson, "diagram.png", payloads.png()).get_data(as_text=True)
    assert "diagram.png has been attached" in page
    upload(client, lesson, "handout.pdf", payloads.pdf())
    image, handout = db.session.scalars(
        select(LessonAttachment).order_by(LessonAttachment.id)).all()
    assert f"![diagram.png](/attachments/{image.id})" in client.get(
        f"/author/lessons/{lesson.id}/edit").get_data(as_text=True)

    response = fetch(client, f"/attachments/{image.id}")
    assert response.status_code == 200 and response.data == payloads.png()
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not response.headers.get("Content-Disposition", "").startswith("attachment")
    response = fetch(client, f"/attachments/{handout.id}")
    assert response.data == payloads.pdf() and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "handout.pdf" in response.headers["Content-Disposition"]

    # Embedded in the lesson body, the image survives sanitising.
    client.post(f"/author/lessons/{lesson.id}/edit", data={
        "title": lesson.title, "minutes": "5", "action": "save",
        "body": f"![Five steps](/attachments/{image.id})"})
    page = client.get(f"/author/lessons/{lesson.id}").get_data(as_text=True)
    assert f'<img src="/attachments/{image.id}" alt="Five steps">' in page

    # A learner reads the files once enrolled in a published version; others cannot.
    learner = make_person(roles=("agent",))
    stranger = make_person(roles=("agent",))
    db.session.add(Enrollment(person_id=learner.id, course_id=course.id))
    db.session.commit()
    auth.logout()
    auth.login(learner)
    assert client.get(f"/attachments/{image.id}").status_code == 403  # still a draft
    services.publish(db.session, None, db.session.get(Course, course.id))
    db.session.commit()
    for attachment in (image, handout):
        response = fetch(client, f"/attachments/{attachment.id}")
        assert response.status_code == 200 and response.data
    assert client.get("/attachments/999999").status_code == 404
    auth.logout()
    auth.login(stranger)
    assert client.get(f"/attachments/{image.id}").status_code == 403
    assert client.get(f"/attachments/{handout.id}").status_code == 403
    auth.logout()
    assert "/login" in client.get(f"/attachments/{image.id}").headers["Location"]


def test_attachment_removed_from_draft(client, admin, db, make_course):
    lesson = draft_lessons(db, make_course())[0]
    upload(client, lesson, "handout.pdf", payloads.pdf())
    attachment = db.session.scalars(select(LessonAttachment)).one()
    client.post(f"/author/attachments/{attachment.id}/delete")
    assert db.session.scalars(select(LessonAttachment)).all() == []


def test_course_list_flags_only_published_courses_with_a_draft(client, admin, db, make_course):
    changed = make_course("P-1", publish=True)
    make_course("P-2", publish=True)
    services.draft(db.session, None, changed)
    db.session.commit()
    page = client.get("/author/courses").get_data(as_text=True)
    assert page.count("unpublished changes") == 1
    assert "unpublished changes" in page[page.index("P-1"):page.index("P-2")]
