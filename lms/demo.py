"""The demo organisation: a Yunhe Appliances contact centre of about 150 people in six teams,
every role, names in many scripts, and twelve months of history (certificates issued month by
month, some about to expire and some expired).

Built through the same services the screens and tests use.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from assessments.quiz.demo import install_demo_quizzes
from assessments.review360.demo import seed_demo_cycles
from assessments.review360.mystery.demo import seed_mystery
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
    ("Hotline — Chengdu", "Customer Service Centre", "Phone support, western China."),
    ("After-sales & Repairs", "Customer Service Centre",
     "Warranty repairs, exchanges and installation bookings."),
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
    ("E0014", "彭志刚", "manager.chengdu", "Hotline — Chengdu", ("manager",), "MANAGER",
     "E0010", None, 1700),
    ("E0015", "梁雪梅", "manager.aftersales", "After-sales & Repairs", ("manager",), "MANAGER",
     "E0010", None, 1500),
    ("E0026", "蒋文静", "mentor.jiang", "Hotline — Chengdu", ("mentor", "agent"), "SENIOR",
     "E0014", None, 1050),
    ("E0027", "Lucas Fischer", "mentor.lucas", "Hotline — Chengdu", ("mentor", "agent"),
     "SENIOR", "E0014", None, 900),
    ("E0028", "叶子豪", "mentor.ye", "After-sales & Repairs", ("mentor", "agent"), "SENIOR",
     "E0015", None, 1150),
    ("E0029", "潘美玲", "mentor.pan", "After-sales & Repairs", ("mentor", "agent"), "SENIOR",
     "E0015", None, 980),
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

# The teams' Chinese names (shown to people who read the site in Chinese).
TEAM_NAMES_ZH = {"Customer Service Centre": "客户服务中心", "Hotline — Shanghai": "上海热线",
                 "Online Chat": "在线客服", "VIP & Enterprise": "VIP 与企业客户",
                 "Training & Quality": "培训与质检", "Hotline — Chengdu": "成都热线",
                 "After-sales & Repairs": "售后与维修"}
# The organisation's name in the header, e-mails and badges, in each language.
ORGANISATION_NAME = ("Yunhe Appliances", "云禾电器")


def _name_the_organisation(session) -> None:
    """The demo company's own name instead of the product's."""
    from lms.system.services.organisation import save_name

    save_name(session, None, *ORGANISATION_NAME)


TEAM_MANAGER = {"Hotline — Shanghai": "E0011", "Online Chat": "E0012",
                "VIP & Enterprise": "E0013", "Training & Quality": "E0011",
                "Hotline — Chengdu": "E0014", "After-sales & Repairs": "E0015"}
# The mentors of each team's agents: an agent's mentor is TEAM_MENTORS[team][n % len], n being
# the agent's number in AGENTS (1 = E0101) or, for the generated agents, their number in the
# team. So the README's agent@ (E0101, 刘洋, Shanghai hotline) is mentored by mentor@ (E0020,
# 李娜) and managed by manager@ (E0011, 王芳): the three log-ins play one chain.
TEAM_MENTORS = {"Hotline — Shanghai": ["E0023", "E0020"], "Online Chat": ["E0021", "E0025"],
                "VIP & Enterprise": ["E0022", "E0024"],
                "Hotline — Chengdu": ["E0026", "E0027"],
                "After-sales & Repairs": ["E0028", "E0029"]}

# The rest of the organisation: generated agents, E0201 onwards (agent0201@ …), spread over the
# teams and hired over the last two years. Names are put together from these lists; none
# repeats a listed person's or a scenario customer's (钱 Qian, 邓 Deng, 唐 Tang, 冯 Feng,
# 曹 Cao, 孙 Sun and 赵 Zhao are the customers' surnames).
GENERATED_TEAMS = [("Hotline — Shanghai", 14), ("Online Chat", 14), ("VIP & Enterprise", 8),
                   ("Hotline — Chengdu", 32), ("After-sales & Repairs", 34)]
SURNAMES = "王李张刘陈杨黄周吴徐朱胡郭何高林罗郑梁谢宋韩许董程于袁彭蒋蔡潘田杜余叶吕魏苏卢丁任姚沈姜崔"
GIVEN_NAMES = ["子涵", "欣怡", "浩然", "梓轩", "雨桐", "宇航", "思远", "佳琪", "俊杰", "晓彤",
               "嘉怡", "文博", "一鸣", "诗涵", "志强", "海燕", "建华", "丽娟", "春梅", "晨曦",
               "博文", "雅静", "明轩", "晓峰", "婉清", "振宇", "若曦", "天佑", "秀英", "国栋"]
# Generated agents from this position on are this autumn's intake, still in training.
RECENT_HIRES_FROM = 56
LATIN_NAMES = ["Chloe Dubois", "Ahmed Hassan", "Sofia Lindqvist", "Daniel Kim", "Ana Pereira",
               "Tomasz Nowak"]


# Days ago the managers and mentors were issued their new-hire certificate (they hold the tier
# below theirs; a few of them come up for recertification soon).
STAFF_CERTIFIED = {"E0010": 150, "E0011": 75, "E0012": 230, "E0013": 110, "E0014": 290,
                   "E0015": 40, "E0020": 190, "E0021": 260, "E0022": 320, "E0023": 345,
                   "E0024": 20, "E0025": 95, "E0026": 130, "E0027": 175, "E0028": 210,
                   "E0029": 250}


def certified_days_ago(hired_days_ago: int) -> int | None:
    """When a generated agent was issued the new-hire certificate (days ago), about a month
    after being hired; None while still in training. Certificates are valid for twelve months:
    those issued 366–450 days ago have expired, inside the recertification grace period (the
    engine asks for the re-exam rather than issuing a new one); the older hands recertified a
    year after their first."""
    issued = hired_days_ago - 30
    if issued < 20:
        return None
    return issued if issued <= 450 else issued - 365


def generated_agents() -> list[tuple[str, str, str, int]]:
    """(employee id, name, team, days since hired) of the generated agents: names unique among
    themselves and the listed people; the first RECENT_HIRES_FROM hired over the last two
    years, the rest (a growing centre's new intake) over the last six weeks; newest last."""
    taken = {row[1] for row in PEOPLE} | {name for name, _team in AGENTS}
    teams = [team for team, count in GENERATED_TEAMS for _ in range(count)]
    # Interleave the teams, so each team has old hands and new hires.
    order = sorted(range(len(teams)), key=lambda i: (i * 37) % len(teams))
    rows, n = [], 0
    for position, index in enumerate(order):
        if position % 17 == 5:
            name = LATIN_NAMES[(position // 17) % len(LATIN_NAMES)]
        else:
            while True:
                name = (SURNAMES[n % len(SURNAMES)]
                        + GIVEN_NAMES[(n * 7 + n // len(SURNAMES)) % len(GIVEN_NAMES)])
                n += 1
                if name not in taken:
                    break
        taken.add(name)
        if position < RECENT_HIRES_FROM:
            hired = 730 - position * (730 - 80) // RECENT_HIRES_FROM
        else:
            hired = 45 - (position - RECENT_HIRES_FROM) * 40 // (len(teams) - RECENT_HIRES_FROM)
        rows.append((f"E{201 + position:04d}", name, teams[index], hired))
    return rows


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
            teams[name] = save_team(session, None, None, name, description, parent_id,
                                    name_zh=TEAM_NAMES_ZH.get(name, ""))
        _name_the_organisation(session)
        by_eid: dict[str, Person] = {}

        # One hash of the demo password for everyone: hashing it anew for each of ~150 people
        # would be most of the seed's time.
        hashed: list[str] = []

        def add(eid, name, email, team, roles, tier, manager, mentor, hired_days_ago):
            data = PersonData(
                employee_id=eid, name=name, email=f"{email}@demo.example",
                team_id=teams[team].id, hire_date=today - timedelta(days=hired_days_ago),
                manager_id=by_eid[manager].id if manager else None,
                mentor_id=by_eid[mentor].id if mentor else None,
                tier_id=paths[tier].id if tier else None, roles=roles,
            )
            person = create_person(session, None, data, None if hashed else DEMO_PASSWORD)
            if hashed:
                person.password_hash = hashed[0]
            else:
                hashed.append(person.password_hash)
            by_eid[eid] = person

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
        for number, (eid, name, team, hired) in enumerate(generated_agents(), start=1):
            mentors = TEAM_MENTORS[team]
            # Hired over a year ago: moved up to the senior tier (one in three).
            tier = "SENIOR" if hired > 400 and number % 3 == 0 else "NEWHIRE"
            add(eid, name, f"agent{eid[1:]}", team, ("agent",), tier, TEAM_MANAGER[team],
                mentors[number % len(mentors)], hired)
        # A deactivated leaver, to show that people are never deleted.
        add("E0199", "Tom Leaver", "leaver", "Online Chat", ("agent",), "NEWHIRE", "E0012", None, 400)
        by_eid["E0199"].active = False
        session.flush()
        # The starter courses, published (the three tiers' and Service first, open to all);
        # enrolment follows from each person's tier.
        import_starter_courses(session)
        # The new-hire exam (drawn from the demo question bank) and the lessons' knowledge checks.
        install_demo_quizzes(session)
        _seed_roleplays(session, by_eid)
        # Certification: rules settings, the design, an exam passed.
        from certificates.demo import install_demo_certification, seed_certificate_history
        install_demo_certification(session, by_eid)
        # A year of new-hire certificates, each earned on its day (course, exam, practical).
        holders = [(eid, today - timedelta(days=days)) for eid, days in STAFF_CERTIFIED.items()]
        holders += [(eid, today - timedelta(days=days)) for eid, _name, _team, hired
                    in generated_agents()
                    if (days := certified_days_ago(hired)) is not None]
        seed_certificate_history(session, by_eid, sorted(holders, key=lambda h: h[1]))
        _seed_leader_certificates(session, by_eid, today)
        _seed_learning(session, by_eid, today)
        # 360: the agent and manager questionnaires, a closed Q3 cycle and the open Q4 one.
        seed_demo_cycles(session, today)
        # Classroom: a running new-hire cohort, a mentor's log, a manager's rotation shifts.
        seed_demo_training(session, today)
        to_evaluate.update(p.id for p in by_eid.values() if p.active)
    # Twelve months of evidence history behind the real results (the heat map's trend).
    from reports.demo import seed_evidence_history
    seed_evidence_history(session, today)
    with evaluations_deferred(session):  # 12 months of KPIs and the senior path's KPI rules
        seed_kpis(session, today)
        seed_mystery(session, today)  # a mystery-shopper programme under way (MYSTERY KPI)
    return [
        DemoLogin("admin", "admin@demo.example", by_eid["E0001"].name),
        DemoLogin("hr", "hr@demo.example", by_eid["E0002"].name),
        DemoLogin("manager", "manager@demo.example", by_eid["E0011"].name),
        DemoLogin("mentor", "mentor@demo.example", by_eid["E0020"].name),
        DemoLogin("agent", "agent@demo.example", by_eid["E0101"].name),
    ]


def _seed_leader_certificates(session, by_eid: dict[str, Person], today: date) -> None:
    """Senior certificates for some mentors and managers, manager certificates for two
    managers, each earned through a closed 360 with customers (certificates.demo_leaders)."""
    from certificates.demo_leaders import seed_leader_certificates

    seed_leader_certificates(session, by_eid, today)


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

    from courses.demo import complete_course, complete_lessons
    from courses.models import Enrollment
    from courses.services import enrolment

    def history(person, course, done: set[int]) -> None:
        """Senior people completed the earlier tiers' courses (prerequisites first)."""
        for link in course.prerequisite_links:
            if link.requires_id not in done:
                history(person, link.requires, done)
                complete_course(session, person, link.requires)
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
            complete_lessons(session, person, enrollment.course, lessons_done)
    session.flush()
