"""Enrolment services without HTTP: by tier, by assignment, by oneself; reminders."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from courses.models import Enrollment
from courses.services import enrolment, progress
from courses.services.authoring import PathLink
from lms.core import audit, clock, policy
from lms.core.errors import DomainError
from lms.notifications.models import Notification, OutboxEmail
from lms.notifications.services import send_reminders
from lms.people.services import onboarding
from lms.people.services.directory import PersonData, update_person

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _frozen_today():
    clock.freeze(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture
def newhire_courses(make_course, defaults):
    """Two required New-hire courses (due in 14 and 30 days), one optional, one unpublished."""
    tier = defaults["NEWHIRE"].id
    return {
        "basics": make_course("NH-1", title="New-hire basics", publish=True,
                              paths=[PathLink(tier, True, 14)]),
        "policy": make_course("NH-2", title="Policies", publish=True,
                              paths=[PathLink(tier, True, 30)]),
        "optional": make_course("NH-OPT", title="Extra reading", publish=True,
                                paths=[PathLink(tier, False, None)], self_enrol=True),
        "unpublished": make_course("NH-DRAFT", title="Not ready", publish=False,
                                   paths=[PathLink(tier, True, 7)]),
    }


def enrolments(db, person):
    return {e.course.code: e for e in db.session.scalars(
        select(Enrollment).where(Enrollment.person_id == person.id))}


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_placing_a_person_on_a_tier_enrols_the_required_courses(db, make_person, defaults,
                                                                newhire_courses):
    agent = make_person(tier_id=defaults["NEWHIRE"].id, name="Lan")
    mine = enrolments(db, agent)
    assert set(mine) == {"NH-1", "NH-2"}
    assert mine["NH-1"].due_date == TODAY + timedelta(days=14)
    assert mine["NH-2"].due_date == TODAY + timedelta(days=30)
    assert {e.source for e in mine.values()} == {"path"}
    # One message for the batch, in the list and in the outbox, naming courses and dates.
    note = db.session.scalar(select(Notification).where(Notification.person_id == agent.id))
    assert note.kind == "enrolment" and "2 courses" in note.subject
    assert "New-hire basics, due Dec 7, 2026" in note.body
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == agent.email))
    assert "Policies, due Dec 23, 2026" in mail.body and mail.sent_at is None


def test_no_tier_or_no_published_courses_enrols_nothing(db, make_person, defaults):
    make_person(name="No tier")
    make_person(tier_id=defaults["SENIOR"].id, name="Senior without courses")
    assert count(db, Enrollment) == 0
    assert count(db, Notification) == 0


def test_changing_tier_enrols_the_new_tier_once(db, make_person, defaults, newhire_courses,
                                                make_course):
    senior = make_course("SR-1", title="Advanced", publish=True,
                         paths=[PathLink(defaults["SENIOR"].id, True, 10)])
    agent = make_person(tier_id=defaults["NEWHIRE"].id)
    hr = make_person(roles=("hr",))

    def data(tier_id):
        return PersonData(employee_id=agent.employee_id, name=agent.name, email=agent.email,
                          tier_id=tier_id, roles=("agent",))

    update_person(db.session, hr, agent, data(defaults["NEWHIRE"].id))  # same tier: nothing
    db.session.commit()
    assert count(db, Notification, Notification.person_id == agent.id) == 1
    update_person(db.session, hr, agent, data(defaults["SENIOR"].id))
    db.session.commit()
    mine = enrolments(db, agent)
    assert set(mine) == {"NH-1", "NH-2", "SR-1"}
    assert mine["SR-1"].assigned_by_id == hr.id and mine["SR-1"].course_id == senior.id
    assert count(db, Notification, Notification.person_id == agent.id) == 2


def test_csv_import_enrols_everyone_on_a_tier(db, make_person, defaults, newhire_courses):
    hr = make_person(roles=("hr",))
    text = ("employee_id,name,email,tier\n"
            "H1,One,one@example.com,NEWHIRE\nH2,Two,two@example.com,\n"
            "H3,Three,three@example.com,newhire\n")
    assert onboarding.run_import(db.session, hr, text) == 3
    db.session.commit()
    assert count(db, Enrollment) == 4  # two people × two required courses
    assert count(db, Notification) == 2
    assert count(db, OutboxEmail) == 2


def test_enrolment_is_idempotent_and_withdrawn_ones_come_back(db, make_person,
                                                              newhire_courses):
    hr = make_person(roles=("hr",))
    agent = make_person()
    course = newhire_courses["optional"]
    first = enrolment.enrol(db.session, hr, agent, course, TODAY + timedelta(days=5))
    again = enrolment.enrol(db.session, hr, agent, course, TODAY + timedelta(days=9))
    db.session.commit()
    assert first.id == again.id and again.due_date == TODAY + timedelta(days=9)
    assert count(db, Enrollment, Enrollment.person_id == agent.id) == 1
    assert count(db, Notification, Notification.person_id == agent.id) == 1
    progress.complete_lesson(db.session, agent, course, progress.outline(
        db.session, [course.id])[course.id][0].lessons[0].key)
    enrolment.withdraw(db.session, hr, first, "moved team")
    db.session.commit()
    assert progress.active_enrollment(db.session, agent.id, course.id) is None
    back = enrolment.enrol(db.session, hr, agent, course)
    db.session.commit()
    assert back.id == first.id and not back.withdrawn
    standing = progress.progress(db.session, [agent.id], [course.id])[(agent.id, course.id)]
    assert standing.completed  # the history came back with it
    actions = [a for (a,) in db.session.execute(
        select(audit.AuditEntry.action).order_by(audit.AuditEntry.id))]
    assert {"enrolment.create", "enrolment.due_date", "enrolment.withdraw",
            "enrolment.reactivate"} <= set(actions)


def test_refuses_unpublished_courses_and_past_due_dates(db, make_person, newhire_courses):
    hr = make_person(roles=("hr",))
    agent = make_person()
    with pytest.raises(DomainError, match="not published"):
        enrolment.enrol(db.session, hr, agent, newhire_courses["unpublished"])
    with pytest.raises(DomainError) as error:
        enrolment.enrol(db.session, hr, agent, newhire_courses["basics"], TODAY - timedelta(1))
    assert error.value.field == "due_date"
    db.session.rollback()
    assert count(db, Enrollment) == 0


def test_self_enrolment_needs_an_open_course_and_its_prerequisites(db, make_person,
                                                                   make_course):
    basics = make_course("NH-1", title="New-hire basics", publish=True)
    closed = make_course("CLOSED", publish=True)
    advanced = make_course("ADV", title="Advanced", publish=True, self_enrol=True,
                           prerequisite_ids=[basics.id])
    agent = make_person()
    with pytest.raises(DomainError, match="not open for self-enrolment"):
        enrolment.self_enrol(db.session, agent, closed)
    with pytest.raises(DomainError) as error:
        enrolment.self_enrol(db.session, agent, advanced)
    assert error.value.message == "Complete New-hire basics first."
    hr = make_person(roles=("hr",))
    enrolment.enrol(db.session, hr, agent, basics)
    for lesson in progress.lessons_of(progress.outline(db.session, [basics.id])[basics.id]):
        progress.complete_lesson(db.session, agent, basics, lesson.key)
    mine = enrolment.self_enrol(db.session, agent, advanced)
    db.session.commit()
    assert mine.source == "self" and mine.assigned_by_id is None


def test_policy_who_may_enrol_whom(make_person):
    hr = make_person(roles=("hr",))
    boss = make_person(roles=("manager",))
    lead = make_person(roles=("manager",), manager_id=boss.id)
    report = make_person(manager_id=lead.id)
    mentor = make_person(roles=("mentor",))
    mentee = make_person(mentor_id=mentor.id)
    stranger = make_person()
    agent = make_person()
    table = [
        (hr, report, True), (hr, stranger, True),
        (boss, report, True), (lead, report, True), (lead, stranger, False),
        (lead, boss, False), (mentor, mentee, True), (mentor, report, False),
        (agent, stranger, False), (agent, agent, False),
    ]
    for actor, person, expected in table:
        assert policy.may(actor, "courses.enrol_others", person) is expected, (actor, person)
    assert policy.may(mentor, "courses.enrol_others") and not policy.may(agent,
                                                                         "courses.enrol_others")


def test_team_enrolment_enrols_whom_the_actor_may(db, make_person, make_team, newhire_courses):
    team = make_team("Chat")
    manager = make_person(roles=("manager",))
    mine = [make_person(team_id=team.id, manager_id=manager.id) for _ in range(3)]
    other = make_person(team_id=team.id)
    result = enrolment.enrol_team(db.session, manager, team, newhire_courses["optional"],
                                  TODAY + timedelta(days=7))
    db.session.commit()
    assert {e.person_id for e in result.created} == {p.id for p in mine}
    assert result.refused == [other]
    hr = make_person(roles=("hr",))
    result = enrolment.enrol_team(db.session, hr, team, newhire_courses["optional"])
    db.session.commit()
    assert [e.person_id for e in result.created] == [other.id] and len(result.unchanged) == 3


def _enrolled(db, make_person, course, due_in_days):
    hr = make_person(roles=("hr",))
    agent = make_person()
    enrolment.enrol(db.session, hr, agent, course, TODAY + timedelta(days=due_in_days))
    db.session.commit()
    return agent


def kinds(db, person):
    return sorted(db.session.scalars(select(Notification.kind).where(
        Notification.person_id == person.id, Notification.kind != "enrolment")))


def test_due_soon_and_overdue_reminders_go_out_once_each(db, make_person, newhire_courses):
    agent = _enrolled(db, make_person, newhire_courses["basics"], 5)
    assert send_reminders(db.session, TODAY) == 0  # five days out: not yet
    assert send_reminders(db.session, TODAY + timedelta(days=2)) == 1  # three days before
    assert send_reminders(db.session, TODAY + timedelta(days=3)) == 0  # already sent
    assert send_reminders(db.session, TODAY + timedelta(days=5)) == 0  # due today: not late
    assert send_reminders(db.session, TODAY + timedelta(days=6)) == 1
    assert send_reminders(db.session, TODAY + timedelta(days=9)) == 0
    db.session.commit()
    assert kinds(db, agent) == ["due-soon", "overdue"]
    subject = db.session.scalar(select(Notification.subject).where(
        Notification.kind == "overdue"))
    assert subject == "Overdue: New-hire basics was due Nov 28, 2026"


def test_no_reminders_for_completed_withdrawn_or_deactivated(db, make_person,
                                                             newhire_courses):
    course = newhire_courses["basics"]
    done = _enrolled(db, make_person, course, 1)
    for lesson in progress.lessons_of(progress.outline(db.session, [course.id])[course.id]):
        progress.complete_lesson(db.session, done, course, lesson.key)
    gone = _enrolled(db, make_person, course, 1)
    enrolment.withdraw(db.session, None, progress.active_enrollment(db.session, gone.id,
                                                                    course.id))
    left = _enrolled(db, make_person, course, 1)
    left.active = False
    db.session.commit()
    assert send_reminders(db.session, TODAY + timedelta(days=4)) == 0


def test_a_new_due_date_gets_its_own_reminder(db, make_person, newhire_courses):
    agent = _enrolled(db, make_person, newhire_courses["basics"], 1)
    assert send_reminders(db.session, TODAY + timedelta(days=2)) == 1
    clock.freeze(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    enrolment.enrol(db.session, None, agent, newhire_courses["basics"], date(2026, 11, 26))
    db.session.commit()
    assert send_reminders(db.session, date(2026, 11, 25)) == 1
    assert kinds(db, agent) == ["due-soon", "overdue"]
