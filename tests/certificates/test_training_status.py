"""Honest status words: a person with a lesson done is "in training" (stored, so HR's filter
agrees), the path pages say how far the courses are and whether an assessment is open now."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import literal, select

from certificates.models import CertificationEvaluation
from certificates.services import awards
from certificates.services.standing import join_status, standings
from certificates.services.training_status import training_status
from courses.services import enrolment, progress
from lms.core import clock
from lms.core.kinds import AssessmentKind, Opening, register_kind
from lms.people.models import Person

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLOSES = T0 + timedelta(days=4)


@register_kind
class WindowKind(AssessmentKind):
    """No results ever; open until CLOSES for reference "open", closed with a reason else."""

    key = "window-test"
    label = "Window (tests)"

    def person_result(self, session, reference, person_id):
        return None

    def opening(self, session, reference, person, now):
        if reference == "open":
            return Opening(True, CLOSES)
        return Opening(False, reason="Opens next month.")


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(T0)


@pytest.fixture
def world(db, make_path, make_course, make_person):
    course = make_course("ST-1", lessons=("One", "Two", "Three"), publish=True)
    path = make_path("STATUS", slots=(("EXAM", "window-test", "open", None, "80"),
                                      ("PRACTICAL", "window-test", "later", None, "80")),
                     courses=[course])
    agent = make_person(tier_id=path.id)
    enrolment.enrol(db.session, None, agent, course)
    awards.evaluate_person(db.session, agent)
    db.session.commit()
    return path, course, agent


def _sql_status(db, person, path):
    stmt, columns = join_status(select(Person.id), Person.id, literal(path.id),
                                today=date(2026, 3, 2))
    return db.session.execute(stmt.add_columns(columns.status)
                              .where(Person.id == person.id)).one()[1]


def test_a_lesson_done_makes_the_person_in_training(db, world):
    path, course, agent = world
    assert standings(db.session, [agent.id])[agent.id][path.id].status == "not_started"
    assert _sql_status(db, agent, path) == "not_started"
    first = progress.outline(db.session, [course.id])[course.id][0].lessons[0].key
    progress.complete_lesson(db.session, agent, course, first)
    db.session.commit()
    evaluation = db.session.scalar(select(CertificationEvaluation).where(
        CertificationEvaluation.person_id == agent.id))
    assert evaluation.started and evaluation.percent == 0
    standing = standings(db.session, [agent.id])[agent.id][path.id]
    assert standing.status == "in_progress"
    assert _sql_status(db, agent, path) == "in_progress"
    status = training_status(db.session, agent, path, standing)
    assert status.courses_percent == 33
    assert status.openings["EXAM"].open and status.exam_open_until == CLOSES
    assert not status.openings["PRACTICAL"].open


def test_the_pages_say_so_in_both_languages(db, client, auth, world):
    path, course, agent = world
    first = progress.outline(db.session, [course.id])[course.id][0].lessons[0].key
    progress.complete_lesson(db.session, agent, course, first)
    db.session.commit()
    auth.login(agent)
    page = client.get("/certificates").get_data(as_text=True)
    assert "In training — 33 % of the required courses done; an assessment is open until" in page
    assert "Exam slot: " in page and "Not taken yet — open until" in page
    assert "Not taken yet — Opens next month." in page
    assert "Not yet available" not in page and "Not started" not in page
    my_path = client.get("/my-path").get_data(as_text=True)
    assert "Certification: Path STATUS" in my_path
    assert "In training — an assessment is open until" in my_path
    chinese = client.get("/certificates", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True)
    assert "培训中" in chinese and "In training" not in chinese


def test_my_path_shows_the_required_share_once(db, client, auth, world, count_queries):
    """The path summary shows the share with its bar; the certification card beside it says
    the status without computing the share a second time."""
    path, course, agent = world
    first = progress.outline(db.session, [course.id])[course.id][0].lessons[0].key
    progress.complete_lesson(db.session, agent, course, first)
    db.session.commit()
    auth.login(agent)
    my_path = client.get("/my-path").get_data(as_text=True)
    assert my_path.count("Required courses done") == 1
    assert '<strong>33%</strong>' in my_path
    assert "of the required courses done" not in my_path
    standing = standings(db.session, [agent.id])[agent.id][path.id]
    with count_queries() as with_share:
        assert training_status(db.session, agent, path, standing).courses_percent == 33
    with count_queries() as without:
        assert training_status(db.session, agent, path, standing,
                               with_courses=False).courses_percent is None
    assert without.count < with_share.count


def test_nothing_done_reads_not_started(db, client, auth, world):
    path, course, agent = world
    auth.login(agent)
    page = client.get("/certificates").get_data(as_text=True)
    assert "Not started — 0 % of the required courses done" in page


def test_the_batch_engine_tells_apart_people_alike_but_for_a_lesson(
        db, world, make_person):
    """Two people with the same facts but one lesson: the set-based engine (which answers
    people with identical facts once) stores one in training and the other not started."""
    from certificates.services import evaluation

    path, course, agent = world
    twin = make_person(tier_id=path.id)
    enrolment.enrol(db.session, None, twin, course)
    first = progress.outline(db.session, [course.id])[course.id][0].lessons[0].key
    progress.complete_lesson(db.session, agent, course, first)
    db.session.commit()
    evaluation.evaluate_people(db.session, [agent.id, twin.id])
    db.session.commit()
    started = dict(db.session.execute(select(
        CertificationEvaluation.person_id, CertificationEvaluation.started).where(
        CertificationEvaluation.path_id == path.id)).all())
    assert started == {agent.id: True, twin.id: False}
