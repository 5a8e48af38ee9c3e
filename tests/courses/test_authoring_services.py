"""Authoring services without HTTP: settings, structure, versions, loops, files, the right."""

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from courses.models import CourseVersion, Enrollment, LessonAttachment, PathCourse
from courses.services import authoring
from courses.services import versions as services
from lms.competencies.models import Competency
from lms.core import storage
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.core.policy import may
from tests.courses import payloads


def lessons_of(version: CourseVersion) -> list:
    return [lesson for module in version.modules for lesson in module.lessons]


def test_save_course_sets_tiers_competencies_and_chinese_title(db, make_person, defaults):
    admin = make_person(roles=("admin",))
    competency = db.session.scalars(select(Competency).order_by(Competency.id)).first()
    newhire, senior = defaults["NEWHIRE"], defaults["SENIOR"]
    course = authoring.save_course(db.session, admin, None, authoring.CourseData(
        code="NH-101", title="Service etiquette", title_zh="服务礼仪", summary="Greeting",
        self_enrol=False,
        paths=[authoring.PathLink(newhire.id, True, 3), authoring.PathLink(senior.id, False)],
        competency_ids=[competency.id],
    ))
    db.session.commit()
    assert course.status == "draft" and course.versions[0].number == 1
    assert course.translations["zh_Hans_CN"]["title"] == "服务礼仪"
    links = {link.path_id: link for link in course.path_links}
    assert links[newhire.id].required and links[newhire.id].due_days == 3
    assert not links[senior.id].required and links[senior.id].due_days is None
    assert [link.competency_id for link in course.competency_links] == [competency.id]

    authoring.save_course(db.session, admin, course, authoring.CourseData(
        code="NH-101", title="Service etiquette basics",
        paths=[authoring.PathLink(senior.id, True, 10)]))
    db.session.commit()
    assert [(link.path_id, link.required, link.due_days) for link in course.path_links] == [
        (senior.id, True, 10)]
    assert course.competency_links == []
    assert "title" not in course.translations.get("zh_Hans_CN", {})
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "course.update")).one()
    assert entry.details["changes"]["title"] == ["Service etiquette", "Service etiquette basics"]


@pytest.mark.parametrize(("code", "field"), [
    ("", "code"), ("has space", "code"), ("x" * 41, "code"), ("nh-101", "code"),
])
def test_bad_or_duplicate_codes_are_refused(db, make_course, code, field):
    make_course("NH-101")
    with pytest.raises(DomainError) as refused:
        authoring.save_course(db.session, None, None, authoring.CourseData(code=code, title="T"))
    assert refused.value.field == field


def test_bad_tier_settings_are_refused(db, make_course, defaults):
    course = make_course()
    for link, message in ((authoring.PathLink(defaults["NEWHIRE"].id, True, 0), "Days"),
                          (authoring.PathLink(999999), "does not exist")):
        with pytest.raises(DomainError, match=message):
            authoring.set_paths(db.session, None, course, [link])
        db.session.rollback()


def test_new_tier_links_go_last_in_the_path(db, make_course, defaults):
    path = defaults["NEWHIRE"]
    first, second = make_course("A-1"), make_course("A-2")
    for course in (first, second):
        authoring.set_paths(db.session, None, course, [authoring.PathLink(path.id)])
    db.session.commit()
    positions = dict(db.session.execute(
        select(PathCourse.course_id, PathCourse.position).where(PathCourse.path_id == path.id)
    ).all())
    assert positions[first.id] < positions[second.id]


def test_prerequisite_loops_are_refused(db, make_course):
    a, b, c = make_course("A"), make_course("B"), make_course("C")
    authoring.set_prerequisites(db.session, None, b, [a.id])
    authoring.set_prerequisites(db.session, None, c, [b.id])
    db.session.commit()
    with pytest.raises(DomainError, match="A → C → B → A") as refused:
        authoring.set_prerequisites(db.session, None, a, [c.id])
    assert refused.value.field == "prerequisite_ids"
    db.session.rollback()
    with pytest.raises(DomainError, match="A → B → A"):
        authoring.set_prerequisites(db.session, None, a, [b.id])
    db.session.rollback()
    with pytest.raises(DomainError, match="its own prerequisite"):
        authoring.set_prerequisites(db.session, None, a, [a.id])
    db.session.rollback()
    # Replacing a course's own links is not a loop: C may drop B and require A directly.
    authoring.set_prerequisites(db.session, None, c, [a.id])
    db.session.commit()
    assert [link.requires_id for link in c.prerequisite_links] == [a.id]
    assert authoring.prerequisite_loop(db.session, b.id, [c.id]) == []


def test_loop_through_a_longer_chain(db, make_course):
    courses = [make_course(f"L{i}") for i in range(5)]
    for earlier, later in zip(courses, courses[1:], strict=False):
        authoring.set_prerequisites(db.session, None, later, [earlier.id])
    db.session.commit()
    loop = authoring.prerequisite_loop(db.session, courses[0].id, [courses[4].id])
    assert loop == [courses[0].id, courses[4].id, courses[3].id, courses[2].id,
                    courses[1].id, courses[0].id]


def test_modules_and_lessons_reorder_and_delete_in_the_draft(db, make_course):
    course = make_course(lessons=("One", "Two", "Three"))
    version = authoring.current_draft(db.session, course)
    module = version.modules[0]
    one, two, three = module.lessons
    authoring.move_lesson(db.session, None, three, -1)
    assert [lesson.title for lesson in module.lessons] == ["One", "Three", "Two"]
    authoring.move_lesson(db.session, None, one, -1)  # already first: stays
    assert [lesson.title for lesson in module.lessons] == ["One", "Three", "Two"]
    authoring.delete_lesson(db.session, None, one)
    assert [(lesson.title, lesson.position) for lesson in module.lessons] == [
        ("Three", 0), ("Two", 1)]

    second = authoring.add_module(db.session, None, course, "Module two", "第二单元")
    authoring.move_module(db.session, None, second, -1)
    assert [m.title for m in version.modules] == ["Module two", "Module one"]
    authoring.rename_module(db.session, None, second, "Basics", "")
    authoring.delete_module(db.session, None, version.modules[1])
    db.session.commit()
    assert [(m.title, m.position) for m in version.modules] == [("Basics", 0)]


def test_lesson_rules(db, make_course):
    course = make_course()
    module = authoring.current_draft(db.session, course).modules[0]
    for data, field in ((authoring.LessonData(title=" "), "title"),
                        (authoring.LessonData(title="T", minutes=0), "minutes"),
                        (authoring.LessonData(title="T", minutes=601), "minutes"),
                        (authoring.LessonData(title="T", body="x" * 200_001), "body"),
                        (authoring.LessonData(title="T" * 201), "title")):
        with pytest.raises(DomainError) as refused:
            authoring.save_lesson(db.session, None, module, None, data)
        assert refused.value.field == field
        db.session.rollback()


def test_edit_after_publish_makes_a_draft_v2_with_the_same_keys(db, make_course):
    course = make_course(lessons=("Greeting", "Closing"), publish=True)
    v1 = services.published(db.session, course)
    v1_lessons = {lesson.key: (lesson.title, lesson.body) for lesson in lessons_of(v1)}
    # Published content cannot be edited in place.
    with pytest.raises(DomainError, match="Published versions"):
        authoring.save_lesson(db.session, None, v1.modules[0], lessons_of(v1)[0],
                              authoring.LessonData(title="Changed"))
    db.session.rollback()
    assert authoring.current_draft(db.session, course) is None

    v2 = services.draft(db.session, None, course)
    db.session.commit()
    assert v2.number == 2 and v2.is_draft
    assert {lesson.key for lesson in lessons_of(v2)} == set(v1_lessons)
    greeting = lessons_of(v2)[0]
    authoring.save_lesson(db.session, None, greeting.module, greeting, authoring.LessonData(
        title="Greeting", body="Smile, then greet.", minutes=5))
    db.session.commit()

    # Learners still read v1, unchanged, until v2 is published.
    assert course.published_version == 1
    still = services.published(db.session, course)
    assert {lesson.key: (lesson.title, lesson.body) for lesson in lessons_of(still)} == v1_lessons

    services.publish(db.session, None, course, "warmer greeting")
    db.session.commit()
    assert course.published_version == 2
    now = services.published(db.session, course)
    assert lessons_of(now)[0].body == "Smile, then greet."
    old = db.session.scalars(select(CourseVersion).where(
        CourseVersion.course_id == course.id, CourseVersion.number == 1)).one()
    assert {lesson.key: (lesson.title, lesson.body) for lesson in lessons_of(old)} == v1_lessons


def test_recompletion_only_for_changed_lessons(db, make_course):
    course = make_course(lessons=("Greeting", "Closing", "Goodbye"), publish=True)
    v2 = services.draft(db.session, None, course)
    greeting, closing, goodbye = lessons_of(v2)
    authoring.save_lesson(db.session, None, greeting.module, greeting, authoring.LessonData(
        title="Greeting", body="New text", minutes=5))
    authoring.delete_lesson(db.session, None, goodbye)
    added = authoring.save_lesson(db.session, None, greeting.module, None,
                                  authoring.LessonData(title="Follow-up", body="Call back."))
    db.session.commit()

    changes = authoring.draft_changes(db.session, course, v2)
    assert [lesson.key for lesson in changes.changed] == [greeting.key]
    assert [lesson.key for lesson in changes.added] == [added.key]
    assert [lesson.key for lesson in changes.removed] == [goodbye.key]

    for key in (closing.key, added.key):
        with pytest.raises(DomainError, match="Only changed lessons"):
            services.publish(db.session, None, course, "", frozenset({key}))
        db.session.rollback()
    services.publish(db.session, None, course, "", frozenset({greeting.key}))
    db.session.commit()
    flags = {lesson.title: lesson.recomplete_from_version
             for lesson in lessons_of(services.published(db.session, course))}
    assert flags == {"Greeting": 2, "Closing": None, "Follow-up": None}


def test_discard_draft_and_archive(db, make_course):
    course = make_course(publish=True)
    with pytest.raises(DomainError, match="no draft"):
        authoring.discard_draft(db.session, None, course)
    services.draft(db.session, None, course)
    authoring.discard_draft(db.session, None, course)
    db.session.commit()
    assert [v.number for v in db.session.scalars(
        select(CourseVersion).where(CourseVersion.course_id == course.id))] == [1]

    authoring.set_archived(db.session, None, course, True, "replaced by NH-102")
    assert course.status == "archived"
    with pytest.raises(DomainError):
        authoring.set_archived(db.session, None, course, True)
    authoring.set_archived(db.session, None, course, False)
    assert course.status == "published"
    never = make_course("NEVER")
    authoring.set_archived(db.session, None, never, True)
    authoring.set_archived(db.session, None, never, False)
    assert never.status == "draft"
    with pytest.raises(DomainError, match="never published"):
        authoring.discard_draft(db.session, None, never)


def test_course_list_query_searches_and_filters(db, make_course):
    make_course("NH-101", title="Service etiquette", publish=True)
    make_course("SR-201", title="Complaint handling")
    rows = db.session.scalars(authoring.course_list_query("ETIQ")).all()
    assert [(c.code, c.has_draft) for c in rows] == [("NH-101", False)]
    rows = db.session.scalars(authoring.course_list_query("", "draft")).all()
    assert [(c.code, c.has_draft) for c in rows] == [("SR-201", True)]


def test_author_right(db, make_person):
    admin = make_person(roles=("admin",))
    mentor = make_person(roles=("mentor",))
    agent = make_person(roles=("agent",))
    assert may(admin, "courses.author") and not may(mentor, "courses.author")
    authoring.set_author_right(db.session, admin, mentor, True)
    db.session.commit()
    assert may(mentor, "courses.author")
    authors, candidates = authoring.authors_and_candidates(db.session)
    assert {p.id for p in authors} == {admin.id, mentor.id} and candidates == []
    with pytest.raises(DomainError, match="Only mentors"):
        authoring.set_author_right(db.session, admin, agent, True)
    with pytest.raises(DomainError, match="Administrators"):
        authoring.set_author_right(db.session, admin, admin, False)
    authoring.set_author_right(db.session, admin, mentor, False)
    assert not may(mentor, "courses.author")
    # The right means nothing without the mentor role.
    agent.can_author = True
    assert not may(agent, "courses.author")


# Attachments


def attach(db, app, lesson, name, data):
    return authoring.add_attachment(db.session, None, lesson, name, io.BytesIO(data),
                                    app.config["STORAGE_DIR"], app.config["ATTACHMENT_MAX_BYTES"])


def draft_lesson(db, course):
    return lessons_of(authoring.current_draft(db.session, course))[0]


def stored_files(app) -> list[Path]:
    root = Path(app.config["STORAGE_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("name", sorted(payloads.ALLOWED))
def test_every_allowed_type_is_accepted(db, app, make_course, name):
    lesson = draft_lesson(db, make_course())
    data = payloads.ALLOWED[name]()
    attachment = attach(db, app, lesson, name, data)
    db.session.commit()
    assert attachment.size == len(data) and attachment.filename == name
    path = storage.path_for(app.config["STORAGE_DIR"], attachment.sha256)
    assert path.read_bytes() == data
    assert authoring.is_image(attachment) == name.endswith((".png", ".jpg", ".jpeg", ".gif",
                                                           ".webp"))


@pytest.mark.parametrize(("name", "data", "message"), [
    ("diagram.pdf", payloads.png(), "named as a PDF file, but its content is PNG"),
    ("page.png", payloads.HTML, "named as a PNG file, but its content is unrecognised data"),
    ("empty.pdf", b"", "empty.pdf is empty"),
    ("slides.pptx", payloads.pdf(), "its content is PDF"),
    ("script.html", payloads.HTML, "cannot be attached"),
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "cannot be attached"),
    ("noextension", payloads.pdf(), "cannot be attached"),
    ("vector.svg", b"<svg onload='alert(1)'/>", "cannot be attached"),
])
def test_wrong_or_mismatched_content_is_refused_and_nothing_kept(db, app, make_course, name,
                                                                 data, message):
    lesson = draft_lesson(db, make_course())
    with pytest.raises(DomainError, match=message) as refused:
        attach(db, app, lesson, name, data)
    assert refused.value.field == "file"
    db.session.rollback()
    assert db.session.scalars(select(LessonAttachment)).all() == []
    assert stored_files(app) == []


def test_oversized_file_is_refused(db, app, make_course):
    lesson = draft_lesson(db, make_course())
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    data = payloads.pdf() + b"0" * (limit + 1 - len(payloads.pdf()))
    with pytest.raises(DomainError, match="larger than the 0.0625 MB allowed"):
        attach(db, app, lesson, "big.pdf", data)
    assert stored_files(app) == []
    # Exactly at the limit is fine.
    attach(db, app, lesson, "fits.pdf", data[:limit])


def test_same_content_is_stored_once_and_carried_into_the_next_draft(db, app, make_course):
    course = make_course(lessons=("One", "Two"))
    one, two = lessons_of(authoring.current_draft(db.session, course))
    first = attach(db, app, one, "a.png", payloads.png())
    second = attach(db, app, two, "b.png", payloads.png())
    assert first.sha256 == second.sha256 and len(stored_files(app)) == 1
    services.publish(db.session, None, course)
    v2 = services.draft(db.session, None, course)
    db.session.commit()
    copied = lessons_of(v2)[0].attachments
    assert [(a.filename, a.sha256) for a in copied] == [("a.png", first.sha256)]
    authoring.remove_attachment(db.session, None, copied[0])
    db.session.commit()
    assert lessons_of(v2)[0].attachments == []
    assert len(stored_files(app)) == 1  # v1 still uses the file


def test_attachments_only_on_draft_lessons(db, app, make_course):
    course = make_course(publish=True)
    lesson = lessons_of(services.published(db.session, course))[0]
    with pytest.raises(DomainError, match="Published versions"):
        attach(db, app, lesson, "a.png", payloads.png())


def test_filename_is_cleaned(db, app, make_course):
    lesson = draft_lesson(db, make_course())
    attachment = attach(db, app, lesson, "..\\..\\C:/tmp/课程\x00讲义.pdf", payloads.pdf())
    assert attachment.filename == "课程讲义.pdf"


def test_who_may_read_an_attachment(db, app, make_course, make_person):
    course = make_course()
    lesson = draft_lesson(db, course)
    attachment = attach(db, app, lesson, "a.pdf", payloads.pdf())
    db.session.commit()
    learner = make_person(roles=("agent",))
    withdrawn = make_person(roles=("agent",))
    stranger = make_person(roles=("agent",))
    db.session.add_all([Enrollment(person_id=learner.id, course_id=course.id),
                        Enrollment(person_id=withdrawn.id, course_id=course.id, withdrawn=True)])
    db.session.commit()
    admin = make_person(roles=("admin",))
    author = make_person(roles=("mentor",))
    assert not may(author, "courses.read_attachment", attachment)
    authoring.set_author_right(db.session, admin, author, True)
    assert may(author, "courses.read_attachment", attachment)
    assert may(admin, "courses.read_attachment", attachment)
    assert not may(learner, "courses.read_attachment", attachment)  # still a draft
    services.publish(db.session, None, course)
    db.session.commit()
    assert may(learner, "courses.read_attachment", attachment)
    assert not may(withdrawn, "courses.read_attachment", attachment)
    assert not may(stranger, "courses.read_attachment", attachment)
