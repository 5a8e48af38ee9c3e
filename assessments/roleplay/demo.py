"""Demo role-plays: the rubric library (the five-step complaint method, empathy, accuracy of
product/policy information, emotion control, a clean close, coaching) and scenarios from the
plans' cases, each with a scripted customer, plus a policy excerpt attached as a PDF.

Installed through the same services the authoring screens use.
"""

from decimal import Decimal
from functools import lru_cache

from sqlalchemy import select

from assessments.roleplay.models import Rubric, Scenario
from assessments.roleplay.services import rubrics, scenarios
from assessments.roleplay.services.rubrics import CriterionData, LevelData
from lms.competencies.models import Competency
from lms.paths.models import CertificationPath

LEVEL_NAMES = ("Not shown 未体现", "Partly 部分做到", "Solid 良好", "Excellent 优秀")


def _levels(*descriptors: str) -> list[LevelData]:
    return [LevelData(name, Decimal(points), text)
            for points, (name, text) in enumerate(zip(LEVEL_NAMES, descriptors, strict=True))]


# (title, weight, competency codes, four level descriptors, lowest first)
LISTEN = ("Listen: let the customer tell it · 倾听", 1, ["COMM-LISTEN", "SOLVE-5STEP"], (
    "Interrupts or jumps to a solution.", "Listens, but misses key facts.",
    "Lets the customer finish and confirms the facts.",
    "Confirms facts and feelings in the customer's own words."))
SOOTHE = ("Soothe: acknowledge and apologise · 安抚", 1, ["COMM-EMPATHY", "SOLVE-5STEP"], (
    "No acknowledgement; defends the company.", "A scripted apology only.",
    "Acknowledges the inconvenience sincerely.",
    "Names the customer's feeling and takes ownership."))
ANALYSE = ("Analyse: find the real cause · 分析", 1, ["SOLVE-CASE", "SOLVE-5STEP"], (
    "No questions asked.", "Asks questions, but not the decisive one.",
    "Asks targeted questions and checks the history.",
    "Finds the root cause, including what went wrong before."))
SOLVE = ("Solve: a concrete resolution · 解决", 2, ["SOLVE-FCR", "SOLVE-5STEP"], (
    "No solution or a wrong one.", "A partial fix; the customer must call again.",
    "Resolves the issue within policy.",
    "Resolves it first time and prevents a repeat."))
FOLLOW = ("Follow up: commit and confirm · 跟进", 1, ["SOLVE-5STEP", "DIGI-TICKET"], (
    "No follow-up.", "Vague promise (\"someone will call\").",
    "A dated follow-up recorded on the ticket.",
    "A dated follow-up, owner named, customer agrees the channel."))
EMPATHY = ("Empathy in words and tone · 同理心", 1, ["COMM-EMPATHY", "COMM-TONE"], (
    "Cold or dismissive.", "Polite but mechanical.", "Warm, patient and personal.",
    "Warm throughout, adapts to the customer's mood."))
ACCURACY = ("Accurate product and policy information · 产品与政策信息准确", 2,
            ["PROD-POLICY", "PROD-LINES"], (
    "Wrong information given.", "Mostly right, with a misleading detail.",
    "Correct and complete.", "Correct, complete, and explains the why."))
CALM = ("Emotion control under pressure · 情绪控制", 1, ["EMO-CALM", "EMO-DEESC"], (
    "Argues or raises the voice.", "Stays polite but gets defensive.",
    "Stays calm and brings the tension down.",
    "Calm throughout; the customer ends calmer than they began."))
CLOSE = ("Clean close: summary and next steps · 规范结束", 1, ["ETQ-GREET", "COMM-CLEAR"], (
    "Ends abruptly.", "Closes without a summary.",
    "Summarises the outcome and the next steps.",
    "Summary, next steps, checks nothing is left, thanks the customer."))
COACH = ("Coaching conversation · 辅导谈话", 2, ["LEAD-COACH"], (
    "Blames or lectures.", "Tells the agent what to do.",
    "Asks, listens and agrees one improvement.",
    "Agent finds the improvement themselves; a practice plan is agreed."))
DATA = ("Uses the facts (QA scores, recordings) · 用事实说话", 1, ["LEAD-DATA", "DIGI-QA"], (
    "No facts used.", "Mentions numbers without meaning.",
    "Uses the QA score and the call to make a point.",
    "Links the facts to the customer impact and a PDCA follow-up."))


def _criterion(row, required=True) -> CriterionData:
    title, weight, codes, descriptors = row
    return CriterionData(title, Decimal(weight), required, "", list(codes),
                         _levels(*descriptors))


RUBRICS = [
    ("Five-step complaint method", "Listen, soothe, analyse, solve, follow up.",
     [LISTEN, SOOTHE, ANALYSE, SOLVE, FOLLOW]),
    ("Empathy", "How the customer feels handled.", [EMPATHY, SOOTHE]),
    ("Accuracy of product and policy information", "What the agent says is right.",
     [ACCURACY]),
    ("Emotion control", "Staying calm and de-escalating.", [CALM]),
    ("Clean close", "Summary and next steps.", [CLOSE]),
    ("New-hire practical scorecard", "The practical role-play of the new-hire certification: "
     "the five steps, empathy, accuracy, emotion control and the close.",
     [LISTEN, SOOTHE, SOLVE, FOLLOW, EMPATHY, ACCURACY, CALM, CLOSE]),
    ("Specialist case scorecard", "Senior agents: case analysis and resolution of complex "
     "contacts.", [ANALYSE, SOLVE, ACCURACY, FOLLOW, CALM]),
    ("Leadership coaching scorecard", "Managers: coaching an agent after a complaint.",
     [COACH, DATA, CALM]),
]

POLICY_EXCERPT = """
<h1>Returns and refunds — policy excerpt (v2026.3)</h1>
<p>退货与退款政策摘录</p>
<ol>
<li>Products may be returned within 30 days of delivery with proof of purchase.</li>
<li>Refunds go back to the original payment method within 7 working days of the returned
item reaching the warehouse; the customer is told the tracking number of the return.</li>
<li>Any service centre may accept a return; the first centre owns the case until it is
closed and must not send the customer elsewhere.</li>
<li>Loyalty points used on the order are restored when the refund is issued.</li>
</ol>
"""

# (title, zh title, tier code, rubric, persona, situation, knows, wants, goal, opening,
#  script turns [(reply, [(keywords, reply)])], attach the policy excerpt)
SCENARIOS = [
    ("Smart band will not sync", "手环无法同步数据", "NEWHIRE", "New-hire practical scorecard",
     "Ms Zhao Min (赵敏), 34, runner, bought the band two months ago. Fifth contact.",
     "The band stopped syncing steps and sleep data to the phone app after an app update. "
     "She has contacted support four times; each time she was told to restart the phone.",
     "Restarting did not help. Her phone runs the newest system version. She has a ticket "
     "number from the last call.",
     "Her data back, a fix that lasts, and no more repeating her story.",
     "Resolve the sync problem at first contact (re-pair after the app's Bluetooth "
     "permission reset), record it on the existing ticket and agree a follow-up.",
     "This is the fifth time I'm contacting you about my band. It still doesn't sync!",
     [("Yes, ticket 88231. Everyone just tells me to restart my phone.",
       [(["sorry", "apolog", "抱歉", "对不起", "understand"],
         "Thank you... at least someone listens. Ticket 88231, by the way.")]),
      ("The app updated last week. I didn't change anything else.",
       [(["permission", "bluetooth", "蓝牙", "权限"],
         "Bluetooth permission? I never checked that. OK, it's on now.")]),
      ("OK, it's syncing now! Will it break again?",
       [(["follow", "call you", "回访", "check"],
         "A follow-up call on Friday is fine. Thank you.")]),
      ("Alright. Is that everything?", [])], False),
    ("Loyalty points rule changed without notice", "积分兑换规则未经通知变更", "NEWHIRE",
     "New-hire practical scorecard",
     "Mr Chen Jing (陈静), gold member for six years, saves points for an annual purchase.",
     "He tried to redeem 20,000 points for a voucher and found the rate changed from 100 to "
     "150 points per yuan last month. He says nobody told him.",
     "The change was announced in the app's message centre only. Gold members keep the old "
     "rate for 90 days if they ask.",
     "The old rate, and an apology for not being told.",
     "Explain the rule accurately, apply the 90-day grace rate for gold members, and pass "
     "the feedback on about how changes are announced.",
     "I've been saving points for a year and now they're worth a third less? Nobody told me!",
     [("It was never in any e-mail. Is this even legal?",
       [(["90", "grace", "old rate", "原来的", "宽限"],
         "So I can still use the old rate? Then please do that.")]),
      ("Fine. But others will have the same problem.",
       [(["feedback", "report", "反馈"], "Good, I hope they change how they announce it.")]),
      ("Thank you for sorting it out.", [])], False),
    ("Refund transparency on a return", "退货退款流程透明度", "NEWHIRE",
     "Accuracy of product and policy information",
     "Ms Lin Xiaoyu (林小雨), returned headphones 10 days ago.",
     "The return reached the warehouse 6 working days ago; she has not seen the refund and "
     "wants to know exactly where it is.",
     "She has the return tracking number. She paid by credit card.",
     "A date she can hold the company to.",
     "Explain the refund steps and the 7-working-day rule from the policy excerpt, check the "
     "status, give a date and a way to follow up.",
     "Where is my refund? I sent the headphones back ten days ago.",
     [("Tracking number SF1234567. So when exactly will I get my money?",
       [(["7", "seven", "working day", "工作日"],
         "Seven working days from arrival, so by Thursday? Please confirm.")]),
      ("And my points from the order?",
       [(["points", "restore", "积分"], "Good, as long as the points come back too.")]),
      ("OK, I'll wait until then.", [])], True),
    ("VIP enterprise order: batch replacement", "VIP 企业客户批量更换", "SENIOR",
     "Specialist case scorecard",
     "Mr Kim (김민수), procurement lead of a 300-person company, key account.",
     "42 of 300 company smart bands delivered last month have faulty chargers. He wants one "
     "process for all of them, not 42 tickets.",
     "The serial numbers are in a spreadsheet. The company's contract has a dedicated "
     "account manager.",
     "One batch replacement with a single point of contact and a delivery date.",
     "Analyse the case, set up a batch replacement through the account manager, confirm "
     "serials and dates, and own the follow-up.",
     "We have 42 faulty chargers and I am not opening 42 tickets. What can you do?",
     [("I can send the serial numbers in a spreadsheet today.",
       [(["batch", "one ticket", "批量", "account manager", "客户经理"],
         "One batch ticket with the account manager is exactly what we need.")]),
      ("When will the replacements arrive?", []),
      ("Good. Who do I call if something goes wrong?", [])], False),
    ("Four hours, three centres, three answers", "四小时、三个服务中心、三种答案", "SENIOR",
     "Five-step complaint method",
     "Mr Huang Qiang (黄强), 52, took half a day off work to return a faulty rice cooker.",
     "He has waited four hours across three service centres; each gave a different "
     "return-policy answer. He is angry and threatens to complain publicly.",
     "The cooker is 20 days old; he has the receipt. The first centre wrongly said returns "
     "need the original box.",
     "To return the cooker today and be taken seriously.",
     "Own the case (policy: the first centre owns it), de-escalate, accept the return, "
     "correct the wrong information and follow up on the service failure.",
     "Four hours! Three centres, three different answers! I want to speak to someone who "
     "actually knows the rules.",
     [("Do you know how much of my day you have wasted?",
       [(["sorry", "apolog", "抱歉", "对不起", "frustrat"],
         "...Fine. At least you admit it. So can I return it or not?")]),
      ("The first centre said I need the original box. I threw it away.",
       [(["30 days", "receipt", "no box", "收据", "不需要"],
         "So the box doesn't matter? Then why did they tell me that?")]),
      ("What are you going to do about the other centres?", []),
      ("Alright. Thank you for being straight with me.", [])], True),
    ("Coaching after a major complaint", "重大投诉后的辅导谈话", "MANAGER",
     "Leadership coaching scorecard",
     "Agent Yang Lei (杨磊), 8 months in the team; the mentor plays him.",
     "Yesterday a customer escalated after Yang Lei argued with her; the QA score of the call "
     "was 54. You meet him for a coaching conversation.",
     "Yang Lei feels the customer was rude and that he followed the script.",
     "To be treated fairly and not to be blamed in front of the team.",
     "Coach, don't blame: use the QA facts and the recording, let him find the improvement, "
     "agree a practice plan and a PDCA check in two weeks.",
     "You wanted to see me? If it's about yesterday, she was really rude to me.",
     [("I followed the script. What else was I supposed to do?",
       [(["what do you think", "how did", "你觉得", "listen"],
         "Honestly... I stopped listening once she raised her voice.")]),
      ("The QA score was bad, I know.", []),
      ("OK, I can practise that with my mentor.", [])], False),
]


@lru_cache(maxsize=1)
def policy_pdf() -> bytes:
    """The returns-policy excerpt as a PDF (rendered once per process)."""
    from lms.core.pdf import html_to_pdf

    return html_to_pdf(f"<!doctype html><html><head><meta charset='utf-8'></head><body>"
                       f"{POLICY_EXCERPT}</body></html>")


def install_demo_roleplays(session, storage_dir: str | None = None) -> dict[str, Scenario]:
    """The demo rubric library and published scenarios, where missing; returns scenarios by
    title. With `storage_dir` the policy excerpt is attached to the scenarios that use it."""
    import io

    by_rubric: dict[str, Rubric] = {}
    for title, description, rows in RUBRICS:
        rubric = session.scalar(select(Rubric).where(Rubric.title == title))
        if rubric is None:
            rubric = rubrics.create_rubric(session, None, title, description,
                                           [_criterion(row) for row in rows])
        by_rubric[title] = rubric
    paths = {p.code: p for p in session.scalars(select(CertificationPath))}
    made: dict[str, Scenario] = {}
    for (title, zh, tier, rubric_title, persona, situation, knows, wants, goal, opening,
         turns, attach) in SCENARIOS:
        scenario = session.scalar(select(Scenario).where(Scenario.title == title))
        if scenario is None:
            codes = {code for c in by_rubric[rubric_title].current.criteria
                     for code in c.competency_codes}
            competency_ids = list(session.scalars(select(Competency.id).where(
                Competency.code.in_(codes)).order_by(Competency.code)))
            scenario = scenarios.save_scenario(session, None, None, scenarios.ScenarioData(
                title=title, title_zh=zh, rubric_id=by_rubric[rubric_title].id,
                path_id=paths[tier].id if tier in paths else None, persona=persona,
                situation=situation, customer_knows=knows, customer_wants=wants,
                agent_goal=goal, opening_message=opening,
                pass_mark=Decimal(80) if tier == "NEWHIRE" else Decimal(60),
                competency_ids=competency_ids))
            scenarios.set_script(session, None, scenario, [
                scenarios.TurnData(reply, list(branches)) for reply, branches in turns])
            if attach and storage_dir:
                scenarios.add_attachment(session, None, scenario, "returns-policy-excerpt.pdf",
                                         io.BytesIO(policy_pdf()), storage_dir,
                                         5 * 1024 * 1024)
            scenarios.set_published(session, None, scenario, True)
        made[title] = scenario
    session.flush()
    return made


def demo_wav(seconds: int = 3) -> bytes:
    """A short spoken-band tone as WAV (the calibration session's stand-in reference)."""
    import io
    import math
    import struct
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 8000)))
            for n in range(8000 * seconds)))
    return out.getvalue()


# (agent employee id, scenario title, agent lines, hours ago submitted, grades)
# grades: [(role, grader employee id, level ranks per criterion, comment, note)]
DEMO_SUBMISSIONS = [
    ("E0102", "Smart band will not sync",
     ["I'm sorry you've had to contact us five times, Ms Zhao. May I have the ticket number?",
      "Thank you. After the update, could you check the app's Bluetooth permission?",
      "Great. I've noted the fix on ticket 88231; shall I follow up on Friday?"], 50,
     [("primary", "E0020", [3, 3, 3, 2, 3, 3, 3, 2], "Warm, accurate and resolved first time.",
       "")]),
    ("E0103", "Loyalty points rule changed without notice",
     ["I understand how frustrating that is, Mr Chen.",
      "As a gold member you can keep the old rate for 90 days; I'll apply it now."], 30, []),
    ("E0105", "Refund transparency on a return",
     ["Let me check the return status for you.",
      "Refunds take 7 working days from arrival, so it will be on your card by Thursday."],
     2, []),
    ("E0104", "Four hours, three centres, three answers",
     ["I'm truly sorry, Mr Huang; that is not the service you should get.",
      "With your receipt and within 30 days, no box is needed: I'll accept the return now.",
      "I'll report the wrong answers to the centres' leads and call you on Monday."], 40,
     [("primary", "E0020", [3, 3, 2, 3, 3], "Took ownership and calmed him down.", ""),
      ("second", "E0024", [3, 2, 2, 3, 3], "Strong; the analysis could go deeper.", "")]),
    ("E0106", "Smart band will not sync",
     ["Please restart your phone.", "Then reinstall the app."], 60,
     [("primary", "E0020", [2, 2, 2, 2, 2, 2, 2, 2], "Polite, but the fix was generic.",
       "Practise the analyse step: ask what changed before suggesting a fix."),
      ("second", "E0024", [0, 0, 1, 0, 0, 1, 2, 1], "Repeated the advice that failed four times.",
       "Listen first; acknowledge the five contacts before solving.")]),
    ("E0108", "Refund transparency on a return",
     ["I'm sorry for the wait, Ms Lin. Could you give me the return tracking number?",
      "It arrived 6 working days ago; refunds take 7, so it reaches your card tomorrow."],
     20, []),
    ("E0109", "Smart band will not sync",
     ["Have you tried restarting?", "OK, I'll open a new ticket."], 70,
     [("primary", "E0025", [1, 0, 1, 1, 1, 2, 2, 0], "Missed the history and closed abruptly.",
       "Soothe before you solve, and always summarise the next steps at the close.")]),
]


def seed_demo_submissions(session, by_eid: dict, storage_dir: str | None) -> None:
    """Role-plays at every stage: graded, overdue, fresh, double-graded (close and far apart,
    the latter waiting for moderation), failed with an improvement plan; and a calibration
    session graded by two mentors."""
    import io
    from datetime import timedelta

    from assessments.roleplay.services import agreement, grading, submissions
    from assessments.roleplay.services.grading import RatingInput
    from lms.core import clock

    made = {s.title: s for s in session.scalars(select(Scenario))}
    now = clock.now()

    def ratings(sub, ranks):
        return {c.id: RatingInput(c.levels[rank].id) for c, rank in
                zip(sub.rubric_version.criteria, ranks, strict=True)}

    for eid, title, lines, hours_ago, grades in DEMO_SUBMISSIONS:
        agent = by_eid[eid]
        sub = submissions.start_chat(session, agent, made[title], "script")
        for line in lines:
            submissions.post_message(session, agent, sub, line)
        submissions.submit(session, agent, sub)
        for role, grader_eid, ranks, comment, note in grades:
            grader = by_eid[grader_eid]
            if role == "primary" and sub.mentor_id != grader.id:
                sub.mentor_id = grader.id
            if role == "second":
                submissions.ask_second_grade(session, None, sub, grader)
            grading.save_grade(session, grader, sub, ratings(sub, ranks), comment, note,
                               release=True)
        moment = now - timedelta(hours=hours_ago)
        sub.started_at = moment - timedelta(minutes=12)
        sub.submitted_at = moment
        for message in sub.messages:
            message.sent_at = moment - timedelta(minutes=10 - message.position)
        for grade in sub.grades:
            grade.released_at = grade.updated_at = moment + timedelta(hours=6)
        session.flush()
        if sub.grades:
            grading.write_evidence(session, sub)
    # A chat whose customer the demo mentor plays, waiting for her next line.
    chat = submissions.start_chat(session, by_eid["E0102"],
                                  made["Loyalty points rule changed without notice"], "mentor")
    submissions.post_message(session, by_eid["E0102"], chat,
                             "I'm sorry nobody told you, Mr Chen. May I check your membership?")
    if storage_dir:
        scenario = made["Four hours, three centres, three answers"]
        calibration = agreement.create_calibration(
            session, by_eid["E0001"], scenario,
            "Calibration: the four-hour return complaint · 校准：四小时退货投诉",
            "reference-return-complaint.wav", io.BytesIO(demo_wav()),
            "A stand-in tone: upload a real reference call for your own sessions.",
            storage_dir)
        for eid, ranks in (("E0020", [3, 3, 2, 2, 3]), ("E0021", [2, 3, 1, 2, 3]),
                           ("E0024", [3, 2, 2, 1, 3])):
            grading.save_grade(session, by_eid[eid], calibration.submission,
                               ratings(calibration.submission, ranks), release=True)
    session.flush()
