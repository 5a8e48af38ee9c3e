"""A path's rules quote its required published courses (issue #21): the course editor adding
or removing one, or changing its required flag, archiving or publishing a required course,
re-evaluates the people on the paths concerned in the same request, says so like the slot
editor, and leaves check-derived nothing to find; saving the links unchanged announces
nothing."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from certificates.models import CertificationEvaluation
from certificates.services import evaluation, reevaluation
from certificates.services.standing import standings
from courses.models import Enrollment
from courses.services import authoring
from courses.services import versions as course_versions
from lms.cli import derived_differences
from lms.core import clock
from lms.core.audit import AuditEntry


@pytest.fixture
def world(app, db, make_path, make_course, make_person, scores):
    """Path CALLS requiring course REQ-A; REQ-B on no path. "behind" passed the exam but
    has not done REQ-A (in training); "fresh" has no result and completed REQ-B (not
    started)."""
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    course_a = make_course("REQ-A", publish=True)
    course_b = make_course("REQ-B", publish=True)
    path = make_path("CALLS", courses=[course_a])
    behind = make_person(tier_id=path.id, name="Behind")
    fresh = make_person(tier_id=path.id, name="Fresh")
    scores(behind, 90)
    db.session.add(Enrollment(person_id=fresh.id, course_id=course_b.id,
                              enrolled_at=clock.now(), completed_at=clock.now()))
    evaluation.evaluate_people(db.session, [behind.id, fresh.id])
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    return {"path": path, "a": course_a, "b": course_b, "behind": behind, "fresh": fresh}


def _status(db, person, path) -> str:
    db.session.expire_all()
    found = standings(db.session, [person.id])[person.id].get(path.id)
    return "not_started" if found is None else found.status


def _settings(course, path=None, required=True) -> dict:
    data = {"code": course.code, "title": course.title}
    if path is not None:
        data[f"path_{path.id}"] = "y"
        if required:
            data[f"required_{path.id}"] = "y"
    return data


def _nothing_left_behind(db):
    assert all(not found for found in derived_differences(db.session).values())
    assert reevaluation.outdated_people(db.session) == []


def _entries(db, action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def test_removing_and_adding_a_required_course_reevaluates_in_the_same_request(
        client, auth, db, world, make_person, runner):
    path, behind, fresh = world["path"], world["behind"], world["fresh"]
    assert (_status(db, behind, path), _status(db, fresh, path)) == ("in_progress",
                                                                     "not_started")
    auth.login(make_person(roles=("admin",)))
    # REQ-A leaves the path: "behind" now meets every rule and is certified.
    page = client.post(f"/author/courses/{world['a'].id}/settings",
                       data=_settings(world["a"]), follow_redirects=True)
    assert page.status_code == 200
    assert ("2 people were re-evaluated under the new rules; status changes: 1."
            in page.get_data(as_text=True))
    assert _status(db, behind, path) == "certified"
    [entry] = _entries(db, "course.paths")
    assert entry.details["changes"] == {"CALLS": [{"required": True, "due_days": None}, None]}
    assert entry.details["reevaluated"] == 2 and entry.details["status_changed"] == 1
    _nothing_left_behind(db)

    # REQ-B, which "fresh" completed, becomes required: a rule met, so in training.
    page = client.post(f"/author/courses/{world['b'].id}/settings",
                       data=_settings(world["b"], path), follow_redirects=True)
    assert ("2 people were re-evaluated under the new rules; status changes: 1."
            in page.get_data(as_text=True))
    assert _status(db, fresh, path) == "in_progress"
    _nothing_left_behind(db)
    assert runner.invoke(args=["check-derived"]).exit_code == 0


def test_saving_the_links_unchanged_announces_nothing(client, auth, db, world, make_person):
    auth.login(make_person(roles=("admin",)))
    before = {(e.person_id, e.rules_version_id, e.evaluated_at)
              for e in db.session.scalars(select(CertificationEvaluation))}
    page = client.post(f"/author/courses/{world['a'].id}/settings",
                       data={**_settings(world["a"], world["path"]), "summary": "Longer"},
                       follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "re-evaluat" not in text
    assert _entries(db, "course.paths") == []
    [update] = _entries(db, "course.update")                # the summary: no rule
    assert "reevaluated" not in update.details
    db.session.expire_all()
    assert {(e.person_id, e.rules_version_id, e.evaluated_at)
            for e in db.session.scalars(select(CertificationEvaluation))} == before


def test_an_optional_course_is_no_rule_until_it_is_required(client, auth, db, world,
                                                            make_person):
    path = world["path"]
    auth.login(make_person(roles=("admin",)))
    page = client.post(f"/author/courses/{world['b'].id}/settings",
                       data=_settings(world["b"], path, required=False), follow_redirects=True)
    assert "re-evaluat" not in page.get_data(as_text=True)
    assert _status(db, world["fresh"], path) == "not_started"
    page = client.post(f"/author/courses/{world['b'].id}/settings",
                       data=_settings(world["b"], path), follow_redirects=True)
    assert "status changes: 1." in page.get_data(as_text=True)
    assert _status(db, world["fresh"], path) == "in_progress"
    _nothing_left_behind(db)


def test_renaming_a_required_course_keeps_answers_current(db, world, make_person):
    # The rules quote a required course's title: a new one is a new rules version.
    admin = make_person(roles=("admin",))
    authoring.save_course(db.session, admin, world["a"], authoring.CourseData(
        code="REQ-A", title="Calls, the basics", paths=[authoring.PathLink(world["path"].id)]))
    db.session.commit()
    [entry] = _entries(db, "course.update")
    assert entry.details["reevaluated"] == 2 and entry.details["status_changed"] == 0
    _nothing_left_behind(db)


def test_archiving_and_publishing_a_required_course(db, world, make_person, make_course):
    path, behind = world["path"], world["behind"]
    admin = make_person(roles=("admin",))
    authoring.set_archived(db.session, admin, world["a"], True, "retired")
    db.session.commit()
    assert _status(db, behind, path) == "certified"
    [entry] = _entries(db, "course.archive")
    assert entry.details["status_changed"] == 1
    _nothing_left_behind(db)
    # A draft required on the path is no rule until it is published.
    draft = make_course("REQ-C", paths=[authoring.PathLink(path.id)])
    assert _entries(db, "course.paths")[-1].details.get("reevaluated") is None
    course_versions.publish(db.session, admin, draft, "first")
    db.session.commit()
    [published] = [e for e in _entries(db, "course.publish")
                   if e.object_id == str(draft.id)]
    assert published.details["reevaluated"] == 2
    _nothing_left_behind(db)
