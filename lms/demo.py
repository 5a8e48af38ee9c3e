"""The demo organisation: teams and ~40 people in every role, with names in many scripts.

Built through the same services the screens and tests use.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from assessments.quiz.demo import install_demo_quizzes
from assessments.review360.demo import seed_demo_cycles
from classroom.demo import seed_demo_training
from courses.services.content_files import import_starter_courses
from lms.defaults import install_defaults
from lms.kpis.demo import seed_kpis
from lms.people.models import Person, Team
from lms.people.services.directory import PersonData, create_person, save_team

DEMO_PASSWORD = "certify-demo"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    name: str


TEAMS = [
    ("Customer Service Centre", None, "The whole contact centre."),
    ("Hotline — Shanghai", "Customer Service Centre", "Phone support, mainland China."),
    ("Online Chat", "Customer Service Centre", "Chat and messaging support."),
    ("VIP & Enterprise", "Customer Service Centre", "Key accounts and batch orders."),
    ("Training & Quality", "Customer Service Centre", "Trainers, QA and mentors."),
]

# (employee id, name, email local part, team, roles, tier, manager id, mentor id, hire offset)
PEOPLE = [
    ("E0001", "Admin Li 李管理", "admin", "Training & Quality", ("admin",), None, None, None, 2000),
    ("E0002", "Sophie Martin", "hr", "Customer Service Centre", ("hr",), None, None, None, 1500),
    ("E0003", "周慧敏", "hr.zhou", "Customer Service Centre", ("hr",), None, None, None, 900),
    ("E0010", "陈建国", "ops.manager", "Customer Service Centre", ("manager",), "MANAGER",
     None, None, 2400),
    ("E0011", "王芳", "manager", "Hotline — Shanghai", ("manager",), "MANAGER", "E0010", None,
     1800),
    ("E0012", "David Okafor", "manager.chat", "Online Chat", ("manager",), "MANAGER", "E0010",
     None, 1600),
    ("E0013", "김민준", "manager.vip", "VIP & Enterprise", ("manager",), "MANAGER", "E0010", None,
     1400),
    ("E0020", "李娜", "mentor", "Training & Quality", ("mentor", "agent"), "SENIOR", "E0011",
     None, 1300),
    ("E0021", "Carlos Álvarez", "mentor.carlos", "Online Chat", ("mentor", "agent"), "SENIOR",
     "E0012", None, 1250),
    ("E0022", "佐藤 健", "mentor.sato", "VIP & Enterprise", ("mentor", "agent"), "SENIOR",
     "E0013", None, 1100),
    ("E0023", "Анна Смирнова", "mentor.anna", "Hotline — Shanghai", ("mentor", "agent"),
     "SENIOR", "E0011", None, 1000),
    ("E0024", "张伟", "mentor.zhang", "Training & Quality", ("mentor", "agent"), "SENIOR",
     "E0011", None, 1200),
    ("E0025", "Priya Sharma प्रिया", "mentor.priya", "Online Chat", ("mentor", "agent"),
     "SENIOR", "E0012", None, 950),
]

AGENTS = [
    ("刘洋", "Hotline — Shanghai"), ("陈静", "Hotline — Shanghai"), ("杨磊", "Hotline — Shanghai"),
    ("赵敏", "Hotline — Shanghai"), ("黄强", "Hotline — Shanghai"), ("吴婷婷", "Hotline — Shanghai"),
    ("Emily Carter", "Hotline — Shanghai"), ("Nguyễn Thị Lan", "Hotline — Shanghai"),
    ("徐明", "Online Chat"), ("孙悦", "Online Chat"), ("James O'Connor", "Online Chat"),
    ("فاطمة الزهراء", "Online Chat"), ("Zoë Müller", "Online Chat"), ("马超", "Online Chat"),
    ("朱丽", "Online Chat"), ("สมชาย ใจดี", "Online Chat"),
    ("胡军", "VIP & Enterprise"), ("郭敏", "VIP & Enterprise"), ("Γιώργος Παπαδόπουλος",
                                                              "VIP & Enterprise"),
    ("נועה כהן", "VIP & Enterprise"), ("高峰", "VIP & Enterprise"), ("林小雨", "VIP & Enterprise"),
    ("Oliver Bennett", "Hotline — Shanghai"), ("何晓东", "Online Chat"),
    ("이서연", "VIP & Enterprise"), ("罗佳", "Hotline — Shanghai"), ("Mateo Rossi", "Online Chat"),
    ("谢天", "VIP & Enterprise"),
]

TEAM_MANAGER = {"Hotline — Shanghai": "E0011", "Online Chat": "E0012",
                "VIP & Enterprise": "E0013", "Training & Quality": "E0011"}
TEAM_MENTORS = {"Hotline — Shanghai": ["E0020", "E0023"], "Online Chat": ["E0021", "E0025"],
                "VIP & Enterprise": ["E0022", "E0024"]}


def seed_demo(session, today: date) -> list[DemoLogin]:
    """Build the demo organisation on an empty database; returns one log-in per role."""
    from certificates.services.listeners import evaluations_deferred

    # Results seeded below would each re-evaluate their person; instead everyone active is
    # evaluated once, at the end of the block.
    with evaluations_deferred(session) as to_evaluate:
        paths = install_defaults(session)
        teams: dict[str, Team] = {}
        for name, parent, description in TEAMS:
            parent_id = teams[parent].id if parent else None
            teams[name] = save_team(session, None, None, name, description, parent_id)
        by_eid: dict[str, Person] = {}

        def add(eid, name, email, team, roles, tier, manager, mentor, hired_days_ago):
            data = PersonData(
                employee_id=eid, name=name, email=f"{email}@demo.example",
                team_id=teams[team].id, hire_date=today - timedelta(days=hired_days_ago),
                manager_id=by_eid[manager].id if manager else None,
                mentor_id=by_eid[mentor].id if mentor else None,
                tier_id=paths[tier].id if tier else None, roles=roles,
            )
            by_eid[eid] = create_person(session, None, data, DEMO_PASSWORD)

        for row in PEOPLE:
            add(*row)
        for index, (name, team) in enumerate(AGENTS, start=1):
            eid = f"E{100 + index:04d}"
            mentors = TEAM_MENTORS[team]
            # Newer hires sit on the new-hire tier; every fourth agent has moved up to senior.
            tier = "SENIOR" if index % 4 == 0 else "NEWHIRE"
            email = "agent" if index == 1 else f"agent{index:02d}"
            add(eid, name, email, team, ("agent",), tier, TEAM_MANAGER[team],
                mentors[index % len(mentors)], 20 + index * 23)
        # A deactivated leaver, to show that people are never deleted.
        add("E0199", "Tom Leaver", "leaver", "Online Chat", ("agent",), "NEWHIRE", "E0012", None, 400)
        by_eid["E0199"].active = False
        session.flush()
        # The three starter courses, published; enrolment follows from each person's tier.
        import_starter_courses(session)
        # The new-hire exam (drawn from the demo question bank) and the lessons' knowledge checks.
        install_demo_quizzes(session)
        _seed_learning(session, by_eid, today)
        _seed_roleplays(session, by_eid)
        # 360: the agent and manager questionnaires, a closed Q3 cycle and the open Q4 one.
        seed_demo_cycles(session, today)
        # Certification: rules settings, the design, an exam passed.
        from certificates.demo import install_demo_certification
        install_demo_certification(session, by_eid)
        # Classroom: a running new-hire cohort, a mentor's log, a manager's rotation shifts.
        seed_demo_training(session, today)
        to_evaluate.update(p.id for p in by_eid.values() if p.active)
    # Twelve months of evidence history behind the real results (the heat map's trend).
    from reports.demo import seed_evidence_history
    seed_evidence_history(session, today)
    with evaluations_deferred(session):  # 12 months of KPIs and the senior path's KPI rules
        seed_kpis(session, today)
    return [
        DemoLogin("admin", "admin@demo.example", by_eid["E0001"].name),
        DemoLogin("hr", "hr@demo.example", by_eid["E0002"].name),
        DemoLogin("manager", "manager@demo.example", by_eid["E0011"].name),
        DemoLogin("mentor", "mentor@demo.example", by_eid["E0020"].name),
        DemoLogin("agent", "agent@demo.example", by_eid["E0101"].name),
    ]


def _seed_roleplays(session, by_eid: dict[str, Person]) -> None:
    """The role-play scenarios and rubric library, and submissions at every stage."""
    from flask import current_app, has_app_context

    from assessments.roleplay.demo import install_demo_roleplays, seed_demo_submissions

    storage_dir = current_app.config["STORAGE_DIR"] if has_app_context() else None
    install_demo_roleplays(session, storage_dir)
    seed_demo_submissions(session, by_eid, storage_dir)


# (employee id, lessons completed in each of their tier's required courses, days overdue).
# E0101 is the demo agent: part-way through, with the rest to do in the demo.
PROGRESS = [("E0101", 2, 0), ("E0102", 99, 0), ("E0103", 5, 0), ("E0105", 1, 4),
            ("E0106", 0, 2), ("E0109", 3, 0), ("E0110", 99, 0), ("E0117", 4, 0),
            ("E0020", 3, 0), ("E0021", 99, 0), ("E0104", 2, 0)]


def _seed_learning(session, by_eid: dict[str, Person], today: date) -> None:
    """Enrol everyone in their tier's required courses (none when no course is published for
    it), then give some people progress: lessons done, one course completed, some overdue."""
    from sqlalchemy import select

    from courses.models import Enrollment
    from courses.services import enrolment, progress
    from lms.core import clock

    def complete(person, course, lessons) -> None:
        for lesson in lessons:
            # Most people take a little less than the estimate.
            opened = progress.OpenedLesson(at=clock.now() - timedelta(minutes=lesson.minutes * .8),
                                           content_hash=lesson.content_hash)
            progress.complete_lesson(session, person, course, lesson.key, opened=opened)

    def history(person, course, done: set[int]) -> None:
        """Senior people completed the earlier tiers' courses (prerequisites first)."""
        for link in course.prerequisite_links:
            if link.requires_id not in done:
                history(person, link.requires, done)
                enrolment.enrol_people(session, None, [person], link.requires,
                                       send_notice=False)
                modules = progress.outline(session, [link.requires_id])[link.requires_id]
                complete(person, link.requires, progress.lessons_of(modules))
                done.add(link.requires_id)

    people = [p for p in by_eid.values() if p.active]
    enrolment.enrol_in_path_courses(session, None, people)
    for person in people:
        done: set[int] = set()
        for enrollment in session.scalars(select(Enrollment).where(
                Enrollment.person_id == person.id)).all():
            history(person, enrollment.course, done)
    for eid, lessons_done, days_overdue in PROGRESS:
        person = by_eid[eid]
        enrollments = session.scalars(select(Enrollment).where(
            Enrollment.person_id == person.id, Enrollment.source == "path")).all()
        for enrollment in enrollments:
            if days_overdue:
                enrollment.due_date = today - timedelta(days=days_overdue)
            modules = progress.outline(session, [enrollment.course_id])[enrollment.course_id]
            complete(person, enrollment.course, progress.lessons_of(modules)[:lessons_done])
    session.flush()
