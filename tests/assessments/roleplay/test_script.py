"""The scripted customer answers in the agent's language, follows keyword branches of either
language, and asks again instead of pretending a message answered it."""

from assessments.roleplay.services import scenarios, script, submissions
from lms.core.extensions import db

S = db.session
ZH = "zh_Hans_CN"
FALLBACK = "Sorry, I don't follow — are you going to help me with the refund?"
FALLBACK_ZH = "抱歉，我没听明白——您到底能不能帮我办退款？"


def _bilingual(world):
    scenario = world.scenario
    scenario.set_translation(ZH, "opening_message", "我已经第五次打电话了！")
    scenarios.set_script(S, None, scenario, [
        scenarios.TurnData(FALLBACK, [(["sorry", "apologise", "抱歉", "对不起"],
                                       "Thank you. So what happens to my refund?"),
                                      (["refund", "退款"],
                                       "Finally, someone mentions the refund.")],
                           translations={ZH: {"reply": FALLBACK_ZH,
                                              "branches": ["谢谢。那我的退款怎么办？",
                                                           "总算有人提到退款了。"]}}),
        scenarios.TurnData("When will the money be back?",
                           translations={ZH: {"reply": "钱什么时候能退回来？"}}),
    ])
    S.flush()
    return scenario


def _lines(submission):
    return [(m.sender, m.text) for m in submission.messages]


def test_the_customer_answers_in_the_language_the_agent_writes(world):
    scenario = _bilingual(world)
    sub = submissions.start_chat(S, world.agent, scenario, "script", language=ZH)
    submissions.post_message(S, world.agent, sub, "非常抱歉给您带来不便。")
    submissions.post_message(S, world.agent, sub, "我马上为您查询。")
    assert _lines(sub) == [
        ("customer", "我已经第五次打电话了！"),
        ("agent", "非常抱歉给您带来不便。"), ("customer", "谢谢。那我的退款怎么办？"),
        ("agent", "我马上为您查询。"), ("customer", "钱什么时候能退回来？")]


def test_a_message_that_matches_nothing_gets_the_fallback_and_the_script_waits(world):
    scenario = _bilingual(world)
    sub = submissions.start_chat(S, world.agent, scenario, "script", language="en")
    assert sub.messages[0].text == "This is the fifth time I am calling!"
    submissions.post_message(S, world.agent, sub, "asdf qwerty")
    submissions.post_message(S, world.agent, sub, "随便说说")
    submissions.post_message(S, world.agent, sub, "Let me look at your refund now.")
    submissions.post_message(S, world.agent, sub, "Anything else?")
    assert [text for sender, text in _lines(sub) if sender == "customer"][1:] == [
        FALLBACK, FALLBACK_ZH, "Finally, someone mentions the refund.",
        "When will the money be back?"]
    # Fallback lines answer no turn; the matched branch answered turn 0, the next turn 1.
    assert [m.script_turn for m in sub.messages if m.sender == "customer"] == [
        None, None, None, 0, 1]


def test_the_language_of_a_message():
    assert script.message_language("我要退款", "en") == ZH
    assert script.message_language("I want a refund", ZH) == "en"
    assert script.message_language("123 ??", ZH) == ZH


def test_a_turn_without_its_translation_speaks_the_default_language(world):
    scenarios.set_script(S, None, world.scenario, [scenarios.TurnData("OK, I will try that.")])
    sub = submissions.start_chat(S, world.agent, world.scenario, "script", language=ZH)
    submissions.post_message(S, world.agent, sub, "请重启手环。")
    assert sub.messages[-1].text == "OK, I will try that."
