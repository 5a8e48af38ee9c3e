"""Progress services without HTTP: completions, versions, time, tokens, the path and team."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from courses.models import Enrollment, LessonCompletion
from courses.services import authoring, enrolment, progress
from courses.services import versions as services
from courses.services.authoring import PathLink
from lms.competencies.models import Competency, Evidence
from lms.competencies.services.matrix import matrix_row_for
from lms.core import clock
from lms.core.errors import DomainError, NotFound
from lms.people.models import Person
from tests.conftest import QueryCounter

SECRET = "test-secret"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(START)


def later(**delta):
    clock.freeze(START + timedelta(**delta))


def keys(db, course):
    return [lesson.key for lesson in progress.lessons_of(
        progress.outline(db.session, [course.id])[course.id])]


def standing(db, person, course, with_keys=True):
    return progress.progress(db.session, [person.id], [course.id],
                             with_keys=with_keys)[(person.id, course.id)]


@pytest.fixture
def course(make_course):
    return make_course("NH-1", title="New-hire basics", publish=True,
                       lessons=("Greeting", "Tone", "Closing"))


@pytest.fixture
def learner(db, make_person, course):
    agent = make_person(name="Learner")
    enrolment.enrol(db.session, None, agent, course, date(2026, 12, 1))
    db.session.commit()
    return agent


def completions(db, person=None):
    stmt = select(func.count()).select_from(LessonCompletion)
    if person is not None:
        stmt = stmt.where(LessonCompletion.person_id == person.id)
    return db.session.scalar(stmt)


def new_version(db, course, change_key=None, recomplete=False, add_lesson=False):
    """Publish version N+1, optionally changing one lesson and adding another."""
    draft = services.draft(db.session, None, course)
    lessons = [lesson for m in draft.modules for lesson in m.lessons]
    if change_key:
        lesson = next(x for x in lessons if x.key == change_key)
        services.update_lesson(db.session, None, lesson, lesson.title, lesson.body + "\nNew.",
                               lesson.minutes)
    if add_lesson:
        authoring.save_lesson(db.session, None, draft.modules[0], None,
                              authoring.LessonData(title="Brand new", body="New", minutes=5))
    services.publish(db.session, None, course, "v2",
                     frozenset({change_key}) if recomplete else frozenset())
    db.session.commit()


def test_a_completion_records_version_hash_and_is_not_repeated(db, course, learner):
    first = keys(db, course)[0]
    made = progress.complete_lesson(db.session, learner, course, first)
    assert made.version == 1 and made.method == "manual" and len(made.content_hash) == 64
    assert progress.complete_lesson(db.session, learner, course, first) is None
    db.session.commit()
    assert completions(db) == 1
    state = standing(db, learner, course)
    assert (state.done, state.total, state.percent, state.state) == (1, 3, 33, "in_progress")


def test_completing_every_lesson_completes_the_course_once(db, course, learner):
    for key in keys(db, course):
        later(minutes=1)
        progress.complete_lesson(db.session, learner, course, key)
    db.session.commit()
    enrollment = progress.active_enrollment(db.session, learner.id, course.id)
    assert enrollment.completed_at == START + timedelta(minutes=1)
    assert enrollment.completed_version == 1
    state = standing(db, learner, course)
    assert state.completed and state.percent == 100 and not state.needs_review


def test_lessons_completed_at_once_match_one_at_a_time(db, course, learner, make_person):
    """complete_lessons records what complete_lesson called per lesson would: the same rows,
    the course started and completed at the same lessons, one audit entry, in fewer reads."""
    from courses.signals import course_completed, course_started
    from lms.core.audit import AuditEntry

    other = make_person(name="Other learner")
    enrolment.enrol(db.session, None, other, course, date(2026, 12, 1))
    db.session.commit()
    lessons = keys(db, course)
    opened = {key: progress.OpenedLesson(START - timedelta(minutes=2), lesson.content_hash)
              for key, lesson in zip(lessons, progress.lessons_of(
                  progress.outline(db.session, [course.id])[course.id]), strict=True)}
    heard = []

    def started(_session, person_id=None, **_extra):
        heard.append(("started", person_id, completions(db, db.session.get(Person, person_id))))

    def completed(_session, person_id=None, **_extra):
        heard.append(("completed", person_id, completions(db, db.session.get(Person, person_id))))

    with course_started.connected_to(started), course_completed.connected_to(completed):
        with QueryCounter(db.engine) as single:
            for key in lessons:
                progress.complete_lesson(db.session, learner, course, key, opened=opened[key])
        with QueryCounter(db.engine) as batch:
            made = progress.complete_lessons(db.session, other, course, opened)
    db.session.commit()
    assert [(kind, count) for kind, pid, count in heard if pid == learner.id] \
        == [(kind, count) for kind, pid, count in heard if pid == other.id] \
        == [("started", 1), ("completed", 3)]
    assert [c.lesson_key for c in made] == lessons

    def rows(person):
        return [(c.lesson_key, c.version, c.content_hash, c.completed_at, c.seconds_spent,
                 c.method) for c in db.session.scalars(select(LessonCompletion).where(
                     LessonCompletion.person_id == person.id).order_by(LessonCompletion.id))]

    assert rows(other) == rows(learner) and rows(other)[0][4] == 120
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "course.complete", AuditEntry.actor_id == other.id)) == 1
    assert standing(db, other, course).completed
    assert progress.complete_lessons(db.session, other, course, opened) == []
    assert progress.complete_lessons(db.session, other, course, {}) == []

    def enrolment_reads(counter):
        return sum(1 for text in counter.statements if text.startswith("SELECT enrollment."))

    # The enrolment is read once and once for the progress, not twice for every lesson.
    assert (enrolment_reads(single), enrolment_reads(batch)) == (2 * len(lessons), 2)
    assert batch.count < single.count


def test_lessons_completed_at_once_refuse_before_recording_any(db, course, learner):
    first, second = keys(db, course)[:2]
    with pytest.raises(NotFound):
        progress.complete_lessons(db.session, learner, course,
                                  {first: None, "no-such-lesson": None})
    stale = progress.OpenedLesson(START, "not-the-content")
    with pytest.raises(DomainError, match="changed since you opened it"):
        progress.complete_lessons(db.session, learner, course, {first: None, second: stale})
    assert completions(db) == 0


def test_recompletion_keeps_the_course_completed_in_history(db, course, learner):
    for key in keys(db, course):
        progress.complete_lesson(db.session, learner, course, key)
    db.session.commit()
    changed = keys(db, course)[1]
    new_version(db, course, change_key=changed, recomplete=True)
    state = standing(db, learner, course)
    assert state.completed and state.needs_review
    assert (state.done, state.total, state.percent) == (2, 3, 66)
    later(days=1)
    again = progress.complete_lesson(db.session, learner, course, changed)
    db.session.commit()
    assert again.version == 2
    enrollment = progress.active_enrollment(db.session, learner.id, course.id)
    assert enrollment.completed_at == START and enrollment.completed_version == 1
    assert not standing(db, learner, course).needs_review


def test_changed_lessons_without_the_requirement_still_count(db, course, learner):
    first = keys(db, course)[0]
    progress.complete_lesson(db.session, learner, course, first)
    db.session.commit()
    new_version(db, course, change_key=first, recomplete=False, add_lesson=True)
    state = standing(db, learner, course)
    assert (state.done, state.total) == (1, 4)
    assert progress.complete_lesson(db.session, learner, course, first) is None


def test_a_new_lesson_shows_as_update_to_review(db, course, learner):
    for key in keys(db, course):
        progress.complete_lesson(db.session, learner, course, key)
    db.session.commit()
    new_version(db, course, add_lesson=True)
    state = standing(db, learner, course)
    assert state.completed and state.needs_review and state.percent == 75


def test_overdue_until_completed(db, course, learner):
    assert not standing(db, learner, course).overdue
    later(days=8, hours=15)  # 2 December
    assert standing(db, learner, course).overdue
    for key in keys(db, course):
        progress.complete_lesson(db.session, learner, course, key)
    assert not standing(db, learner, course).overdue


def test_time_spent_comes_from_the_page_token_and_is_capped(db, course, learner):
    first, second, third = keys(db, course)
    lesson_of = {lesson.key: lesson for lesson in progress.lessons_of(
        progress.outline(db.session, [course.id])[course.id])}
    token = progress.lesson_token(SECRET, learner.id, course.id, lesson_of[first])
    later(minutes=4, seconds=30)
    made = progress.mark_complete(db.session, learner, course, first, token, SECRET)
    assert made.seconds_spent == 270
    token = progress.lesson_token(SECRET, learner.id, course.id, lesson_of[second])
    later(hours=5)  # left the tab open: counts at most 3 × 5 minutes
    assert progress.mark_complete(db.session, learner, course, second, token,
                                  SECRET).seconds_spent == 900
    token = progress.lesson_token(SECRET, learner.id, course.id, lesson_of[third])
    later(hours=1)  # a clock that went backwards counts nothing
    assert progress.mark_complete(db.session, learner, course, third, token,
                                  SECRET).seconds_spent == 0
    assert standing(db, learner, course).seconds == 1170


def test_forged_and_misused_tokens_are_refused(db, course, learner, make_person):
    first, second, _ = keys(db, course)
    lesson = progress.current_lesson(db.session, course, first)
    good = progress.lesson_token(SECRET, learner.id, course.id, lesson)
    other = make_person()
    enrolment.enrol(db.session, None, other, course)
    bad = [
        (learner, first, good[:-2] + ("AA" if not good.endswith("AA") else "BB")),
        (learner, first, progress.lesson_token("another-secret", learner.id, course.id,
                                               lesson)),
        (learner, second, good),   # another lesson's page
        (other, first, good),      # another person's page
        (learner, first, ""),
        (learner, first, "not-a-token"),
    ]
    for person, key, token in bad:
        with pytest.raises(DomainError, match="Open the lesson again"):
            progress.mark_complete(db.session, person, course, key, token, SECRET)
    assert completions(db) == 0
    # A page opened before the lesson changed cannot complete the new content.
    new_version(db, course, change_key=first, recomplete=True)
    with pytest.raises(DomainError, match="changed since you opened it"):
        progress.mark_complete(db.session, learner, course, first, good, SECRET)
    assert completions(db) == 0


def test_refusals_change_nothing(db, make_person, make_course, course, learner):
    stranger = make_person()
    with pytest.raises(NotFound):
        progress.complete_lesson(db.session, stranger, course, keys(db, course)[0])
    with pytest.raises(NotFound):
        progress.complete_lesson(db.session, learner, course, "no-such-lesson")
    enrolment.withdraw(db.session, None, progress.active_enrollment(db.session, learner.id,
                                                                    course.id))
    with pytest.raises(NotFound):
        progress.complete_lesson(db.session, learner, course, keys(db, course)[0])
    advanced = make_course("ADV", title="Advanced", publish=True, prerequisite_ids=[course.id])
    enrolment.enrol(db.session, None, stranger, advanced)
    with pytest.raises(DomainError, match="Complete New-hire basics first"):
        progress.complete_lesson(db.session, stranger, advanced, keys(db, advanced)[0])
    assert completions(db) == 0


def test_quiz_hook_completes_the_lesson(db, course, learner, make_person):
    key = keys(db, course)[2]
    made = progress.complete_lesson_by_quiz(db.session, learner, key)
    assert made.method == "quiz" and made.seconds_spent == 0
    assert progress.complete_lesson_by_quiz(db.session, learner, key) is None
    assert progress.complete_lesson_by_quiz(db.session, make_person(), key) is None
    with pytest.raises(NotFound):
        progress.complete_lesson_by_quiz(db.session, learner, "unknown-key")


def test_aggregate_and_per_key_counts_agree(db, make_course, make_person):
    courses = [make_course(f"C{n}", publish=True, lessons=("a", "b", "c")) for n in range(3)]
    people = [make_person() for _ in range(4)]
    for i, person in enumerate(people):
        for j, course in enumerate(courses):
            enrolment.enrol(db.session, None, person, course)
            for key in keys(db, course)[: (i + j) % 4]:
                progress.complete_lesson(db.session, person, course, key)
    new_version(db, courses[1], change_key=keys(db, courses[1])[0], recomplete=True)
    ids = ([p.id for p in people], [c.id for c in courses])
    fast = progress.progress(db.session, *ids)
    slow = progress.progress(db.session, *ids, with_keys=True)
    assert {k: (v.done, v.total, v.completed) for k, v in fast.items()} == \
        {k: (v.done, v.total, v.completed) for k, v in slow.items()}
    assert {v.done for v in fast.values()} == {0, 1, 2, 3}


def test_path_overview_next_step_respects_prerequisites(db, make_course, make_person,
                                                        defaults):
    tier = defaults["NEWHIRE"].id
    basics = make_course("NH-1", title="New-hire basics", publish=True, lessons=("a", "b"),
                         paths=[PathLink(tier, True, 14)])
    follow = make_course("NH-2", title="Follow-up", publish=True, lessons=("c",),
                         paths=[PathLink(tier, True, 14)], prerequisite_ids=[basics.id])
    optional = make_course("NH-3", title="Optional", publish=True,
                           paths=[PathLink(tier, False, None)])
    elsewhere = make_course("X-1", title="Elsewhere", publish=True)
    agent = make_person(tier_id=tier)
    enrolment.enrol(db.session, None, agent, elsewhere)
    overview = progress.path_overview(db.session, agent)
    assert [line.course.code for line in overview.lines] == ["NH-1", "NH-2", "NH-3"]
    assert [line.course.code for line in overview.others] == ["X-1"]
    assert overview.lines[1].lock_message == "Complete New-hire basics first."
    assert overview.lines[2].progress.state == "not_enrolled"
    assert (overview.next_course, overview.next_lesson.key) == (basics, keys(db, basics)[0])
    for key in keys(db, basics):
        progress.complete_lesson(db.session, agent, basics, key)
    overview = progress.path_overview(db.session, agent)
    assert overview.lines[1].locked_by == []
    assert (overview.next_course, overview.next_lesson.key) == (follow, keys(db, follow)[0])
    assert overview.percent == 66
    progress.complete_lesson(db.session, agent, follow, keys(db, follow)[0])
    overview = progress.path_overview(db.session, agent)
    assert overview.next_lesson is None and overview.all_required_done
    assert optional.id not in {e.course_id for e in db.session.scalars(select(Enrollment))}


def test_matrix_row_uses_the_profile_and_heat(db, make_person, defaults):
    agent = make_person(tier_id=defaults["NEWHIRE"].id)
    listen = db.session.scalar(select(Competency).where(Competency.code == "COMM-LISTEN"))
    empathy = db.session.scalar(select(Competency).where(Competency.code == "COMM-EMPATHY"))
    for competency, level in ((listen, "3.4"), (empathy, "1.5")):
        db.session.add(Evidence(person_id=agent.id, competency_id=competency.id,
                                level=Decimal(level), source_kind="quiz", source_id="1",
                                observed_at=START))
    db.session.commit()
    cells = {c.competency.code: c for c in matrix_row_for(db.session, agent)}
    assert (cells["COMM-LISTEN"].actual, cells["COMM-LISTEN"].colour) == (3, "green")
    assert (cells["COMM-EMPATHY"].actual, cells["COMM-EMPATHY"].colour) == (2, "yellow")
    assert (cells["SOLVE-CASE"].required, cells["SOLVE-CASE"].colour) == (1, "red")
    assert "LEAD-TEAM" not in cells  # not required of new hires


def test_team_rows(db, make_course, make_person, defaults):
    tier = defaults["NEWHIRE"].id
    one = make_course("NH-1", publish=True, lessons=("a", "b"), paths=[PathLink(tier, True, 1)])
    two = make_course("NH-2", publish=True, lessons=("c", "d"), paths=[PathLink(tier, True, 9)])
    senior = make_course("SR-1", publish=True, paths=[PathLink(defaults["SENIOR"].id, True, 3)])
    fast = make_person(tier_id=tier, name="Fast")
    slow = make_person(tier_id=tier, name="Slow")
    other = make_person(tier_id=defaults["SENIOR"].id, name="Senior")
    for key in keys(db, one) + keys(db, two)[:1]:
        progress.complete_lesson(db.session, fast, one if key in keys(db, one) else two, key)
    later(days=2)
    columns, rows = progress.team_rows(db.session, [fast, slow, other])
    assert [c.code for c in columns] == ["NH-1", "NH-2", "SR-1"]
    by_name = {row.person.name: row for row in rows}
    assert by_name["Fast"].percent == 75 and by_name["Fast"].overdue == 0
    assert by_name["Fast"].cells[one.id].completed
    assert by_name["Slow"].percent == 0 and by_name["Slow"].overdue == 1
    assert by_name["Slow"].cells[senior.id] is None
    assert by_name["Senior"].cells[one.id] is None
    assert by_name["Senior"].cells[senior.id].state == "not_started"
