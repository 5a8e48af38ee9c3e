"""The classroom's to-do items: a trainer's open register, a mentoring meeting to confirm, a
shift a supervisor confirms — each leaves the list once done."""

from datetime import UTC, date, datetime, timedelta

from classroom.services import attendance, enrolment, mentoring, rotation
from classroom.services.mentoring import MeetingLog
from lms.core import clock
from lms.core.todo import todo_for


def _titles(db, person, now):
    return [i.title for i in todo_for(db.session, person, now)
            if i.url.startswith("/classroom")]


def test_trainer_confirms_the_register(app, db, make_event, make_person, hr, trainer):
    event = make_event()
    enrolment.enrol(db.session, hr, event.id, [make_person()])
    db.session.commit()
    row = event.sessions[0]
    with app.test_request_context():
        assert _titles(db, trainer, row.starts_at - timedelta(minutes=1)) == []
        [item] = todo_for(db.session, trainer, row.ends_at + timedelta(days=2))
        assert item.title == "Take and confirm attendance: New-hire cohort" and item.overdue
        clock.freeze(row.ends_at)
        attendance.confirm_register(db.session, trainer, row)
        assert _titles(db, trainer, row.ends_at + timedelta(days=2)) == []


def test_meetings_and_shifts_to_confirm(app, db, make_person, make_team):
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    clock.freeze(now)
    team = make_team("Front line B")
    mentor = make_person(("mentor", "agent"), name="Mia Mentor", team_id=team.id)
    mentee = make_person(name="Tim Mentee", mentor_id=mentor.id)
    manager = make_person(("manager",), name="Max Manager")
    meeting = mentoring.log_meeting(db.session, mentor, mentee, MeetingLog(
        held_on=date(2026, 11, 19), minutes=30, topics="Tone"))
    shift = rotation.log_shift(db.session, manager, team, date(2026, 11, 19), 240, "Queues")
    db.session.commit()
    with app.test_request_context():
        assert _titles(db, mentee, now) == ["Confirm the mentoring meeting with Mia Mentor"]
        assert _titles(db, mentor, now) == ["Confirm the front-line shift of Max Manager"]
        mentoring.confirm_meeting(db.session, mentee, meeting)
        rotation.confirm_shift(db.session, mentor, shift)
        assert _titles(db, mentee, now) == [] and _titles(db, mentor, now) == []
