"""Demo training: a running new-hire cohort (three sessions: one past with its register
confirmed, two upcoming), a mentor's log with their first mentee, and a manager's front-line
rotation shifts. People are picked by role, tier and team, never by id."""

from datetime import date, time, timedelta

from sqlalchemy import select

from classroom.services import attendance, enrolment, events, mentoring, rotation
from classroom.services.attendance import Mark
from classroom.services.mentoring import MeetingLog
from lms.competencies.models import Competency
from lms.paths.models import CertificationPath
from lms.people.models import Person, PersonRole

ZONE = "Asia/Shanghai"
COHORT_SIZE = 12


def _with_role(session, role: str) -> list[Person]:
    return list(session.scalars(select(Person).join(PersonRole).where(
        PersonRole.role == role, Person.active.is_(True)).order_by(Person.id)))


def seed_demo_training(session, today: date) -> None:
    """Seed the cohort, the mentor log and the rotation shifts relative to `today`."""
    hr_people, mentors = _with_role(session, "hr"), _with_role(session, "mentor")
    path = session.scalar(select(CertificationPath).where(CertificationPath.code == "NEWHIRE"))
    if not hr_people or not mentors or path is None:
        return
    hr, trainer = hr_people[0], mentors[0]
    _cohort(session, hr, trainer, path, today)
    _mentor_log(session, trainer, today)
    _rotation(session, today)


def _cohort(session, hr, trainer, path, today: date) -> None:
    event = events.create_event(session, hr, events.EventData(
        title=f"New-hire programme, cohort {today:%Y-%m}",
        title_zh=f"新员工培训项目 {today:%Y-%m} 期",
        description="Three days: service etiquette, product knowledge, emotion management and "
                    "drills in simulated scenarios.",
        path_id=path.id, capacity=COHORT_SIZE, self_signup=True))
    days = [(today - timedelta(days=2), "Service etiquette and product knowledge"),
            (today + timedelta(days=3), "Emotion management"),
            (today + timedelta(days=4), "Drills in simulated scenarios")]
    for day, topic in days:
        events.add_session(session, hr, event, events.SessionData(
            day=day, starts=time(9), ends=time(17), timezone=ZONE, title=topic,
            room="A-301", trainer_ids=[trainer.id]))
    new_hires = list(session.scalars(select(Person).where(
        Person.tier_id == path.id, Person.active.is_(True)).order_by(Person.id)
        .limit(COHORT_SIZE - 2)))
    enrolment.enrol(session, hr, event.id, new_hires)
    first = event.sessions[0]
    marks = []
    for index, person in enumerate(new_hires):
        if index == 1:
            marks.append(Mark(person.id, "late", 420))
        elif index == len(new_hires) - 1:
            marks.append(Mark(person.id, "excused", 0))
        else:
            marks.append(Mark(person.id, "present", first.minutes))
    attendance.save_register(session, trainer, first, marks)
    attendance.confirm_register(session, trainer, first)


def _mentor_log(session, mentor, today: date) -> None:
    mentee = session.scalar(select(Person).where(Person.mentor_id == mentor.id,
                                                 Person.active.is_(True)).order_by(Person.id))
    if mentee is None:
        return
    codes = {c.code: c.id for c in session.scalars(select(Competency))}
    meetings = [
        (35, 60, "Listening before answering; call review of a refund complaint",
         "Use the five complaint steps on every escalation", ["COMM-LISTEN", "SOLVE-5STEP"]),
        (21, 90, "Points-rule change: explaining it without blaming the customer",
         "Prepare a two-sentence explanation of the new rule", ["PROD-POLICY"]),
        (7, 45, "Staying calm on the fifth call about a smart band that will not sync",
         "Pause and summarise before each answer", ["EMO-CALM", "EMO-DEESC"]),
    ]
    for days_ago, minutes, topics, actions, competencies in meetings:
        meeting = mentoring.log_meeting(session, mentor, mentee, MeetingLog(
            held_on=today - timedelta(days=days_ago), minutes=minutes, topics=topics,
            actions=actions, competency_ids=[codes[c] for c in competencies if c in codes]))
        mentoring.confirm_meeting(session, mentee, meeting)
    mentoring.plan_meeting(session, mentor, mentee, today + timedelta(days=7))


def _rotation(session, today: date) -> None:
    """A manager with agents reporting to them works shifts with those agents' team."""
    for manager in _with_role(session, "manager"):
        agent = session.scalar(select(Person).join(PersonRole).where(
            Person.manager_id == manager.id, PersonRole.role == "agent",
            ~Person.role_rows.any(PersonRole.role == "mentor"),
            Person.team_id.is_not(None), Person.active.is_(True)).order_by(Person.id))
        if agent is None:
            continue
        supervisors = [p for p in rotation.supervisors(session, agent.team_id)
                       if p.id != manager.id]
        if not supervisors:
            continue
        start, _end = rotation.quarter_of(today)
        shifts = [(max(start, today - timedelta(days=20)), 240,
                   "Peak-hour calls: most are about delivery dates; the script for them is "
                   "too long.", True),
                  (max(start, today - timedelta(days=6)), 180,
                   "Refund questions after the points-rule change.", True),
                  (start - timedelta(days=30), 300, "Last quarter: VIP batch orders.", True),
                  (today - timedelta(days=1), 120, "Chat queue at lunch time.", False)]
        for day, minutes, learned, confirmed in shifts:
            shift = rotation.log_shift(session, manager, agent.team, day, minutes, learned)
            if confirmed:
                rotation.confirm_shift(session, supervisors[0], shift)
        return
