"""Default questionnaires (agents and managers) and the demo cycle.

The statements are behavioural — what a rater has seen the person do — and each is tagged
with the competencies of the default framework it evidences. Installed by `seed-demo`;
`install_questionnaires` alone gives a fresh installation its templates.
"""

from datetime import date, timedelta

from sqlalchemy import select

from assessments.review360.models import Questionnaire
from assessments.review360.services import cycles, nominations, questionnaires, responses
from assessments.review360.services.questionnaires import ItemData
from lms.competencies.models import Competency
from lms.core.i18n import ZH
from lms.people.models import Person

# (kind, English, Chinese, competency codes)
AGENT_ITEMS = [
    ("rating", "Lets the customer finish before answering and checks they were understood.",
     "在回答前让客户把话说完，并确认自己理解正确。", ("COMM-LISTEN",)),
    ("rating", "Names the customer's frustration in their own words before moving to a fix.",
     "在着手解决之前，用客户自己的话说出其不满。", ("COMM-EMPATHY",)),
    ("rating", "Keeps a warm, steady tone, also on the fifth call about the same problem.",
     "即使是同一问题的第五次来电，也保持温和、平稳的语气。", ("COMM-TONE", "EMO-CALM")),
    ("rating", "Explains the next steps and their timing plainly, without jargon.",
     "清楚地说明后续步骤和时间，不使用行话。", ("COMM-CLEAR",)),
    ("rating", "Greets and closes every contact by the house standard.",
     "每次接待都按公司标准问候和结束。", ("ETQ-GREET", "ETQ-NORMS")),
    ("rating", "States return, refund and points rules accurately the first time.",
     "第一次就准确说明退货、退款和积分规则。", ("PROD-POLICY",)),
    ("rating", "Knows this month's changes to the product lines and uses them in answers.",
     "了解本月产品线的变化，并在回答中运用。", ("PROD-LINES",)),
    ("rating", "Brings a heated conversation back to solving the problem.",
     "能将激烈的对话拉回到解决问题上。", ("EMO-DEESC",)),
    ("rating", "Follows the five steps — listen, soothe, analyse, solve, follow up — on "
     "complaints.", "处理投诉时遵循倾听、安抚、分析、解决、跟进五个步骤。", ("SOLVE-5STEP",)),
    ("rating", "Resolves the issue in the first contact rather than passing it on.",
     "在首次接触中解决问题，而不是转给他人。", ("SOLVE-FCR",)),
    ("rating", "Records the case in the CRM and ticketing system so a colleague can pick it up.",
     "在 CRM 和工单系统中记录案例，便于同事接手。", ("DIGI-CRM", "DIGI-TICKET")),
    # Leadership among peers: what the senior tier asks of specialists and mentors.
    ("rating", "Helps colleagues on busy shifts and shows new hires what works.",
     "在繁忙的班次帮助同事，并把行之有效的做法教给新同事。", ("LEAD-TEAM", "LEAD-COACH")),
    ("rating", "Raises recurring customer problems with the team, suggests a fix and checks "
     "that it worked.", "向团队反映反复出现的客户问题，提出改进办法并检查效果。",
     ("LEAD-PDCA", "LEAD-AWARE")),
    ("rating", "Uses the figures (satisfaction, first-contact resolution) to improve their "
     "service.", "用满意度、首解率等数据改进自己的服务。", ("LEAD-DATA",)),
    ("comment", "What should this person keep doing?", "这位同事应该继续保持哪些做法？", ()),
    ("comment", "What one thing would most improve their service?",
     "哪一点改进最能提升其服务？", ()),
]

MANAGER_ITEMS = [
    ("rating", "Sets clear weekly goals and shift plans the team can follow.",
     "制定团队能够执行的清晰的每周目标和排班计划。", ("LEAD-TEAM",)),
    ("rating", "Gives specific, timely feedback after listening to real calls.",
     "在听取真实通话后给出具体、及时的反馈。", ("LEAD-COACH",)),
    ("rating", "Makes time for one-to-one coaching, also in busy weeks.",
     "即使在繁忙的周里也抽时间进行一对一辅导。", ("LEAD-COACH",)),
    ("rating", "Keeps the team's attention on what the customer experiences.",
     "使团队始终关注客户的体验。", ("LEAD-AWARE",)),
    ("rating", "Runs plan-do-check-act on recurring complaints until they stop.",
     "针对反复出现的投诉运行 PDCA 循环，直至问题消除。", ("LEAD-PDCA", "SOLVE-CASE")),
    ("rating", "Decides from the figures — first-contact resolution, satisfaction, NPS.",
     "依据首解率、满意度、NPS 等数据做决策。", ("LEAD-DATA",)),
    ("rating", "Stays calm and fair when an escalation lands on the team.",
     "当升级投诉落到团队时保持冷静和公正。", ("EMO-CALM", "EMO-DEESC")),
    ("rating", "Explains changes in policy to the team clearly and early.",
     "及早、清楚地向团队说明政策变化。", ("COMM-CLEAR", "PROD-POLICY")),
    ("comment", "What should this manager keep doing?", "这位主管应该继续保持哪些做法？", ()),
    ("comment", "What would help the team most if they changed it?",
     "如果他/她做出改变，什么对团队帮助最大？", ()),
]

TEMPLATES = [
    ("AGENT-360", "360 feedback for customer-service agents", "客服坐席 360 度反馈", "agent",
     AGENT_ITEMS),
    ("MANAGER-360", "360 feedback for team managers", "团队主管 360 度反馈", "manager",
     MANAGER_ITEMS),
]


def install_questionnaires(session) -> dict[str, Questionnaire]:
    """The agent and manager templates, where missing; returns them by code."""
    codes = {c.code: c.id for c in session.scalars(select(Competency))}
    made = {}
    for code, title, title_zh, tier, items in TEMPLATES:
        found = session.scalar(select(Questionnaire).where(Questionnaire.code == code))
        if found is None:
            found = questionnaires.create_questionnaire(
                session, None, code, title, tier, title_zh=title_zh, items=[
                    ItemData(kind, text, tuple(codes[c] for c in tags if c in codes), zh)
                    for kind, text, zh, tags in items])
        made[code] = found
    return made


# The demo cycle: 赵敏 (E0104, a senior agent on the Shanghai hotline) has proposed her raters
# and waits for her manager 王芳's approval. A closed Q3 cycle gives two other senior agents
# results already.
DEMO_SUBJECT = "E0104"
DEMO_PEERS = ("E0101", "E0103", "E0105", "E0106")
DEMO_CUSTOMERS = [("Li Wei 李伟", "li.wei@customer.example"),
                  ("Hannah Schmidt", "h.schmidt@customer.example"),
                  ("陈晓华", "chen.xh@customer.example"),
                  ("Ravi Patel", "ravi.patel@customer.example")]
# The demo customers all have addresses at one (made-up) provider.
DEMO_SHARED_DOMAINS = f"{cycles.DEFAULT_SHARED_DOMAINS} customer.example"
PAST_SUBJECTS = {"E0108": ("E0102", "E0107", "E0123", "E0126"),
                 "E0112": ("E0109", "E0111", "E0113", "E0124")}
PAST_RATINGS = [4, 5, 4, 3, 5, 4, 4, 3, 4, 5, 4]


def _people(session) -> dict[str, Person]:
    return {p.employee_id: p for p in session.scalars(select(Person))}


def seed_demo_cycles(session, today: date) -> None:
    """A closed Q3 cycle with results for two senior agents, and the current cycle with one
    subject whose nominations wait for approval."""
    install_questionnaires(session)
    people = _people(session)
    hr = people["E0002"]
    past = cycles.create_cycle(session, hr, cycles.CycleData(
        title="Q3 360 review — senior agents", opens_on=today - timedelta(days=30),
        closes_on=today, shared_domains=DEMO_SHARED_DOMAINS))
    past.set_translation(ZH, "title", "第三季度 360 度评估 — 资深坐席")
    subjects = cycles.add_subjects(session, hr, past, [people[e].id for e in PAST_SUBJECTS])
    for number, subject in enumerate(subjects):
        eid = subject.person.employee_id
        for peer in PAST_SUBJECTS[eid]:
            nominations.propose(session, hr, subject, "peer", people[peer].id)
        for index, (name, email) in enumerate(DEMO_CUSTOMERS[:3]):
            nominations.propose(session, hr, subject, "customer", name=name,
                                email=email.replace("@", f"+{eid.lower()}{index}@"))
        nominations.approve(session, hr, subject)
        _answer_all(session, subject, shift=number)
    cycles.close_cycle(session, hr, past)

    current = cycles.create_cycle(session, hr, cycles.CycleData(
        title="Q4 360 review", opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=25), shared_domains=DEMO_SHARED_DOMAINS))
    current.set_translation(ZH, "title", "第四季度 360 度评估")
    subject, = cycles.add_subjects(session, hr, current, [people[DEMO_SUBJECT].id])
    me = people[DEMO_SUBJECT]
    for peer in DEMO_PEERS:
        nominations.propose(session, me, subject, "peer", people[peer].id)
    for name, email in DEMO_CUSTOMERS:
        rater = nominations.propose(session, me, subject, "customer", name=name, email=email)
        # HR has found her customers in the CRM: their answers count towards the threshold.
        nominations.confirm(session, hr, rater)
    nominations.submit(session, me, subject)
    _manager_subject(session, people, hr, current)
    session.flush()


# The demo manager (王芳, manager@) is evaluated in the Q4 cycle too, with her direct reports
# as a group: her own manager approved the list, and some reports have answered. The README's
# agent@ (E0101) is one of her reports who has not answered yet.
MANAGER_SUBJECT = "E0011"
MANAGER_ANSWERED = 6
MANAGER_PEERS = ("E0012", "E0013", "E0014", "E0015")


def _manager_subject(session, people: dict[str, Person], hr: Person, cycle) -> None:
    me = people[MANAGER_SUBJECT]
    subject, = cycles.add_subjects(session, hr, cycle, [me.id])
    for peer in MANAGER_PEERS:  # her direct reports were proposed with her
        nominations.propose(session, me, subject, "peer", people[peer].id)
    nominations.submit(session, me, subject)
    nominations.approve(session, me.manager, subject)
    reports = [r for r in subject.raters if r.group == "direct_report"
               and r.person.employee_id != "E0101"]
    answered = [r for r in subject.raters if r.group == "self"] + reports[:MANAGER_ANSWERED]
    _answer(session, subject, answered, shift=2)


def _answer_all(session, subject, shift: int) -> None:
    """Every invited rater of a past subject answers (with a little spread per rater)."""
    _answer(session, subject, subject.raters, shift)


def _answer(session, subject, raters, shift: int) -> None:
    """These raters of the subject answer and submit (with a little spread per rater)."""
    items = subject.version.items
    for index, rater in enumerate(raters):
        posted = {}
        for position, item in enumerate(items):
            if item.kind == "comment":
                posted[str(item.id)] = COMMENTS[(index + position) % len(COMMENTS)]
                continue
            base = PAST_RATINGS[position % len(PAST_RATINGS)]
            lower = (index + position + shift) % 3 == 0
            value = max(1, min(5, base - lower + (rater.group == "self")))
            posted[str(item.id)] = str(value)
        responses.save(session, rater.person, rater, posted, submit=True,
                       external=rater.external)


COMMENTS = [
    "Calm and patient with difficult callers; keep it up.",
    "解释退款流程非常清楚，客户很满意。",
    "Could follow up sooner after promising a call back.",
    "对产品线很熟悉，但有时语速偏快。",
    "Always records the case so the next colleague knows what happened.",
]
