"""Questions in the learner's language: a translated GIFT file laid over the bank, the page
in each language with a marked fallback, and grading that does not depend on the language."""

from decimal import Decimal

import pytest
from flask_babel import force_locale

from assessments.quiz.models import Attempt
from assessments.quiz.services import attempts, grading, languages, translations
from assessments.quiz.services.attempts import PostedAnswer
from assessments.quiz.services.bank import ImportRefused

ZH = "zh_Hans_CN"
TRANSLATION = """$CATEGORY: Product knowledge/Refunds

::refund-days::未拆封的商品可在几天内退货？{
\t=七天#正确-七天
\t~三十天#错误-三十天
\t~不可退货
\t####退款-总反馈
}

::refund-word::客户申请退款时签署的是……表。{=秘密关键词#简答-反馈}
"""


@pytest.fixture
def translated(db, bank):
    translations.import_gift_translation(db.session, None, TRANSLATION, ZH)
    db.session.commit()
    return bank


def test_a_translated_question_shows_in_chinese_with_the_same_ids(app, translated):
    version = translated.version("refund-days")
    with app.test_request_context(), force_locale(ZH):
        shown = languages.shown(version)
    assert shown.text == "未拆封的商品可在几天内退货？" and not shown.fell_back
    assert [(o["id"], o["text"], o["fraction"]) for o in shown.data["options"]] == [
        ("a", "七天", "1"), ("b", "三十天", "0"), ("c", "不可退货", "0")]
    assert shown.general_feedback == "退款-总反馈"
    # The default language is the columns, untouched.
    with app.test_request_context(), force_locale("en"):
        assert languages.shown(version).text.startswith("Within how many days")


def test_an_untranslated_question_falls_back_and_says_so(app, translated):
    with app.test_request_context(), force_locale(ZH):
        shown = languages.shown(translated.version("refund-proof"))
    assert shown.fell_back and shown.text == "Which documents prove a purchase?"
    with app.test_request_context(), force_locale("en"):
        assert not languages.shown(translated.version("refund-proof")).fell_back


def test_grading_is_the_same_in_either_language(db, translated, make_quiz, agent):
    quiz = make_quiz(questions=("refund-days", "refund-word"))
    scores = []
    for answer in ("SECRETKEYWORD", "秘密关键词"):
        attempt = attempts.start_attempt(db.session, agent, quiz)
        by_name = {aq.version.name: aq for aq in attempt.questions}
        attempts.save_answers(db.session, agent, attempt.id, [
            PostedAnswer(by_name["refund-days"].slot, by_name["refund-days"].sequence, "a"),
            PostedAnswer(by_name["refund-word"].slot, by_name["refund-word"].sequence, answer)])
        attempts.submit(db.session, agent, attempt.id)
        db.session.commit()
        scores.append(db.session.get(Attempt, attempt.id).score)
    assert scores == [Decimal(100), Decimal(100)]
    assert grading.fraction_for(translated.version("refund-word"), {"text": "别的"}) == 0


def test_a_translation_never_changes_what_is_right(app, db, bank):
    """The fractions come from the default-language question, whatever the file says."""
    swapped = TRANSLATION.replace("=七天", "~七天").replace("~三十天", "=三十天")
    translations.import_gift_translation(db.session, None, swapped, ZH)
    version = bank.version("refund-days")
    assert grading.fraction_for(version, {"choice": "a"}) == 1
    assert grading.fraction_for(version, {"choice": "b"}) == 0


@pytest.mark.parametrize("text, problem", [
    ("$CATEGORY: Product knowledge/Refunds\n::no-such::问题？{=是}\n", "no question named"),
    ("$CATEGORY: Product knowledge/Refunds\n::refund-days::问题？{=七天~三十天}\n",
     "different type or number"),
])
def test_a_translation_that_does_not_fit_is_refused_whole(db, bank, text, problem):
    with pytest.raises(ImportRefused) as refused:
        translations.import_gift_translation(db.session, None, TRANSLATION + "\n" + text, ZH)
    assert problem in " ".join(str(p) for p in refused.value.problems)
    db.session.rollback()
    assert not bank.version("refund-days").translations


def test_the_translation_status_names_the_questions_left(app, db, translated):
    questions = list(translated.questions.values())
    status = translations.bank_status(db.session, questions, ZH)
    assert (status.total, status.translated) == (len(questions), 2)
    assert translated.questions["refund-proof"] in status.missing


def test_an_edit_keeps_the_translation(db, translated):
    from assessments.quiz.services import bank as bank_service
    from assessments.quiz.services.bank import QuestionData

    question = translated.questions["refund-days"]
    version = bank_service.edit_question(db.session, None, question, QuestionData(
        qtype="single", name="refund-days", text="Within how many days, unopened?",
        data=translated.version("refund-days").data))
    assert version.number == 2 and version.translations[ZH]["text"].startswith("未拆封")


def test_the_attempt_page_in_each_language(db, client, translated, make_quiz, make_person):
    from tests.conftest import PASSWORD

    quiz = make_quiz(questions=("refund-days", "refund-proof"))
    for locale, shown, hidden in ((ZH, "未拆封的商品可在几天内退货？", "Within how many days"),
                                  ("en", "Within how many days", "未拆封")):
        person = make_person(("agent",), locale=locale)
        assert client.post("/login", data={"login": person.email, "password": PASSWORD}) \
            .status_code == 302
        started = client.post(f"/quizzes/{quiz.id}/start")
        page = client.get(started.headers["Location"]).get_data(as_text=True)
        assert shown in page and hidden not in page
        # The untranslated question is marked in Chinese only.
        assert ("data-fallback" in page) == (locale == ZH)
        client.post("/logout")


def test_authors_see_which_questions_lack_a_translation(db, client, translated, make_person):
    from tests.conftest import PASSWORD

    author = make_person(("admin",))
    client.post("/login", data={"login": author.email, "password": PASSWORD})
    category = translated.categories["Refunds"]
    page = client.get(f"/author/bank?category={category.id}").get_data(as_text=True)
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in page.split("<tr>")[1:]}
    assert "简体中文" not in rows["refund-days"] and "简体中文" in rows["refund-proof"]
    question = translated.questions["refund-days"]
    page = client.get(f"/author/bank/questions/{question.id}").get_data(as_text=True)
    assert "未拆封的商品可在几天内退货？" in page and "三十天" in page
