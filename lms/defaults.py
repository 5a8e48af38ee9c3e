"""The default framework from the domain brief: scale, competencies, paths and matrix.

Shipped as editable data: admins change all of it in the admin screens afterwards.
"""

from decimal import Decimal

from sqlalchemy import select

from assessments.review360.mystery.defaults import install_mystery_defaults
from lms.competencies.models import (
    Competency,
    CompetencyArea,
    MatrixRequirement,
    ProficiencyLevel,
)
from lms.core.i18n import ZH
from lms.kpis.defaults import install_kpis
from lms.paths.models import AssessmentSlot, CertificationPath

SCALE = [
    (1, "Aware", "Knows the basics; needs guidance for most cases.",
     "了解", "了解基础知识；大多数情况下需要指导。"),
    (2, "Developing", "Handles routine cases with occasional help.",
     "发展中", "能处理常规情况，偶尔需要帮助。"),
    (3, "Proficient", "Handles routine and some difficult cases independently.",
     "熟练", "能独立处理常规及部分疑难情况。"),
    (4, "Advanced", "Handles difficult cases reliably and helps others.",
     "精通", "能可靠地处理疑难情况并帮助他人。"),
    (5, "Expert", "Sets the standard, coaches others and improves the practice.",
     "专家", "树立标杆，辅导他人并改进工作方法。"),
]

# (area code, name, zh name, [(code, name, zh name, description, zh description)])
FRAMEWORK = [
    ("COMM", "Communication", "沟通", [
        ("COMM-LISTEN", "Active listening", "积极倾听",
         "Lets the customer finish, confirms understanding, asks clarifying questions.",
         "让客户把话说完，确认理解，提出澄清性问题。"),
        ("COMM-EMPATHY", "Empathy", "同理心",
         "Acknowledges the customer's feelings and situation in their own words.",
         "用客户自己的话认可其感受和处境。"),
        ("COMM-TONE", "Tone and non-verbal", "语气与非语言表达",
         "Keeps a warm, steady tone and pace, on the phone and in writing.",
         "在电话和书面沟通中保持温和、平稳的语气和节奏。"),
        ("COMM-CLEAR", "Clear expression", "清晰表达",
         "Explains steps and outcomes simply, without jargon.", "简明地说明步骤和结果，不使用行话。"),
    ]),
    ("ETQ", "Service etiquette", "服务礼仪", [
        ("ETQ-GREET", "Greeting and closing", "问候与结束语",
         "Opens and closes every contact by the house standard.", "按公司标准开始和结束每一次接待。"),
        ("ETQ-NORMS", "Language norms (15 etiquette rules)", "语言规范（15 条礼仪规则）",
         "Applies the 15 etiquette rules consistently.", "始终如一地遵守 15 条礼仪规则。"),
    ]),
    ("PROD", "Product knowledge", "产品知识", [
        ("PROD-LINES", "Product lines", "产品线",
         "Knows the five product lines and this month's changes.", "熟悉五条产品线及本月更新。"),
        ("PROD-POLICY", "Policy knowledge", "政策知识",
         "Returns, refunds and points/loyalty rules, stated accurately.",
         "准确说明退货、退款及积分/会员规则。"),
    ]),
    ("EMO", "Emotion management", "情绪管理", [
        ("EMO-CALM", "Calm under pressure", "压力下保持冷静",
         "Stays composed with angry or repeated contacts.", "面对愤怒或反复来电的客户时保持镇定。"),
        ("EMO-DEESC", "De-escalation", "缓和冲突",
         "Brings a heated conversation back to solving the problem.", "将激烈的对话拉回到解决问题上。"),
    ]),
    ("SOLVE", "Problem solving and complaint handling", "问题解决与投诉处理", [
        ("SOLVE-5STEP", "Five-step complaint method", "投诉处理五步法",
         "Listen, soothe, analyse, solve, follow up.", "倾听、安抚、分析、解决、跟进。"),
        ("SOLVE-FCR", "First-contact resolution", "首次接触解决",
         "Resolves the issue in the first contact where possible.", "尽可能在首次接触中解决问题。"),
        ("SOLVE-CASE", "Case analysis", "案例分析",
         "Finds root causes across contacts and proposes fixes.", "跨多次接触找出根本原因并提出改进。"),
    ]),
    ("DIGI", "Digital tools", "数字化工具", [
        ("DIGI-CRM", "CRM", "客户关系管理系统", "Finds and records customer history in the CRM.",
         "在 CRM 中查找并记录客户历史。"),
        ("DIGI-TICKET", "Ticketing", "工单系统", "Creates, routes and closes tickets correctly.",
         "正确地创建、流转和关闭工单。"),
        ("DIGI-QA", "Quality-inspection tools", "质检工具",
         "Uses quality-inspection tools to review own and team contacts.", "使用质检工具复盘自己和团队的接待。"),
    ]),
    ("LEAD", "Leadership", "领导力", [
        ("LEAD-TEAM", "Team management", "团队管理", "Plans shifts, sets goals, runs the team.",
         "安排班次、设定目标、管理团队。"),
        ("LEAD-COACH", "Coaching", "辅导", "Develops agents through feedback and practice.",
         "通过反馈和练习培养坐席。"),
        ("LEAD-AWARE", "Service awareness", "服务意识", "Keeps the team focused on the customer.",
         "使团队始终以客户为中心。"),
        ("LEAD-PDCA", "PDCA continuous improvement", "PDCA 持续改进",
         "Runs plan-do-check-act cycles on service problems.", "针对服务问题运行计划-执行-检查-处理循环。"),
        ("LEAD-DATA", "Data-driven decisions", "数据驱动决策",
         "Decides from KPIs: FCR, satisfaction, NPS, complaint rates.",
         "依据首解率、满意度、NPS、投诉率等指标做决策。"),
    ]),
]

# (code, name, zh, description, zh description, days, mentor, validity, composite, slots)
# slots: (code, label, kind, weight, pass mark)
PATHS = [
    ("NEWHIRE", "New hire — basic certification", "新员工 — 初级认证",
     "Three days of training in service etiquette, product knowledge and emotion management, "
     "with hands-on drills in simulated scenarios.",
     "三天培训：服务礼仪、产品知识和情绪管理，并在模拟场景中实操演练。",
     3, False, 12, None, [
         ("EXAM", "Closed-book exam", "quiz", None, Decimal("80")),
         ("PRACTICAL", "Practical role-play", "roleplay", None, Decimal("80")),
     ]),
    ("SENIOR", "Senior agent — specialist certification", "资深坐席 — 专家认证",
     "Seven days with a mentor: advanced communication, problem solving and case analysis.",
     "七天导师带教：高级沟通、问题解决和案例分析。",
     7, True, 12, Decimal("80"), [
         ("CASE", "Case analysis", "roleplay", Decimal("60"), None),
         ("CUSTOMER", "Customer evaluation", "review360", Decimal("40"), None),
     ]),
    ("MANAGER", "Manager — leadership certification", "主管 — 领导力认证",
     "Five days of team management, service awareness and coaching, with job rotation on the "
     "front line.",
     "五天培训：团队管理、服务意识和辅导，并轮岗到一线。",
     5, False, 12, Decimal("80"), [
         ("LEADERSHIP", "Leadership assessment", "roleplay", Decimal("60"), None),
         ("TEAM", "Team evaluation", "review360", Decimal("40"), None),
     ]),
]

# The plans' pass-rate targets of the default tiers (editable on each path's form).
PASS_RATE_TARGETS = {"NEWHIRE": Decimal(80), "SENIOR": Decimal(85), "MANAGER": Decimal(95)}

# The default slots' labels in Chinese (AssessmentSlot.translations).
SLOT_LABELS_ZH = {"EXAM": "闭卷考试", "PRACTICAL": "实操角色扮演", "CASE": "案例分析",
                  "CUSTOMER": "客户评价", "LEADERSHIP": "领导力评估", "TEAM": "团队评价"}

# What each default slot reads (AssessmentSlot.reference): role-plays by the tier of their
# scenarios, 360s by rater group. The demo points EXAM at its new-hire exam quiz.
SLOT_REFERENCES = {("NEWHIRE", "PRACTICAL"): "tier:NEWHIRE", ("SENIOR", "CASE"): "tier:SENIOR",
                   ("SENIOR", "CUSTOMER"): "customer", ("MANAGER", "LEADERSHIP"): "tier:MANAGER",
                   ("MANAGER", "TEAM"): "direct_report"}

# Required level per tier, by competency code: (new hire, senior, manager).
MATRIX = {
    "COMM-LISTEN": (3, 4, 4), "COMM-EMPATHY": (3, 4, 4), "COMM-TONE": (3, 4, 4),
    "COMM-CLEAR": (3, 4, 4), "ETQ-GREET": (3, 4, 4), "ETQ-NORMS": (3, 4, 4),
    "PROD-LINES": (3, 4, 4), "PROD-POLICY": (3, 4, 4), "EMO-CALM": (3, 4, 4),
    "EMO-DEESC": (2, 4, 4), "SOLVE-5STEP": (2, 4, 4), "SOLVE-FCR": (2, 3, 4),
    "SOLVE-CASE": (1, 4, 4), "DIGI-CRM": (3, 3, 3), "DIGI-TICKET": (3, 3, 3),
    "DIGI-QA": (2, 3, 4), "LEAD-TEAM": (None, 2, 4), "LEAD-COACH": (None, 3, 4),
    "LEAD-AWARE": (None, 3, 4), "LEAD-PDCA": (None, 2, 4), "LEAD-DATA": (None, 2, 4),
}


def install_defaults(session) -> dict[str, CertificationPath]:
    """Add the default scale, framework, paths, matrix, KPIs (MYSTERY among them) and mystery
    checklist where missing; returns paths by code."""
    for level, name, description, zh_name, zh_description in SCALE:
        if session.get(ProficiencyLevel, level) is None:
            row = ProficiencyLevel(level=level, name=name, description=description)
            row.set_translation(ZH, "name", zh_name)
            row.set_translation(ZH, "description", zh_description)
            session.add(row)
    competencies = {}
    for a_pos, (a_code, a_name, a_zh, items) in enumerate(FRAMEWORK):
        area = session.scalar(select(CompetencyArea).where(CompetencyArea.code == a_code))
        if area is None:
            area = CompetencyArea(code=a_code, name=a_name, position=a_pos)
            area.set_translation(ZH, "name", a_zh)
            session.add(area)
        for c_pos, (code, name, zh, description, zh_description) in enumerate(items):
            competency = session.scalar(select(Competency).where(Competency.code == code))
            if competency is None:
                competency = Competency(area=area, code=code, name=name,
                                        description=description, position=c_pos)
                competency.set_translation(ZH, "name", zh)
                competency.set_translation(ZH, "description", zh_description)
                session.add(competency)
            competencies[code] = competency
    paths: dict[str, CertificationPath] = {}
    previous = None
    for position, (code, name, zh, description, zh_description, days, mentor, validity,
                   composite, slots) in enumerate(PATHS):
        path = session.scalar(select(CertificationPath).where(CertificationPath.code == code))
        if path is None:
            path = CertificationPath(
                code=code, name=name, description=description, position=position,
                prerequisite=previous, training_days=days, requires_mentor=mentor,
                validity_months=validity, composite_pass_mark=composite,
            )
            path.pass_rate_target = PASS_RATE_TARGETS[code]
            path.set_translation(ZH, "name", zh)
            path.set_translation(ZH, "description", zh_description)
            for s_pos, (s_code, label, kind, weight, mark) in enumerate(slots):
                slot = AssessmentSlot(code=s_code, label=label, kind=kind, weight=weight,
                                      pass_mark=mark, position=s_pos, translations={},
                                      reference=SLOT_REFERENCES.get((code, s_code)))
                slot.set_translation(ZH, "label", SLOT_LABELS_ZH.get(s_code, ""))
                path.slots.append(slot)
            session.add(path)
        paths[code] = previous = path
    session.flush()
    tiers = [p[0] for p in PATHS]
    for code, levels in MATRIX.items():
        for tier, level in zip(tiers, levels, strict=True):
            if level is None:
                continue
            exists = session.scalar(select(MatrixRequirement.id).where(
                MatrixRequirement.path_id == paths[tier].id,
                MatrixRequirement.competency_id == competencies[code].id,
            ))
            if exists is None:
                session.add(MatrixRequirement(path_id=paths[tier].id,
                                              competency_id=competencies[code].id,
                                              required_level=level))
    session.flush()
    install_kpis(session)
    # The mystery programme writes its visits' scores to the MYSTERY KPI: a fresh install
    # has it (and the standard checklist) before anyone opens the programme.
    install_mystery_defaults(session)
    return paths
