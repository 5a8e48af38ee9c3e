"""Demo role-plays, in English and Chinese: the rubric library (the five-step complaint method,
empathy, accuracy of product/policy information, emotion control, a clean close, coaching) and
scenarios from the plans' cases at Yunhe Appliances, each with a scripted customer who answers
in the agent's language, plus the one returns/refunds/points policy card attached as a PDF.

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

ZH = "zh_Hans_CN"
# A level's name in English and Chinese, lowest first.
LEVEL_NAMES = (("Not shown", "未体现"), ("Partly", "部分做到"), ("Solid", "良好"),
               ("Excellent", "优秀"))
# (points, competency level evidenced) of each level: "Solid" everywhere scores 80, which
# passes the new-hire mark of 80 and the senior/manager mark of 60; "Partly" everywhere (50)
# passes neither (assessments.roleplay.services.passmarks checks this on every save).
LEVEL_SCALE = ((0, 1), (50, 2), (80, 3), (100, 5))


def _levels(descriptors) -> list[LevelData]:
    return [LevelData(name, Decimal(points), text, evidenced)
            for (points, evidenced), ((name, _zh), (text, _text_zh))
            in zip(LEVEL_SCALE, zip(LEVEL_NAMES, descriptors, strict=True), strict=True)]


# (title, zh title, weight, competency codes, four (level descriptor, zh) pairs, lowest first)
LISTEN = ("Listen: let the customer tell it", "倾听：让客户把话说完", 1,
          ["COMM-LISTEN", "SOLVE-5STEP"], (
    ("Interrupts or jumps to a solution.", "打断客户或急于给出方案。"),
    ("Listens, but misses key facts.", "在听，但漏掉了关键事实。"),
    ("Lets the customer finish and confirms the facts.", "让客户说完并确认事实。"),
    ("Confirms facts and feelings in the customer's own words.",
     "用客户自己的话确认事实和感受。")))
SOOTHE = ("Soothe: acknowledge and apologise", "安抚：回应情绪并道歉", 1,
          ["COMM-EMPATHY", "SOLVE-5STEP"], (
    ("No acknowledgement; defends the company.", "没有回应情绪；为公司辩护。"),
    ("A scripted apology only.", "只有照本宣科的道歉。"),
    ("Acknowledges the inconvenience sincerely.", "真诚地回应给客户带来的不便。"),
    ("Names the customer's feeling and takes ownership.", "说出客户的感受并承担起责任。")))
ANALYSE = ("Analyse: find the real cause", "分析：找到真正的原因", 1,
           ["SOLVE-CASE", "SOLVE-5STEP"], (
    ("No questions asked.", "没有提问。"),
    ("Asks questions, but not the decisive one.", "提了问题，但没问到关键的那个。"),
    ("Asks targeted questions and checks the history.", "有针对性地提问并查看历史记录。"),
    ("Finds the root cause, including what went wrong before.",
     "找到根本原因，包括之前哪里出了问题。")))
SOLVE = ("Solve: a concrete resolution", "解决：具体的解决方案", 2,
         ["SOLVE-FCR", "SOLVE-5STEP"], (
    ("No solution or a wrong one.", "没有方案或方案错误。"),
    ("A partial fix; the customer must call again.", "只解决了一部分；客户还得再来电。"),
    ("Resolves the issue within policy.", "在政策范围内解决了问题。"),
    ("Resolves it first time and prevents a repeat.", "一次解决，并防止问题再次发生。")))
FOLLOW = ("Follow up: commit and confirm", "跟进：承诺并确认", 1,
          ["SOLVE-5STEP", "DIGI-TICKET"], (
    ("No follow-up.", "没有跟进。"),
    ("Vague promise (\"someone will call\").", "含糊的承诺（\"会有人联系您\"）。"),
    ("A dated follow-up recorded on the ticket.", "在工单上记录了有日期的跟进。"),
    ("A dated follow-up, owner named, customer agrees the channel.",
     "有日期的跟进，指明负责人，并与客户约定联系渠道。")))
EMPATHY = ("Empathy in words and tone", "语言和语气中的同理心", 1,
           ["COMM-EMPATHY", "COMM-TONE"], (
    ("Cold or dismissive.", "冷淡或敷衍。"),
    ("Polite but mechanical.", "礼貌但机械。"),
    ("Warm, patient and personal.", "热情、耐心、有人情味。"),
    ("Warm throughout, adapts to the customer's mood.", "始终热情，并随客户的情绪调整。")))
ACCURACY = ("Accurate product and policy information", "产品与政策信息准确", 2,
            ["PROD-POLICY", "PROD-LINES"], (
    ("Wrong information given.", "给出了错误信息。"),
    ("Mostly right, with a misleading detail.", "大体正确，但有误导性的细节。"),
    ("Correct and complete, as on the policy card.", "正确完整，与政策卡一致。"),
    ("Correct, complete, and explains the why.", "正确完整，并解释了原因。")))
CALM = ("Emotion control under pressure", "压力下的情绪控制", 1, ["EMO-CALM", "EMO-DEESC"], (
    ("Argues or raises the voice.", "争辩或提高音量。"),
    ("Stays polite but gets defensive.", "保持礼貌，但有防御心理。"),
    ("Stays calm and brings the tension down.", "保持冷静并缓和了紧张气氛。"),
    ("Calm throughout; the customer ends calmer than they began.",
     "始终冷静；客户结束时比开始时更平静。")))
CLOSE = ("Clean close: summary and next steps", "规范结束：总结与下一步", 1,
         ["ETQ-GREET", "COMM-CLEAR"], (
    ("Ends abruptly.", "突然结束。"),
    ("Closes without a summary.", "结束时没有总结。"),
    ("Summarises the outcome and the next steps.", "总结了结果和下一步。"),
    ("Summary, next steps, checks nothing is left, thanks the customer.",
     "总结、下一步、确认没有遗留问题，并感谢客户。")))
COACH = ("Coaching conversation", "辅导谈话", 2, ["LEAD-COACH"], (
    ("Blames or lectures.", "指责或说教。"),
    ("Tells the agent what to do.", "直接告诉坐席该怎么做。"),
    ("Asks, listens and agrees one improvement.", "提问、倾听，并约定一项改进。"),
    ("Agent finds the improvement themselves; a practice plan is agreed.",
     "坐席自己找到改进点；约定了练习计划。")))
DATA = ("Uses the facts (QA scores, recordings)", "用事实说话（质检分数、录音）", 1,
        ["LEAD-DATA", "DIGI-QA"], (
    ("No facts used.", "没有使用事实。"),
    ("Mentions numbers without meaning.", "提到了数字，但没有说明含义。"),
    ("Uses the QA score and the call to make a point.", "用质检分数和通话录音说明问题。"),
    ("Links the facts to the customer impact and a PDCA follow-up.",
     "把事实与对客户的影响以及 PDCA 跟进联系起来。")))


def _criterion(row, required=True) -> CriterionData:
    title, _zh, weight, codes, descriptors = row
    return CriterionData(title, Decimal(weight), required, "", list(codes),
                         _levels(descriptors))


def _translate_criterion(criterion, row) -> None:
    """The Chinese texts of a demo criterion and its levels."""
    criterion.set_translation(ZH, "title", row[1])
    for level, (_name, zh_name), (_text, zh_text) in zip(criterion.levels, LEVEL_NAMES, row[4],
                                                        strict=True):
        level.set_translation(ZH, "title", zh_name)
        level.set_translation(ZH, "descriptor", zh_text)


# (title, zh title, description, zh description, criteria)
RUBRICS = [
    ("Five-step complaint method", "投诉处理五步法", "Listen, soothe, analyse, solve, follow up.",
     "倾听、安抚、分析、解决、跟进。", [LISTEN, SOOTHE, ANALYSE, SOLVE, FOLLOW]),
    ("Empathy", "同理心", "How the customer feels handled.", "客户感受到的被对待的方式。",
     [EMPATHY, SOOTHE]),
    ("Accuracy of product and policy information", "产品与政策信息的准确性",
     "What the agent says is right, as on the policy card.", "坐席所说的内容正确，与政策卡一致。",
     [ACCURACY]),
    ("Emotion control", "情绪控制", "Staying calm and de-escalating.", "保持冷静并缓和情绪。",
     [CALM]),
    ("Clean close", "规范结束", "Summary and next steps.", "总结与下一步。", [CLOSE]),
    ("New-hire practical scorecard", "新员工实操评分表",
     "The practical role-play of the new-hire certification: the five steps, empathy, "
     "accuracy, emotion control and the close.",
     "新员工认证的实操角色扮演：五步法、同理心、准确性、情绪控制和结束语。",
     [LISTEN, SOOTHE, ANALYSE, SOLVE, FOLLOW, EMPATHY, ACCURACY, CALM, CLOSE]),
    ("Specialist case scorecard", "专家案例评分表",
     "Senior agents: case analysis and resolution of complex contacts.",
     "资深坐席：复杂接触的案例分析与解决。", [ANALYSE, SOLVE, ACCURACY, FOLLOW, CALM]),
    ("Leadership coaching scorecard", "领导力辅导评分表",
     "Managers: coaching an agent after a complaint.", "主管：投诉发生后对坐席进行辅导。",
     [COACH, DATA, CALM]),
]

# The policy card of the starter course's returns lesson and the exam (version 2026.3), as the
# sheet agents read before a role-play; one per language.
POLICY_SHEETS = {
    "en": ("returns-policy-card.pdf", """
<h1>Yunhe Appliances — returns, refunds and points (policy card v2026.3)</h1>
<ol>
<li><b>Change of mind:</b> any product may be returned within 7 days of delivery without a
reason, if it is complete and undamaged.</li>
<li><b>Faulty products:</b> returned or exchanged within 15 days of delivery, with our prepaid
return label. From day 16 to the end of the 12-month warranty, faulty products are repaired
free of charge.</li>
<li><b>Proof of purchase</b> is the order number or the receipt; the original box is not
required.</li>
<li><b>Refunds</b> go back to the original payment method, issued within 3 working days after
the returned product is received and checked; the bank may take up to 7 more working days.</li>
<li><b>Any service centre</b> accepts returns and repairs; the first centre contacted owns the
case until it is closed and must not send the customer elsewhere.</li>
<li><b>Points:</b> 1 point per yuan paid, valid 12 months. Points used on a refunded order are
returned. Rule changes are announced by e-mail and in the Yunhe Life app at least 30 days
ahead; points earned before a change may be redeemed at the old rate for 90 days after it.</li>
<li>Only team leads grant exceptions, and they record them.</li>
</ol>
"""),
    ZH: ("退换货政策卡.pdf", """
<h1>云禾电器 — 退货、退款与积分（政策卡 2026.3 版）</h1>
<ol>
<li><b>无理由退货：</b>任何商品在签收后 7 天内，配件齐全、完好无损即可无理由退货。</li>
<li><b>质量问题商品：</b>签收后 15 天内可退货或换货，使用我们的预付退货面单。从第 16 天起至
12 个月保修期结束，质量问题商品免费维修。</li>
<li><b>购买凭证</b>为订单号或收据；不需要原包装盒。</li>
<li><b>退款</b>原路退回：退回商品签收并检验后 3 个工作日内发起，
银行可能还需最多 7 个工作日到账。</li>
<li><b>任何服务中心</b>均受理退货和维修；客户首次联系的服务中心负责跟进至结案，不得把客户推到别处。</li>
<li><b>积分：</b>每实付 1 元积 1 分，有效期 12 个月。退款订单所用积分退回账户。规则变更至少提前
30 天通过邮件和云禾生活 App 公告；变更前获得的积分在变更后 90 天内可按原比例兑换。</li>
<li>只有组长可以批准例外，并须记录在案。</li>
</ol>
"""),
}

# A scenario in both languages: each text is an (English, Chinese) pair. Turns: (fallback
# reply pair, [(keywords of both languages, reply pair)]); the fallback is what the customer
# says when the agent's message answers none of the branches (the script then waits).
SCENARIOS = [
    dict(title=("Smart band will not sync", "手环无法同步数据"), tier="NEWHIRE",
         rubric="New-hire practical scorecard",
         persona=("Ms Qian Yue, 34, a runner; bought the Yunhe Band 6 two months ago. "
                  "This is her fifth contact.",
                  "钱悦女士，34 岁，跑步爱好者；两个月前购买了云禾手环 6。这是她第五次联系我们。"),
         situation=("The band stopped syncing steps and sleep data to the Yunhe Life app after "
                    "she moved to a new phone. She has contacted support four times; each time "
                    "she was told to restart the phone.",
                    "换了新手机之后，手环不再把步数和睡眠数据同步到云禾生活 App。她已经联系过客服"
                    "四次，每次都被告知重启手机。"),
         knows=("Restarting did not help. She has ticket number 88231 from the last call.",
                "重启没有用。她有上次来电的工单号 88231。"),
         wants=("Her data back, a fix that lasts, and no more repeating her story.",
                "找回数据，彻底解决问题，不想再重复讲一遍经过。"),
         goal=("Resolve it at first contact: ask what changed, unpair the band from the old "
               "phone's account and pair it again, record it on the existing ticket and agree "
               "a follow-up.",
               "在第一次接触中解决：问清发生了什么变化，把手环从旧手机的账号中解绑后重新配对，"
               "记录在原工单上，并约定跟进。"),
         opening=("This is the fifth time I'm contacting you about my band. It still doesn't "
                  "sync!", "这已经是我第五次为手环的事联系你们了。它还是不同步！"),
         turns=[
             (("Sorry, I don't follow. Are you going to help me or not? Everyone just tells me "
               "to restart my phone.",
               "抱歉，我没听明白。你到底能不能帮我？每个人都只会叫我重启手机。"),
              [(["sorry", "apolog", "understand", "抱歉", "对不起", "理解"],
                ("Thank you... at least someone listens. My ticket is 88231.",
                 "谢谢……总算有人在听了。我的工单号是 88231。"))]),
             (("I don't follow. What do you need from me to fix the sync?",
               "我没听明白。要解决同步问题，你需要我做什么？"),
              [(["what changed", "new phone", "change", "变化", "换了", "新手机"],
                ("Yes! It started when I moved to my new phone. Does that matter?",
                 "对！就是从我换新手机开始的。这有关系吗？")),
               (["permission", "bluetooth", "蓝牙", "权限"],
                ("Bluetooth is on and the app is allowed. It still doesn't sync.",
                 "蓝牙开着，App 也有权限。还是不同步。"))]),
             (("Sorry, I don't follow. So what do I do now?",
               "抱歉，我没听明白。那我现在该怎么办？"),
              [(["unpair", "pair", "account", "解绑", "配对", "账号"],
                ("OK, I've unpaired it and paired it again... it's syncing now! Will it break "
                 "again?", "好，我解绑后重新配对了……现在同步了！还会再坏吗？"))]),
             (("Will someone check that it keeps working?", "会有人确认它一直正常吗？"),
              [(["follow", "call you", "check", "回访", "回电", "跟进"],
                ("A follow-up call on Friday is fine. Thank you.", "周五回个电话可以。谢谢。"))]),
         ], sheet=False),
    dict(title=("Loyalty points rule changed without notice", "积分兑换规则未经通知变更"),
         tier="NEWHIRE", rubric="New-hire practical scorecard",
         persona=("Mr Deng Wei, gold member for six years, saves points for an annual "
                  "purchase.", "邓伟先生，六年金卡会员，每年攒积分用于一次大件消费。"),
         situation=("He tried to redeem 12,000 points for a voucher and found the rate changed "
                    "from 100 to 150 points per yuan on the 1st. He says nobody told him.",
                    "他想用 12,000 积分兑换代金券，却发现本月 1 日兑换比例从 100 积分抵 1 元改成了"
                    "150 积分抵 1 元。他说没有人通知过他。"),
         knows=("The change was announced by e-mail and in the app 30 days ahead, but he had "
                "unsubscribed from e-mails and turned app notifications off.",
                "变更已提前 30 天通过邮件和 App 公告，但他退订了邮件，也关闭了 App 通知。"),
         wants=("The old rate, and to be taken seriously.", "按原比例兑换，并且被认真对待。"),
         goal=("Acknowledge, explain the rule accurately, apply the policy: points earned "
               "before a change may be redeemed at the old rate for 90 days; pass on the "
               "feedback about how changes are announced.",
               "回应情绪，准确说明规则，按政策处理：变更前获得的积分在变更后 90 天内可按原比例"
               "兑换；并反馈关于变更通知方式的意见。"),
         opening=("I've been saving points for a year and now they're worth a third less? "
                  "Nobody told me!", "我攒了一年的积分，现在缩水了三分之一？根本没人告诉我！"),
         turns=[
             (("Sorry, I don't follow. Is this even legal? Can I use my points or not?",
               "抱歉，我没听明白。这合法吗？我的积分到底还能不能用？"),
              [(["90", "old rate", "grace", "原比例", "宽限", "原来的"],
                ("So I can still use the old rate for my points? Then please do that.",
                 "也就是说我的积分还能按原比例用？那就请这么办。")),
               (["sorry", "understand", "抱歉", "理解"],
                ("Thank you. But what happens to my points now?",
                 "谢谢。可我的积分现在怎么办？"))]),
             (("I don't follow. Others will have the same problem, won't they?",
               "我没听明白。其他人也会遇到同样的问题吧？"),
              [(["feedback", "report", "sms", "反馈", "短信"],
                ("Good. I hope they change how they announce it.",
                 "很好，希望他们改一改通知的方式。"))]),
             (("Is there anything else I need to do?", "我还需要做什么吗？"), []),
         ], sheet=True),
    dict(title=("Refund transparency on a return", "退货退款流程透明度"), tier="NEWHIRE",
         rubric="Accuracy of product and policy information",
         persona=("Ms Tang Li, returned a Yunhe hair dryer, paid by credit card.",
                  "唐莉女士，退回了一台云禾吹风机，用信用卡付款。"),
         situation=("The return reached the warehouse 5 working days ago. The refund was "
                    "issued 2 working days ago, but she has not seen the money and wants to "
                    "know exactly where it is.",
                    "退货 5 个工作日前已到仓库。退款 2 个工作日前已经发起，但她还没看到钱，想知道"
                    "款项到底在哪里。"),
         knows=("She has the return tracking number and the refund e-mail.",
                "她有退货运单号和退款通知邮件。"),
         wants=("A date she can hold the company to.", "一个能让公司兑现的明确日期。"),
         goal=("Explain the steps from the policy card (checked, refund issued within 3 working "
               "days, the bank up to 7 more), check the status, give the latest date and a way "
               "to follow up.",
               "按政策卡说明流程（检验、3 个工作日内发起退款、银行最多再需 7 个工作日），查询状态，"
               "给出最晚日期和跟进方式。"),
         opening=("Where is my refund? I sent the hair dryer back over a week ago.",
                  "我的退款呢？吹风机一个多星期前就寄回去了。"),
         turns=[
             (("Sorry, I don't follow. When exactly will I get my money?",
               "抱歉，我没听明白。我到底什么时候能拿到钱？"),
              [(["7", "seven", "working day", "bank", "工作日", "银行"],
                ("Up to seven more working days from the bank, so by next Thursday at the "
                 "latest? Please confirm.",
                 "银行最多还要七个工作日，也就是最晚下周四？请确认一下。"))]),
             (("I don't follow. And the points I used on the order?",
               "我没听明白。那我下单时用的积分呢？"),
              [(["points", "returned", "restore", "积分", "退回"],
                ("Good, as long as the points come back too.", "好，只要积分也能退回来就行。"))]),
             (("OK, I'll wait until then.", "好，那我等到那时候。"), []),
         ], sheet=True),
    dict(title=("VIP enterprise order: batch replacement", "VIP 企业客户批量更换"),
         tier="SENIOR", rubric="Specialist case scorecard",
         persona=("Mr Feng Tao, procurement lead of a 300-person company, key account.",
                  "冯涛先生，一家 300 人公司的采购负责人，大客户。"),
         situation=("42 of the 300 smart bands the company gave its staff last month have "
                    "faulty chargers. He wants one process for all of them, not 42 tickets.",
                    "公司上个月给员工发的 300 只智能手环中，有 42 只的充电器有问题。"
                    "他希望用一个流程处理全部，而不是开 42 张工单。"),
         knows=("The serial numbers are in a spreadsheet. The contract names a dedicated "
                "account manager. The bands were delivered 12 days ago.",
                "序列号都在一张表格里。合同中指定了专属客户经理。手环 12 天前签收。"),
         wants=("One batch replacement with a single point of contact and a delivery date.",
                "一次批量更换，唯一联系人，以及明确的送达日期。"),
         goal=("Analyse the case (faulty, within 15 days: exchange), set up one batch ticket "
               "with the account manager, confirm serials and dates, and own the follow-up.",
               "分析案例（质量问题，15 天内：换货），与客户经理建立一张批量工单，确认序列号和日期，"
               "并负责跟进。"),
         opening=("We have 42 faulty chargers and I am not opening 42 tickets. What can you do?",
                  "我们有 42 个充电器坏了，我可不想开 42 张工单。你们能怎么办？"),
         turns=[
             (("Sorry, I don't follow. How will you handle 42 of them?",
               "抱歉，我没听明白。这 42 个你们打算怎么处理？"),
              [(["batch", "one ticket", "account manager", "批量", "一张工单", "客户经理"],
                ("One batch ticket with our account manager is exactly what we need. I can "
                 "send the serial numbers today.",
                 "和我们的客户经理开一张批量工单，正是我们需要的。序列号我今天就能发过来。"))]),
             (("I don't follow. When will the replacements arrive?",
               "我没听明白。换货什么时候能到？"),
              [(["date", "deliver", "days", "日期", "送达", "天"],
                ("Good. Who do I call if something goes wrong?", "好。如果出了问题我找谁？"))]),
             (("Thank you. Please send me the ticket number.", "谢谢。请把工单号发给我。"), []),
         ], sheet=False),
    dict(title=("Four hours, three centres, three answers", "四小时、三个服务中心、三种答案"),
         tier="SENIOR", rubric="Five-step complaint method",
         persona=("Mr Cao Zhiyuan, 52, took half a day off work to exchange a faulty "
                  "rice cooker.", "曹志远先生，52 岁，请了半天假来换一台有故障的电饭煲。"),
         situation=("His Yunhe RC-5 rice cooker stopped heating 10 days after delivery. He has "
                    "waited four hours across three service centres; each gave a different "
                    "answer about the return policy. He is angry and threatens to complain "
                    "publicly.",
                    "他的云禾 RC-5 电饭煲签收后第 10 天不加热了。他在三个服务中心之间等了四个小时，"
                    "每个中心关于退货政策的答复都不一样。他很生气，扬言要公开投诉。"),
         knows=("He has the receipt but threw the box away. The first centre wrongly said "
                "online purchases must be returned online; another said exchanges need the "
                "original box.", "他有收据，但扔掉了包装盒。第一个中心错误地说网购必须网上退；"
                "另一个说换货需要原包装盒。"),
         wants=("To exchange the cooker today and be taken seriously.",
                "今天就换掉电饭煲，并且被认真对待。"),
         goal=("Own the case (the first centre owns it), de-escalate, state the policy "
               "correctly (faulty within 15 days: exchange at any centre, no box needed with "
               "the receipt), arrange the exchange and follow up on the service failure.",
               "承担起责任（首个服务中心负责到底），缓和情绪，准确说明政策（质量问题 15 天内：任何"
               "服务中心都可换货，有收据不需要包装盒），安排换货，并跟进这次服务失误。"),
         opening=("Four hours! Three centres, three different answers! I want to speak to "
                  "someone who actually knows the rules.",
                  "四个小时！三个服务中心，三种不同的说法！我要找一个真正懂规定的人说话。"),
         turns=[
             (("Sorry, I don't follow. Do you know how much of my day you have wasted?",
               "抱歉，我没听明白。你知道你们浪费了我多少时间吗？"),
              [(["sorry", "apolog", "frustrat", "抱歉", "对不起", "理解"],
                ("...Fine. At least you admit it. So can I exchange it or not?",
                 "……好吧，至少你承认了。那到底能不能换？"))]),
             (("I don't follow. The last centre said I need the original box. I threw it away.",
               "我没听明白。上一个中心说要原包装盒，我已经扔了。"),
              [(["15", "receipt", "no box", "not need", "收据", "不需要", "包装"],
                ("So the box doesn't matter? Then why did they tell me that?",
                 "这么说包装盒无所谓？那他们为什么那样跟我说？"))]),
             (("And what are you going to do about the other centres?",
               "那其他几个中心，你们打算怎么处理？"),
              [(["report", "feedback", "lead", "follow", "反馈", "组长", "跟进"],
                ("Alright. Thank you for being straight with me.", "好吧，谢谢你跟我实话实说。"))]),
         ], sheet=True),
    dict(title=("Coaching after a major complaint", "重大投诉后的辅导谈话"), tier="MANAGER",
         rubric="Leadership coaching scorecard",
         persona=("Agent Sun Hao, 8 months in the team; the mentor plays him.",
                  "坐席孙浩，入职 8 个月；由导师扮演。"),
         situation=("Yesterday a customer escalated after Sun Hao argued with her; the QA score "
                    "of the call was 54. You meet him for a coaching conversation.",
                    "昨天孙浩与一位客户发生争执后，客户升级投诉；这通电话的质检分数是 54 分。你约他"
                    "进行一次辅导谈话。"),
         knows=("Sun Hao feels the customer was rude and that he followed the script.",
                "孙浩觉得客户很无礼，而他是按话术做的。"),
         wants=("To be treated fairly and not to be blamed in front of the team.",
                "被公平对待，不想当着团队的面被批评。"),
         goal=("Coach, don't blame: use the QA facts and the recording, let him find the "
               "improvement, agree a practice plan and a PDCA check in two weeks.",
               "辅导而不是指责：用质检事实和录音说话，让他自己找到改进点，约定练习计划，并在两周后"
               "做一次 PDCA 检查。"),
         opening=("You wanted to see me? If it's about yesterday, she was really rude to me.",
                  "您找我？如果是昨天那件事，她对我真的很无礼。"),
         turns=[
             (("I followed the script. What else was I supposed to do?",
               "我是按话术做的。我还能怎么做？"),
              [(["what do you think", "how did", "listen", "你觉得", "怎么看", "倾听"],
                ("Honestly... I stopped listening once she raised her voice.",
                 "说实话……她一提高嗓门，我就不听了。"))]),
             (("The QA score was bad, I know.", "质检分数很差，我知道。"),
              [(["practise", "practice", "plan", "mentor", "练习", "计划", "导师"],
                ("OK, I can practise that with my mentor.", "好，我可以和导师一起练。"))]),
             (("When shall we look at it again?", "我们什么时候再看一次？"), []),
         ], sheet=False),
]


@lru_cache(maxsize=2)
def policy_pdf(language: str = "en") -> bytes:
    """The returns-policy card as a PDF in `language` (rendered once per process)."""
    from lms.core.pdf import html_to_pdf

    lang = "zh-Hans" if language == ZH else "en"
    return html_to_pdf(f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
                       f"</head><body>{POLICY_SHEETS[language][1]}</body></html>")


def _turn(turn) -> scenarios.TurnData:
    (reply, reply_zh), branches = turn
    return scenarios.TurnData(
        reply, [(keywords, text) for keywords, (text, _zh) in branches],
        translations={ZH: {"reply": reply_zh, "branches": [zh for _k, (_t, zh) in branches]}})


def install_demo_roleplays(session, storage_dir: str | None = None) -> dict[str, Scenario]:
    """The demo rubric library and published scenarios, where missing, in English and Chinese;
    returns scenarios by title. With `storage_dir` the policy card is attached (one file per
    language) to the scenarios that use it."""
    import io

    by_rubric: dict[str, Rubric] = {}
    for title, title_zh, description, description_zh, rows in RUBRICS:
        rubric = session.scalar(select(Rubric).where(Rubric.title == title))
        if rubric is None:
            rubric = rubrics.create_rubric(session, None, title, description,
                                           [_criterion(row) for row in rows])
            rubric.set_translation(ZH, "title", title_zh)
            rubric.set_translation(ZH, "description", description_zh)
            for criterion, row in zip(rubric.current.criteria, rows, strict=True):
                _translate_criterion(criterion, row)
        by_rubric[title] = rubric
    paths = {p.code: p for p in session.scalars(select(CertificationPath))}
    made: dict[str, Scenario] = {}
    for spec in SCENARIOS:
        title, title_zh = spec["title"]
        scenario = session.scalar(select(Scenario).where(Scenario.title == title))
        if scenario is None:
            codes = {code for c in by_rubric[spec["rubric"]].current.criteria
                     for code in c.competency_codes}
            competency_ids = list(session.scalars(select(Competency.id).where(
                Competency.code.in_(codes)).order_by(Competency.code)))
            texts = {name: spec[key] for name, key in (
                ("persona", "persona"), ("situation", "situation"),
                ("customer_knows", "knows"), ("customer_wants", "wants"),
                ("agent_goal", "goal"), ("opening_message", "opening"))}
            scenario = scenarios.save_scenario(session, None, None, scenarios.ScenarioData(
                title=title, title_zh=title_zh, rubric_id=by_rubric[spec["rubric"]].id,
                path_id=paths[spec["tier"]].id if spec["tier"] in paths else None,
                pass_mark=Decimal(80) if spec["tier"] == "NEWHIRE" else Decimal(60),
                competency_ids=competency_ids,
                translations={ZH: {name: zh for name, (_en, zh) in texts.items()}},
                **{name: en for name, (en, _zh) in texts.items()}))
            scenarios.set_script(session, None, scenario, [_turn(t) for t in spec["turns"]])
            if spec["sheet"] and storage_dir:
                for language, (filename, _html) in POLICY_SHEETS.items():
                    attachment = scenarios.add_attachment(
                        session, None, scenario, filename, io.BytesIO(policy_pdf(language)),
                        storage_dir, 5 * 1024 * 1024)
                    attachment.language = language
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


# The calibration session's reference call: the four-hours case, customer and agent, spoken in
# Mandarin by Debian's espeak-ng when it is installed (a male and a female voice).
REFERENCE_CALL = [
    ("customer", "四个小时！三个服务中心，三种不同的说法！我要找一个真正懂规定的人说话。"),
    ("agent", "曹先生，真的非常抱歉，让您白白跑了一上午。这件事由我负责到底。"),
    ("customer", "第一个中心说网购的要在网上退，另一个说要原包装盒。到底能不能换？"),
    ("agent", "您的电饭煲签收才十天，属于质量问题，十五天内任何服务中心都可以换货。"
              "有收据就不需要包装盒。"),
    ("customer", "那他们为什么那样跟我说？"),
    ("agent", "是我们的政策没有传达到位。我现在就为您换新的，并把情况反馈给各中心的组长，"
              "周一给您回电话。"),
    ("customer", "好吧，谢谢你跟我实话实说。"),
]
VOICES = {"customer": "cmn", "agent": "cmn+f3"}


def reference_call() -> tuple[bytes, str]:
    """The calibration reference recording as WAV, and the note shown with it: speech made
    with espeak-ng, or a short tone (and a note saying so) where espeak-ng is not installed."""
    import shutil
    import subprocess
    import tempfile
    import wave
    from io import BytesIO
    from pathlib import Path

    program = shutil.which("espeak-ng")
    if program is None:
        return demo_wav(), "A stand-in tone: upload a real reference call for your own sessions."
    frames, params = [], None
    with tempfile.TemporaryDirectory() as folder:
        for number, (speaker, line) in enumerate(REFERENCE_CALL):
            path = Path(folder) / f"{number}.wav"
            try:
                subprocess.run([program, "-v", VOICES[speaker], "-s", "165", "-w", str(path),
                                line], check=True, capture_output=True, timeout=30)
            except (OSError, subprocess.SubprocessError):
                return demo_wav(), ("A stand-in tone: upload a real reference call for your "
                                    "own sessions.")
            with wave.open(str(path), "rb") as part:
                params = params or part.getparams()
                frames.append(part.readframes(part.getnframes()))
                # Half a second between turns.
                frames.append(b"\0" * (params.sampwidth * params.framerate // 2))
    out = BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setparams(params)
        wav.writeframes(b"".join(frames))
    return out.getvalue(), ("The four-hours complaint, customer and agent, synthesised in "
                            "Mandarin with espeak-ng: a reference for calibrating the rubric.")


# (agent employee id, scenario title, agent lines, hours ago submitted, grades)
# grades: [(role, grader employee id, level ranks per criterion, comment, note)]
# Agents practise in the language they work in; the scripted customer answers in it, and the
# mentors comment in it.
DEMO_SUBMISSIONS = [
    ("E0102", "Smart band will not sync",
     ["钱女士，非常抱歉让您联系了五次。方便告诉我工单号吗？",
      "谢谢。同步停止的时候，发生了什么变化吗？比如换了新手机？",
      "明白了。请在 App 里把手环从旧账号解绑，然后重新配对。",
      "已经记录在工单 88231 上了；周五我给您回电话确认，可以吗？"], 50,
     [("primary", "E0020", [3, 3, 3, 3, 2, 3, 3, 3, 2], "热情、准确，一次解决。", "")]),
    ("E0103", "Loyalty points rule changed without notice",
     ["邓先生，我理解这让您很生气。",
      "您的积分都是变更前获得的，90 天内可以按原比例兑换，我现在就为您办理。"], 30, []),
    ("E0105", "Refund transparency on a return",
     ["唐女士，我帮您查一下退款状态。",
      "退款两个工作日前已经发起，银行最多还需要 7 个工作日，最晚下周四到账。"], 2, []),
    ("E0104", "Four hours, three centres, three answers",
     ["曹先生，真的非常抱歉，您不应该受到这样的服务。",
      "电饭煲签收才 10 天，有质量问题，15 天内任何服务中心都可以换货；有收据就不需要包装盒。",
      "我会把错误的答复反馈给各中心的组长，周一给您回电话跟进。"], 40,
     [("primary", "E0020", [3, 3, 2, 3, 3], "主动承担责任，让客户平静了下来。", ""),
      ("second", "E0024", [3, 2, 2, 3, 3], "很好；分析还可以更深入。", "")]),
    ("E0106", "Smart band will not sync",
     ["请您重启一下手机。", "那再重装一下 App 吧。"], 60,
     [("primary", "E0020", [2, 2, 1, 2, 2, 2, 2, 2, 2], "有礼貌，但方案太笼统。",
       "练习分析这一步：给方案之前先问清发生了什么变化。"),
      ("second", "E0024", [0, 0, 0, 1, 0, 0, 1, 2, 1], "重复了之前四次都没用的建议。",
       "先倾听；回应客户的五次联系之后再解决问题。")]),
    ("E0108", "Refund transparency on a return",
     ["I'm sorry for the wait, Ms Tang. Could you give me the return tracking number?",
      "The refund was issued two working days ago; your bank may take up to 7 more working "
      "days, so it reaches your card by next Thursday at the latest."], 20, []),
    ("E0109", "Smart band will not sync",
     ["您试过重启吗？", "好的，我给您新开一张工单。"], 70,
     [("primary", "E0025", [1, 0, 0, 1, 1, 1, 2, 2, 0], "忽略了历史记录，结束得很突然。",
       "先安抚再解决；结束时一定要总结下一步。")]),
]


# The agent whose chat the demo mentor (E0020, mentor@) plays the customer in: one of hers.
MENTOR_CHAT = "E0105"


def seed_demo_submissions(session, by_eid: dict, storage_dir: str | None) -> None:
    """Role-plays at every stage: graded, overdue, fresh, double-graded (close and far apart,
    the latter waiting for moderation), failed with an improvement plan; and a calibration
    session graded by two mentors."""
    import io
    from datetime import timedelta

    from assessments.roleplay.services import agreement, grading, submissions
    from assessments.roleplay.services.grading import RatingInput
    from assessments.roleplay.services.script import message_language
    from lms.core import clock

    made = {s.title: s for s in session.scalars(select(Scenario))}
    now = clock.now()

    def ratings(sub, ranks):
        return {c.id: RatingInput(c.levels[rank].id) for c, rank in
                zip(sub.rubric_version.criteria, ranks, strict=True)}

    for eid, title, lines, hours_ago, grades in DEMO_SUBMISSIONS:
        agent = by_eid[eid]
        sub = submissions.start_chat(session, agent, made[title], "script",
                                     language=message_language(lines[0]))
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
    chat = submissions.start_chat(session, by_eid[MENTOR_CHAT],
                                  made["Loyalty points rule changed without notice"], "mentor",
                                  language=ZH)
    submissions.post_message(session, by_eid[MENTOR_CHAT], chat,
                             "邓先生，很抱歉没有人通知到您。我可以查一下您的会员信息吗？")
    if storage_dir:
        scenario = made["Four hours, three centres, three answers"]
        recording, note = reference_call()
        calibration = agreement.create_calibration(
            session, by_eid["E0001"], scenario,
            "Calibration: the four-hour return complaint · 校准：四小时退货投诉",
            "reference-return-complaint.wav", io.BytesIO(recording), note,
            storage_dir)
        for eid, ranks in (("E0020", [3, 3, 2, 2, 3]), ("E0021", [2, 3, 1, 2, 3]),
                           ("E0024", [3, 2, 2, 1, 3])):
            grading.save_grade(session, by_eid[eid], calibration.submission,
                               ratings(calibration.submission, ranks), release=True)
    session.flush()
