"""Learner pages through the client: paths, team table, catalogue, lessons, enrolment."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from courses.models import Enrollment, LessonCompletion
from courses.services import enrolment, progress
from courses.services.authoring import PathLink
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.extensions import db as _db
from lms.notifications.models import Notification
from lms.people.models import Person

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(START)


@pytest.fixture
def tier(defaults):
    return defaults["NEWHIRE"].id


@pytest.fixture
def basics(make_course, tier):
    return make_course("NH-1", title="New-hire basics", publish=True,
                       lessons=("Greeting", "Tone", "Closing"), paths=[PathLink(tier, True, 14)])


def keys(db, course):
    return [lesson.key for lesson in progress.lessons_of(
        progress.outline(db.session, [course.id])[course.id])]


def completions(db):
    return db.session.scalar(select(func.count()).select_from(LessonCompletion))


def opened_token(page: str) -> str:
    return re.search(r'name="opened" type="hidden" value="([^"]+)"', page).group(1)


def test_my_path_shows_tier_courses_next_step_and_matrix(client, auth, db, make_person, tier,
                                                         basics):
    agent = make_person(tier_id=tier, name="Lan")
    auth.login(agent)
    page = client.get("/my-path").get_data(as_text=True)
    assert "New hire — basic certification" in page and "New-hire basics" in page
    assert "Not started" in page and "What to do next" in page
    assert f"/courses/{basics.id}/lessons/{keys(db, basics)[0]}" in page
    assert "heat-red" in page and "No evidence yet" in page
    home = client.get("/").get_data(as_text=True)
    assert 'href="/my-path"' in home


def test_reading_and_completing_a_course(client, auth, db, make_person, tier, basics):
    agent = make_person(tier_id=tier)
    auth.login(agent)
    first, second, third = keys(db, basics)
    page = client.get(f"/courses/{basics.id}/lessons/{first}").get_data(as_text=True)
    assert "<h1>Greeting</h1>" in page and "Say hello." in page
    assert completions(db) == 0  # reading writes nothing
    clock.freeze(START + timedelta(minutes=3))
    response = client.post(f"/courses/{basics.id}/lessons/{first}/complete",
                           data={"opened": opened_token(page)})
    assert response.headers["Location"] == f"/courses/{basics.id}/lessons/{second}"
    made = db.session.scalar(select(LessonCompletion))
    assert (made.lesson_key, made.seconds_spent, made.person_id) == (first, 180, agent.id)
    assert "In progress: 33%" in client.get("/my-path").get_data(as_text=True)
    for key in (second, third):
        page = client.get(f"/courses/{basics.id}/lessons/{key}").get_data(as_text=True)
        response = client.post(f"/courses/{basics.id}/lessons/{key}/complete",
                               data={"opened": opened_token(page)})
    assert response.headers["Location"] == f"/courses/{basics.id}"
    page = client.get(f"/courses/{basics.id}").get_data(as_text=True)
    assert "Well done: you have completed New-hire basics." in page
    assert page.count('class="lesson-done"') == 3
    path = client.get("/my-path").get_data(as_text=True)
    assert "✓ Completed" in path and "every required course" in path


def test_replayed_and_forged_tokens_change_nothing(client, auth, db, make_person, tier,
                                                   basics):
    agent = make_person(tier_id=tier)
    auth.login(agent)
    first, second, _ = keys(db, basics)
    token = opened_token(client.get(f"/courses/{basics.id}/lessons/{first}").get_data(
        as_text=True))
    url = f"/courses/{basics.id}/lessons/{{}}/complete"
    for key, data in ((first, {"opened": token[:-3] + "xyz"}), (second, {"opened": token}),
                      (first, {})):
        response = client.post(url.format(key), data=data)
        assert response.status_code == 302 and completions(db) == 0
    assert "Open the lesson again" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    client.post(url.format(first), data={"opened": token})
    client.post(url.format(first), data={"opened": token})  # replayed
    assert completions(db) == 1


def test_cross_person_tampering(client, auth, db, make_person, make_course, tier, basics):
    mentor = make_person(roles=("mentor",))
    manager = make_person(roles=("manager",))
    agent = make_person(tier_id=tier, name="Me")
    other = make_person(tier_id=tier, name="Other Agent", mentor_id=mentor.id,
                        manager_id=manager.id)
    closed = make_course("CLOSED", publish=True)
    draft = make_course("DRAFT", publish=False)
    auth.login(agent)
    assert client.get(f"/people/{other.id}/path").status_code == 403
    assert client.get(f"/people/{agent.id}/path").status_code == 200
    assert client.get("/people/999999/path").status_code == 404
    key = keys(db, closed)[0]
    assert client.get(f"/courses/{closed.id}/lessons/{key}").status_code == 403
    assert client.post(f"/courses/{closed.id}/lessons/{key}/complete",
                       data={"opened": "x"}).status_code == 403
    assert client.get(f"/courses/{basics.id}/lessons/not-a-key").status_code == 404
    assert client.get(f"/courses/{draft.id}").status_code == 404
    assert client.post(f"/courses/{closed.id}/enrol").status_code == 302  # refused, flashed
    enrollment = progress.active_enrollment(db.session, other.id, basics.id)
    assert client.post(f"/enrolments/{enrollment.id}/withdraw").status_code == 403
    assert client.get("/team").status_code == 403
    assert completions(db) == 0
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.person_id == agent.id)) == 1
    auth.logout()
    for viewer in (mentor, manager):
        auth.login(viewer)
        page = client.get(f"/people/{other.id}/path").get_data(as_text=True)
        assert "Path of Other Agent" in page and "New-hire basics" in page
        assert client.get(f"/people/{agent.id}/path").status_code == 403
        auth.logout()


def test_catalogue_search_filters_and_pages(client, auth, db, make_person, make_course,
                                            defaults):
    senior = defaults["SENIOR"].id
    for n in range(23):
        make_course(f"GEN-{n:02d}", title=f"General topic {n:02d}", publish=True)
    make_course("SR-CASE", title="Case analysis 案例分析", publish=True,
                paths=[PathLink(senior, True, 7)])
    make_course("HIDDEN", title="Unpublished thing", publish=False)
    agent = make_person()
    done = make_course("DONE-1", title="Finished one", publish=True)
    enrolment.enrol(db.session, None, agent, done)
    progress.complete_lesson(db.session, agent, done, keys(db, done)[0])
    db.session.commit()
    auth.login(agent)
    page = client.get("/courses").get_data(as_text=True)
    assert "25 courses" in page and "Page 1 of 2" in page and "Unpublished" not in page
    assert "案例分析" in client.get("/courses?q=%E6%A1%88%E4%BE%8B").get_data(as_text=True)
    page = client.get("/courses?q=sr-case").get_data(as_text=True)
    assert "1 course" in page and "Case analysis" in page
    page = client.get(f"/courses?tier={senior}").get_data(as_text=True)
    assert "Case analysis" in page and "General topic" not in page
    page = client.get("/courses?status=completed").get_data(as_text=True)
    assert "Finished one" in page and "1 course" in page
    page = client.get("/courses?status=not_enrolled&q=finished").get_data(as_text=True)
    assert "0 courses" in page
    page = client.get("/courses?q=100%25").get_data(as_text=True)  # LIKE wildcards are text
    assert "0 courses" in page
    assert client.get("/courses?status=bogus&tier=x&page=-3").status_code == 200


def test_competency_filter(client, auth, db, make_person, make_course, defaults):
    from lms.competencies.models import Competency

    listen = db.session.scalar(select(Competency).where(Competency.code == "COMM-LISTEN"))
    make_course("LISTEN", title="Listening", publish=True, competency_ids=[listen.id])
    make_course("OTHER", title="Something else", publish=True)
    auth.login(make_person())
    page = client.get(f"/courses?competency={listen.id}").get_data(as_text=True)
    assert "Listening" in page and "Something else" not in page


def test_self_enrolment_and_prerequisites(client, auth, db, make_person, make_course, basics):
    advanced = make_course("ADV", title="Advanced", publish=True, self_enrol=True,
                           prerequisite_ids=[basics.id])
    agent = make_person()
    auth.login(agent)
    page = client.get(f"/courses/{advanced.id}").get_data(as_text=True)
    assert "Complete New-hire basics first." in page and "Enrol me" not in page
    client.post(f"/courses/{advanced.id}/enrol")
    assert progress.active_enrollment(db.session, agent.id, advanced.id) is None
    enrolment.enrol(db.session, None, agent, basics)
    for key in keys(db, basics):
        progress.complete_lesson(db.session, agent, basics, key)
    db.session.commit()
    assert "Enrol me" in client.get(f"/courses/{advanced.id}").get_data(as_text=True)
    client.post(f"/courses/{advanced.id}/enrol")
    assert progress.active_enrollment(db.session, agent.id, advanced.id).source == "self"
    page = client.get(f"/courses/{advanced.id}").get_data(as_text=True)
    assert "Start the course" in page


def test_locked_lessons_cannot_be_read_or_completed(client, auth, db, make_person, make_course,
                                                    basics):
    advanced = make_course("ADV", title="Advanced", publish=True, prerequisite_ids=[basics.id])
    agent = make_person()
    enrolment.enrol(db.session, None, agent, advanced)
    db.session.commit()
    auth.login(agent)
    key = keys(db, advanced)[0]
    page = client.get(f"/courses/{advanced.id}/lessons/{key}").get_data(as_text=True)
    assert "Complete New-hire basics first." in page and "Mark complete" not in page
    token = progress.lesson_token("test-secret", agent.id, advanced.id,
                                  progress.current_lesson(db.session, advanced, key))
    client.post(f"/courses/{advanced.id}/lessons/{key}/complete", data={"opened": token})
    assert completions(db) == 0


def test_hr_and_managers_assign_people_and_teams(client, auth, db, make_person, make_team,
                                                 basics):
    team = make_team("Hotline")
    manager = make_person(roles=("manager",))
    report = make_person(manager_id=manager.id, team_id=team.id, name="Report")
    outsider = make_person(team_id=team.id, name="Outsider")
    auth.login(manager)
    url = f"/courses/{basics.id}/assign"
    page = client.get(url).get_data(as_text=True)
    assert "Report" in page and "Outsider" not in page
    page = client.post(url, data={"person_id": str(outsider.id), "due_date": "2026-12-20"})
    assert "Not a valid choice" in page.get_data(as_text=True)
    page = client.post(url, data={"due_date": "2026-12-20"}).get_data(as_text=True)
    assert "Choose either a person or a team." in page
    page = client.post(url, data={"person_id": str(report.id), "due_date": "2026-11-01"})
    assert "The due date is in the past." in page.get_data(as_text=True)
    response = client.post(url, data={"team_id": str(team.id), "due_date": "2026-12-20"})
    assert response.status_code == 302
    assert progress.active_enrollment(db.session, report.id, basics.id).due_date.isoformat() \
        == "2026-12-20"
    assert progress.active_enrollment(db.session, outsider.id, basics.id) is None
    assert "outside your reporting line" in client.get("/").get_data(as_text=True)
    note = db.session.scalar(select(Notification).where(Notification.person_id == report.id))
    assert note.subject == "You have been enrolled in New-hire basics, due Dec 20, 2026."
    auth.logout()
    auth.login(make_person(roles=("hr",)))
    client.post(url, data={"person_id": str(outsider.id)})
    assert progress.active_enrollment(db.session, outsider.id, basics.id) is not None
    enrollment = progress.active_enrollment(db.session, report.id, basics.id)
    url = f"/enrolments/{enrollment.id}/withdraw"
    page = client.get(url).get_data(as_text=True)
    assert "New-hire basics" in page and report.name in page and "progress is kept" in page
    # No reason, no withdrawal: the form asks again (422) and nothing changes.
    assert client.post(url, data={"reason": "  "}).status_code == 422
    assert not db.session.get(Enrollment, enrollment.id).withdrawn
    assert client.post(url, data={"reason": "Moved to the chat team"}).status_code == 302
    assert db.session.get(Enrollment, enrollment.id).withdrawn
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "enrolment.withdraw"))
    assert entry.reason == "Moved to the chat team"
    # Enrolling again brings the same enrolment back (its progress with it).
    client.post(f"/courses/{basics.id}/assign", data={"person_id": str(report.id)})
    assert progress.active_enrollment(db.session, report.id, basics.id).id == enrollment.id


def test_agents_cannot_assign(client, auth, make_person, basics):
    auth.login(make_person())
    assert client.get(f"/courses/{basics.id}/assign").status_code == 403
    assert "Enrol people" not in client.get(f"/courses/{basics.id}").get_data(as_text=True)


def test_team_table(client, auth, db, make_person, make_team, tier, basics):
    team = make_team("Chat")
    manager = make_person(roles=("manager",))
    mine = [make_person(tier_id=tier, manager_id=manager.id, team_id=team.id, name=f"Mine {n}")
            for n in range(3)]
    make_person(tier_id=tier, team_id=team.id, name="Not mine")
    progress.complete_lesson(db.session, mine[0], basics, keys(db, basics)[0])
    db.session.commit()
    auth.login(manager)
    page = client.get("/team").get_data(as_text=True)
    assert "Mine 0" in page and "Not mine" not in page and "3 people" in page
    assert "In progress: 33%" in page and "New-hire basics" in page
    auth.logout()
    auth.login(make_person(roles=("hr",)))
    page = client.get(f"/team?team={team.id}").get_data(as_text=True)
    assert "Not mine" in page and "4 people" in page


def test_team_table_pages_by_fifty(client, auth, make_person, tier, basics):
    manager = make_person(roles=("manager",))
    for n in range(51):
        make_person(tier_id=tier, manager_id=manager.id, name=f"Agent {n:02d}")
    auth.login(manager)
    page = client.get("/team").get_data(as_text=True)
    assert "Agent 49" in page and "Agent 50" not in page and "Page 1 of 2" in page
    assert "Agent 50" in client.get("/team?page=2").get_data(as_text=True)


@pytest.mark.parametrize("role", ("agent", "mentor", "manager", "hr", "admin"))
def test_access_table(client, auth, make_person, basics, role):
    other = make_person(name="Unrelated")
    allowed_team = role != "agent"
    allowed_assign = role != "agent"
    auth.login(make_person(roles=(role,)))
    expected = {
        "/my-path": 200, "/courses": 200, f"/courses/{basics.id}": 200,
        "/notifications": 200,
        f"/people/{other.id}/path": 200 if role in ("hr", "admin") else 403,
        "/team": 200 if allowed_team else 403,
        f"/courses/{basics.id}/assign": 200 if allowed_assign else 403,
        "/admin/outbox": 200 if role == "admin" else 403,
    }
    for url, status in expected.items():
        assert client.get(url).status_code == status, url


def test_signed_out_learner_pages_go_to_login(client, basics):
    for url in ("/my-path", "/courses", f"/courses/{basics.id}", "/team", "/people/1/path",
                f"/courses/{basics.id}/assign", f"/courses/{basics.id}/lessons/x"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


# Query counts: the pages cost the same whatever the number of people and courses.


def count_queries(app, client, url: str) -> int:
    statements = []
    with app.app_context():
        engine = _db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def _courses(make_course, tier, first, n):
    made = []
    for i in range(first, first + n):
        made.append(make_course(f"Q-{i}", publish=True, lessons=("a", "b"),
                                paths=[PathLink(tier, True, 10)],
                                prerequisite_ids=[made[-1].id] if made else []))
    return made


def test_my_path_query_count_does_not_grow_with_courses(app, client, auth, db, make_person,
                                                        make_course, tier):
    one = _courses(make_course, tier, 0, 1)
    agent = make_person(tier_id=tier)
    progress.complete_lesson(db.session, agent, one[0], keys(db, one[0])[0])
    db.session.commit()
    auth.login(agent)
    few = count_queries(app, client, "/my-path")
    more = _courses(make_course, tier, 1, 4)
    hr = make_person(roles=("hr",))
    for course in more:
        enrolment.enrol(db.session, hr, agent, course)
    progress.complete_lesson(db.session, agent, more[0], keys(db, more[0])[0])
    db.session.commit()
    assert count_queries(app, client, "/my-path") == few


def test_team_query_count_does_not_grow_with_people_or_courses(app, client, auth, db,
                                                               make_person, make_course, tier):
    first = _courses(make_course, tier, 0, 1)
    manager = make_person(roles=("manager",))

    def add_people(n):
        for _ in range(n):
            person = make_person(tier_id=tier, manager_id=manager.id)
            progress.complete_lesson(db.session, person, first[0], keys(db, first[0])[0])
        db.session.commit()

    add_people(3)
    auth.login(manager)
    few = count_queries(app, client, "/team")
    add_people(27)
    assert count_queries(app, client, "/team") == few
    more = _courses(make_course, tier, 1, 4)
    reports = db.session.scalars(select(Person).where(Person.manager_id == manager.id)).all()
    enrolment.enrol_people(db.session, make_person(roles=("hr",)), reports, more[0])
    db.session.commit()
    assert count_queries(app, client, "/team") == few


def test_a_lesson_in_the_readers_language_or_marked_as_not_translated(client, auth, db,
                                                                     make_person, tier,
                                                                     basics):
    from courses.models import Lesson

    first, second, _third = keys(db, basics)
    lesson = db.session.scalar(select(Lesson).where(Lesson.key == first))
    lesson.set_translation("zh_Hans_CN", "body", "向客户问好。")
    db.session.commit()
    agent = make_person(tier_id=tier, locale="zh_Hans_CN")
    auth.login(agent)
    page = client.get(f"/courses/{basics.id}/lessons/{first}").get_data(as_text=True)
    assert "向客户问好。" in page and "data-fallback" not in page
    page = client.get(f"/courses/{basics.id}/lessons/{second}").get_data(as_text=True)
    assert "data-fallback" in page and "尚未翻译：以原文显示。" in page
    agent.locale = "en"
    db.session.commit()
    page = client.get(f"/courses/{basics.id}/lessons/{first}").get_data(as_text=True)
    assert "Say hello." in page and "data-fallback" not in page
