"""The default mystery-shopper checklist (the demo company's service standards and policy:
7-day change-of-mind returns, refunds 3 working days after the return is checked, points
valid 12 months) and the KPI its scores are written to, installed where missing."""

from decimal import Decimal

from sqlalchemy import select

from assessments.review360.mystery.models import MysteryChecklist, MysteryItem
from lms.competencies.models import Competency
from lms.core.i18n import ZH
from lms.kpis.models import KpiCompetency, KpiDefinition

CHECKLIST_CODE = "MYSTERY-STD"
KPI_CODE = "MYSTERY"

# (section, weight, competency code, English, Chinese)
ITEMS = [
    ("greeting", "1", "ETQ-GREET",
     "Greeted me within 10 seconds with the company greeting and their name.",
     "10 秒内使用公司标准问候语并报出自己的名字。"),
    ("greeting", "1", "COMM-TONE",
     "Spoke in a warm, polite tone throughout the contact.",
     "整个服务过程中语气热情、礼貌。"),
    ("identification", "2", "ETQ-NORMS",
     "Verified my identity (order number and phone) before discussing my account.",
     "在讨论我的账户前核实了我的身份（订单号和手机号）。"),
    ("identification", "1", "DIGI-CRM",
     "Found my order and earlier contacts without asking me to repeat them.",
     "无需我重复即查到了我的订单和以往联系记录。"),
    ("needs", "2", "COMM-LISTEN",
     "Let me finish and asked open questions to understand what I needed.",
     "让我把话说完，并通过开放式提问了解我的需求。"),
    ("needs", "1", "COMM-EMPATHY",
     "Summarised my need back to me and acknowledged how I felt.",
     "复述了我的需求，并对我的感受表示理解。"),
    ("solution", "2", "SOLVE-FCR",
     "Resolved my request in this contact, or gave a clear next step with a time.",
     "在本次联系中解决了我的问题，或给出了明确的后续步骤和时间。"),
    ("solution", "1", "COMM-CLEAR",
     "Explained the steps in plain language without jargon.",
     "用通俗易懂的语言解释了处理步骤，没有使用行话。"),
    ("policy", "2", "PROD-POLICY",
     "Stated the return rule correctly: 7 days from delivery for a change of mind.",
     "正确说明了退货规则：因个人原因退货须在签收后 7 天内。"),
    ("policy", "2", "PROD-POLICY",
     "Stated the refund timing correctly: 3 working days after the return is checked, then "
     "up to 7 working days at the bank.",
     "正确说明了退款时效：退货检验后 3 个工作日内退款，银行到账最多再需 7 个工作日。"),
    ("closing", "1", "SOLVE-5STEP",
     "Summarised what was agreed and how I would be followed up.",
     "总结了商定的内容以及后续跟进方式。"),
    ("closing", "1", "ETQ-GREET",
     "Asked whether I needed anything else and closed with the standard farewell.",
     "询问我是否还有其他需要，并使用标准结束语结束服务。"),
]

# The KPI: a visit's score, averaged per agent × month; it informs the competencies the
# checklist checks most (levels 2–5 begin at 60, 75, 85 and 95 %).
KPI = ("Mystery shopper score", "神秘顾客得分", Decimal(85), Decimal(10),
       {"ETQ-GREET": ("60", "75", "85", "95"), "ETQ-NORMS": ("60", "75", "85", "95"),
        "PROD-POLICY": ("60", "75", "85", "95")})


def install_checklist(session) -> MysteryChecklist:
    """The default checklist, added if its code is missing."""
    checklist = session.scalar(select(MysteryChecklist).where(
        MysteryChecklist.code == CHECKLIST_CODE))
    if checklist is not None:
        return checklist
    competencies = {c.code: c.id for c in session.scalars(select(Competency))}
    checklist = MysteryChecklist(code=CHECKLIST_CODE, title="Mystery shopper checklist")
    checklist.set_translation(ZH, "title", "神秘顾客检查表")
    for position, (section, weight, competency, text, zh) in enumerate(ITEMS):
        item = MysteryItem(position=position, section=section, text=text,
                           weight=Decimal(weight), competency_id=competencies.get(competency))
        item.set_translation(ZH, "text", zh)
        checklist.items.append(item)
    session.add(checklist)
    session.flush()
    return checklist


def install_kpi(session) -> KpiDefinition:
    """The MYSTERY KPI definition (an editable default), added if its code is missing."""
    kpi = session.scalar(select(KpiDefinition).where(KpiDefinition.code == KPI_CODE))
    if kpi is not None:
        return kpi
    name, zh, target, weight, mapping = KPI
    competencies = {c.code: c.id for c in session.scalars(select(Competency))}
    position = len(list(session.scalars(select(KpiDefinition.id))))
    kpi = KpiDefinition(code=KPI_CODE, name=name, unit="%", direction="higher", period="month",
                        min_value=Decimal(0), max_value=Decimal(100), target=target,
                        weight=weight, position=position,
                        description="The mean score of the month's mystery-shopper visits.")
    kpi.set_translation(ZH, "name", zh)
    kpi.set_translation(ZH, "description", "当月神秘顾客暗访得分的平均值。")
    kpi.competencies = [KpiCompetency(competency_id=competencies[code], thresholds=list(marks))
                        for code, marks in mapping.items() if code in competencies]
    session.add(kpi)
    session.flush()
    return kpi


def install_mystery_defaults(session) -> tuple[MysteryChecklist, KpiDefinition]:
    """The default checklist and the MYSTERY KPI, where missing."""
    return install_checklist(session), install_kpi(session)
