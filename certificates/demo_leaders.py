"""The demo's senior and manager certificates (issue #18): mentors certified as senior agents
and managers certified at the senior and the manager tier, at varied ages, so the heat map, the
HR dashboard and expiry reminders show every tier.

Each certificate is earned the way a real one is, on its day (the clock frozen at it): the
tier's course, the case-analysis or leadership role-play graded by the trainer and released, a
closed 360 cycle in which customers (and, for managers, their direct reports) answered, then the
engine's evaluation, the approval request and its approval (HR for the senior tier, the
operations manager for the manager tier). The senior path's leadership levels come from the
360: the managers' questionnaire, and the agents' statements about helping colleagues.
Callers own the commit.
"""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from certificates.models import AwardApproval
from lms.core import clock
from lms.core.i18n import ZH
from lms.people.models import Person

# The 360 cycles behind the certificates: (days ago it closed, subjects); each is named after
# the quarter it closed in. Each subject is certified SENIOR_DAYS / MANAGER_DAYS days ago,
# after the close.
LEADER_CYCLES = [(350, ("E0023", "E0022", "E0014", "E0012")), (210, ("E0014", "E0012")),
                 (190, ("E0021", "E0020")), (70, ("E0028",))]
# Customers rate agents, direct reports rate managers; so the managers earned their senior
# certificate as senior agents, rated by customers, and were then promoted to team manager
# (their second cycle rates them as managers). The demo's manager@ (E0011) was promoted
# before; she holds the new-hire certificate and is evaluated as a manager in the open cycle.
PROMOTED = ("E0014", "E0012")
CYCLE_TITLE = "{year} Q{quarter} 360 review — specialists and team leads"
CYCLE_TITLE_ZH = "{year} 年第 {quarter} 季度 360 度评估 — 专家与组长"
# Days ago each was issued the senior certificate (valid twelve months: E0023's and E0022's
# come up for renewal in the next 30 and 60 days). Each is after their new-hire certificate
# (lms.demo.STAFF_CERTIFIED), which the senior path requires, and before the holder's next
# 360 closes (the customer evaluation reads the latest closed cycle).
SENIOR_DAYS = {"E0023": 340, "E0022": 310, "E0014": 280, "E0012": 225, "E0021": 180,
               "E0020": 100, "E0028": 60}
# Days ago the manager certificate was issued (requires the senior one).
MANAGER_DAYS = {"E0014": 200, "E0012": 150}
ADMIN, HR, OPERATIONS = "E0001", "E0002", "E0010"
TRAINER, STAND_IN_TRAINER = "E0024", "E0020"
CUSTOMERS = [("Zheng Hui 郑辉", "zheng.hui"), ("Laura Bianchi", "l.bianchi"),
             ("宋雅琴", "song.yq")]
# Ratings of the certified people's raters: strong, with a little spread (1–5 scale).
RATINGS = (5, 4, 5, 4, 4, 5)
# How many direct reports of a manager answered (the group's threshold is three).
REPORTS_ANSWERING = 5

CASE = "Four hours, three centres, three answers"
CASE_LINES = {
    "zh": ["曹先生，非常抱歉，让您在三个服务中心之间跑了四个小时，这不是您应得的服务。",
           "您的电饭煲签收 10 天出现质量问题，在 15 天内，有收据就可以在任何服务中心换货，"
           "不需要包装盒。",
           "我现在就为您办理换货，并把这次的情况反馈给组长跟进，明天我给您回电话确认。"],
    "en": ["I'm truly sorry, Mr Cao: four hours across three centres is not the service you "
           "deserve.",
           "A fault within 15 days of delivery is exchanged at any centre; with your receipt no "
           "box is needed.",
           "I'll arrange the exchange now and report the centres' answers to my lead for "
           "follow-up; I'll call you tomorrow to confirm."],
}
LEADERSHIP = "Coaching after a major complaint"
LEADERSHIP_LINES = {
    "zh": ["谢谢你过来。我们一起听一下昨天的录音，你觉得那通电话哪里可以做得不一样？",
           "质检分数是 54 分，主要扣在倾听上。我们做个练习计划，你和导师每周练两次。",
           "两周后我们再看一次质检分数，用 PDCA 的方式检查效果。"],
    "en": ["Thanks for coming. Let's listen to yesterday's recording together: what do you "
           "think could have gone differently?",
           "The QA score was 54, mostly on listening. Let's agree a practice plan with your "
           "mentor, twice a week.",
           "We'll look at the QA score again in two weeks and check it, plan-do-check-act."],
}


def _at(day: date, hour: int = 10):
    return clock.frozen_at(datetime.combine(day, time(hour), UTC))


def _roleplay(session, person: Person, grader: Person, title: str, lines: dict) -> None:
    """`person` plays the scenario by chat; `grader` releases a grade at the top level of
    every criterion (which writes the role-play evidence)."""
    from assessments.roleplay.models import Scenario
    from assessments.roleplay.services import grading, submissions
    from assessments.roleplay.services.grading import RatingInput

    scenario = session.scalar(select(Scenario).where(Scenario.title == title))
    language = "en" if person.name.isascii() else "zh"
    sub = submissions.start_chat(session, person, scenario, "script",
                                 language="en" if language == "en" else ZH)
    for line in lines[language]:
        submissions.post_message(session, person, sub, line)
    submissions.submit(session, person, sub)
    sub.mentor_id = grader.id
    ratings = {c.id: RatingInput(max(c.levels, key=lambda level: level.points).id)
               for c in sub.rubric_version.criteria}
    comment = ("Clear, owned the case and closed with a follow-up." if language == "en"
               else "思路清晰，主动担责，并以跟进收尾。")
    grading.save_grade(session, grader, sub, ratings, comment, "", release=True)


def _answer(session, raters) -> None:
    """These raters answer every statement and submit (strong ratings, a little spread)."""
    from assessments.review360.services import responses

    for index, rater in enumerate(raters):
        posted = {}
        for position, item in enumerate(rater.subject.version.items):
            posted[str(item.id)] = ("谢谢你的耐心和专业。" if item.kind == "comment"
                                    else str(RATINGS[(index + position) % len(RATINGS)]))
        responses.save(session, rater.person, rater, posted, submit=True,
                       external=rater.external)


def _cycle(session, people: dict[str, Person], closes: date, subjects: tuple[str, ...],
           promoted: tuple[str, ...] = ()) -> None:
    """A 360 cycle that opened 30 days before `closes` and closed on it: HR nominates three
    customers and three peers per subject and approves; everyone invited answers except most
    of a manager's direct reports."""
    from assessments.review360.demo import DEMO_SHARED_DOMAINS
    from assessments.review360.services import cycles, nominations

    hr = people[HR]
    with _at(closes - timedelta(days=31)):
        for eid in promoted:
            _set_rank(session, people, people[eid], ("agent", "mentor"), "SENIOR")
    named = {"year": closes.year, "quarter": (closes.month - 1) // 3 + 1}
    with _at(closes - timedelta(days=30)):
        cycle = cycles.create_cycle(session, hr, cycles.CycleData(
            title=CYCLE_TITLE.format(**named), opens_on=closes - timedelta(days=30),
            closes_on=closes,
            shared_domains=DEMO_SHARED_DOMAINS))
        cycle.set_translation(ZH, "title", CYCLE_TITLE_ZH.format(**named))
        added = cycles.add_subjects(session, hr, cycle, [people[e].id for e in subjects])
        for subject in added:
            eid = subject.person.employee_id
            colleagues = [p for p in people.values() if p.active and p.id != subject.person_id
                          and p.team_id == subject.person.team_id
                          and p.manager_id != subject.person_id
                          and p.id != subject.person.manager_id][:3]
            if subject.rated_as_manager:  # rated by direct reports, proposed with them
                nominations.approve(session, hr, subject)
                continue
            for peer in colleagues:
                nominations.propose(session, hr, subject, "peer", peer.id)
            for name, mailbox in CUSTOMERS:
                nominations.propose(session, hr, subject, "customer", name=name,
                                    email=f"{mailbox}+{eid.lower()}@customer.example")
            nominations.approve(session, hr, subject)
    with _at(closes - timedelta(days=10)):
        for subject in added:
            reports = [r for r in subject.raters if r.group == "direct_report"]
            _answer(session, [r for r in subject.raters if r.group != "direct_report"]
                    + reports[:REPORTS_ANSWERING])
    with _at(closes, hour=18):
        cycles.close_cycle(session, hr, cycle)
    with _at(closes + timedelta(days=1)):
        for eid in promoted:
            _set_rank(session, people, people[eid], ("manager",), "MANAGER")


def _set_rank(session, people: dict[str, Person], person: Person, roles: tuple[str, ...],
              tier_code: str) -> None:
    """The administrator changes the person's roles and tier (a promotion, or the rank they
    held before one) through the people service."""
    from lms.paths.models import CertificationPath
    from lms.people.services.directory import PersonData, update_person

    tier = session.scalar(select(CertificationPath).where(CertificationPath.code == tier_code))
    update_person(session, people[ADMIN], person, PersonData(
        employee_id=person.employee_id, name=person.name, email=person.email,
        team_id=person.team_id, manager_id=person.manager_id, mentor_id=person.mentor_id,
        hire_date=person.hire_date, tier_id=tier.id, roles=roles, locale=person.locale))
    session.expire(person, ["tier"])  # the service set tier_id; reload the relationship


def _certify(session, person: Person, path_code: str, day: date, approver: Person) -> None:
    """The engine evaluates `person` on `day`; the approver approves the request it makes."""
    from certificates.services.awards import decide_approval, evaluate_person
    from lms.paths.models import CertificationPath

    path = session.scalar(select(CertificationPath).where(CertificationPath.code == path_code))
    with _at(day, hour=11):
        stored = evaluate_person(session, person, today=day)
    with _at(day, hour=15):
        approval = session.scalar(select(AwardApproval).where(
            AwardApproval.person_id == person.id, AwardApproval.path_id == path.id,
            AwardApproval.status == "pending"))
        if approval is None:  # the rules are not met: the seed's data is wrong, say so
            missing = [e.missing for e in stored if e.path_id == path.id]
            raise RuntimeError(f"demo: {person.employee_id} is not eligible for {path_code}: "
                               f"{missing}")
        decide_approval(session, approver, approval, True)


def _train(session, people: dict[str, Person], person: Person, courses: dict, day: date) -> None:
    """The tier's courses and role-plays, graded by the trainer (her stand-in for herself)."""
    from courses.demo import complete_course

    grader = people[STAND_IN_TRAINER if person.employee_id == TRAINER else TRAINER]
    with _at(day):
        complete_course(session, person, courses["SR-SPECIALIST"])
        _roleplay(session, person, grader, CASE, CASE_LINES)
        if person.employee_id in MANAGER_DAYS:
            complete_course(session, person, courses["MGR-LEAD"])
            _roleplay(session, person, grader, LEADERSHIP, LEADERSHIP_LINES)


def seed_leader_certificates(session, people: dict[str, Person], today: date) -> None:
    """See the module docstring. Runs after the new-hire certificates are seeded."""
    from assessments.review360.demo import install_questionnaires
    from courses.models import Course

    install_questionnaires(session)
    courses = {c.code: c for c in session.scalars(select(Course))}
    # In the order it happened: the customer evaluation reads the latest closed cycle.
    events = sorted([(today - timedelta(days=d), 0, subjects) for d, subjects in LEADER_CYCLES]
                    + [(today - timedelta(days=d), 1, (eid, "SENIOR"))
                       for eid, d in SENIOR_DAYS.items()]
                    + [(today - timedelta(days=d), 1, (eid, "MANAGER"))
                       for eid, d in MANAGER_DAYS.items()])
    trained: set[str] = set()
    for day, is_award, what in events:
        if is_award:
            eid, code = what
            approver = people[OPERATIONS] if code == "MANAGER" else people[HR]
            _certify(session, people[eid], code, day, approver)
            continue
        first = tuple(eid for eid in what if eid not in trained)
        for eid in first:  # the tier's training and role-play before their first 360
            trained.add(eid)
            _train(session, people, people[eid], courses, day - timedelta(days=20))
        _cycle(session, people, day, what, promoted=tuple(e for e in first if e in PROMOTED))
    session.flush()
