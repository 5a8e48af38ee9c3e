"""GIFT: every type, escapes, categories, errors by line (nothing imported), round trip, CLI."""

import re
import textwrap

import pytest
from sqlalchemy import func, select

from assessments.quiz.models import Question, QuestionCategory, QuestionVersion
from assessments.quiz.services import bank, gift
from lms.competencies.models import Competency


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def parse_one(source: str):
    questions, problems = gift.parse_gift(source)
    assert problems == [] and len(questions) == 1
    return questions[0].question


@pytest.mark.parametrize("source, qtype, parts", [
    ("Who is buried in Grant's tomb?{~Grant ~Jefferson =no one}", "single", {"options": [
        {"id": "a", "text": "Grant", "fraction": "0", "feedback": ""},
        {"id": "b", "text": "Jefferson", "fraction": "0", "feedback": ""},
        {"id": "c", "text": "no one", "fraction": "1", "feedback": ""}]}),
    ("Pick {=a#Yes ~%50%b#Half ~%-25%c}", "single", {"options": [
        {"id": "a", "text": "a", "fraction": "1", "feedback": "Yes"},
        {"id": "b", "text": "b", "fraction": "0.5", "feedback": "Half"},
        {"id": "c", "text": "c", "fraction": "-0.25", "feedback": ""}]}),
    ("Proof? {~%50%Receipt ~%50%Order number ~%-100%Photo#No}", "multiple", {"options": [
        {"id": "a", "text": "Receipt", "fraction": "0.5", "feedback": ""},
        {"id": "b", "text": "Order number", "fraction": "0.5", "feedback": ""},
        {"id": "c", "text": "Photo", "fraction": "-1", "feedback": "No"}]}),
    ("Thirds {~%33.33333%a ~%33.33333%b ~%33.33333%c ~d}", "multiple", {"options": [
        {"id": "a", "text": "a", "fraction": "0.3333333", "feedback": ""},
        {"id": "b", "text": "b", "fraction": "0.3333333", "feedback": ""},
        {"id": "c", "text": "c", "fraction": "0.3333333", "feedback": ""},
        {"id": "d", "text": "d", "fraction": "0", "feedback": ""}]}),
    ("Points expire.{T}", "truefalse",
     {"answer": True, "feedback_true": "", "feedback_false": ""}),
    ("Points expire.{TRUE#No, they do.#Right.}", "truefalse",
     {"answer": True, "feedback_true": "Right.", "feedback_false": "No, they do."}),
    ("Cash refunds.{F#Wrong: card only.#Yes, card only.}", "truefalse",
     {"answer": False, "feedback_true": "Wrong: card only.", "feedback_false": "Yes, card only."}),
    # Moodle reads true/false only in upper case: anything else is a short answer.
    ("Cash refunds.{false}", "shortanswer", {"answers": [
        {"text": "false", "fraction": "1", "feedback": ""}], "case_sensitive": False}),
    ("Name one product line.{One}", "shortanswer", {"answers": [
        {"text": "One", "fraction": "1", "feedback": ""}], "case_sensitive": False}),
    ("Pick {a ~b =c}", "single", {"options": [
        {"id": "a", "text": "a", "fraction": "0", "feedback": ""},
        {"id": "b", "text": "b", "fraction": "0", "feedback": ""},
        {"id": "c", "text": "c", "fraction": "1", "feedback": ""}]}),
    ("Colour? {=red =%50%blue#Half =*green*#%0 credit}", "shortanswer", {"answers": [
        {"text": "red", "fraction": "1", "feedback": ""},
        {"text": "blue", "fraction": "0.5", "feedback": "Half"},
        {"text": "*green*", "fraction": "1", "feedback": "%0 credit"}],
        "case_sensitive": False}),
    ("Days? {#30:2}", "numerical", {"answers": [
        {"value": "30", "tolerance": "2", "fraction": "1", "feedback": ""}]}),
    ("Days? {#30}", "numerical", {"answers": [
        {"value": "30", "tolerance": "0", "fraction": "1", "feedback": ""}]}),
    ("Stars? {#1..5#In range}", "numerical", {"answers": [
        {"value": "3", "tolerance": "2", "fraction": "1", "feedback": "In range"}]}),
    ("Rate? {#-1.5..2.5}", "numerical", {"answers": [
        {"value": "0.5", "tolerance": "2", "fraction": "1", "feedback": ""}]}),
    ("Days? {# =30:0#Exactly =%50%29:1#Close ~#Read the policy}", "numerical", {"answers": [
        {"value": "30", "tolerance": "0", "fraction": "1", "feedback": "Exactly"},
        {"value": "29", "tolerance": "1", "fraction": "0.5", "feedback": "Close"},
        {"value": "*", "tolerance": "0", "fraction": "0", "feedback": "Read the policy"}]}),
    ("Match {=Opening -> Good morning =Closing -> Goodbye = -> Hold on}", "matching",
     {"pairs": [{"id": "p1", "prompt": "Opening", "answer": "Good morning"},
                {"id": "p2", "prompt": "Closing", "answer": "Goodbye"},
                {"id": "p3", "prompt": "", "answer": "Hold on"}]}),
    ("Describe your greeting.{}", "essay", {"response_hint": ""}),
])
def test_every_type(source, qtype, parts):
    question = parse_one(source)
    assert question.qtype == qtype
    assert question.data == parts


def test_names_feedback_formats_and_missing_words():
    question = parse_one("::Grant:: Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert question.name == "Grant"
    assert question.text == "Grant is _____ in Grant's tomb."
    question = parse_one("::Q::[html]<p>Hello <b>there</b></p>{=a ~b ####<i>General</i>}")
    assert question.text == "<p>Hello <b>there</b></p>"
    assert question.general_feedback == "<i>General</i>"
    question = parse_one("[plain]1. *Not* markdown{T}")
    assert question.text == "1\\. \\*Not\\* markdown"
    question = parse_one("[markdown]**Bold**{T####Read *this*.}")
    assert (question.text, question.general_feedback) == ("**Bold**", "Read *this*.")


def test_escapes():
    question = parse_one(
        "::a\\:b:: Braces \\{ \\} tilde \\~ equals \\= hash \\# colon \\: backslash \\\\ "
        "and\\nnew line{=x \\= y#fb \\# \\~ ~z}")
    assert question.name == "a:b"
    # Moodle's auto-format keeps the line break; the bank's Markdown says so with a hard
    # break, and escapes the backslash so it shows.
    assert question.text == ("Braces { } tilde ~ equals = hash # colon : backslash \\\\ and  \n"
                             "new line")
    assert question.data["options"][0] == {"id": "a", "text": "x = y", "fraction": "1",
                                           "feedback": "fb # ~"}


def test_multi_line_questions_and_comments():
    questions, problems = gift.parse_gift(textwrap.dedent("""\
        // A comment before
        ::Long::
        Which of these
        // a comment inside the question
        is right? {
            =This one
            ~That one
        }
        """))
    assert problems == []
    assert questions[0].question.text == "Which of these  \nis right?"
    assert questions[0].lines == {"options-0": 6, "options-1": 7, "text": 2}


def test_moodle_exports_and_windows_line_ends():
    source = ("// question: 0  name: Switch category to $course$/top/Default/Refunds\r\n"
              "$CATEGORY: $course$/top/Default/Refunds\r\n"
              "// question: 12  name: Window\r\n"
              "::Window::[moodle]Within 7 days?{\r\n"
              "\t=Yes#Right\\nindeed.\r\n"
              "\t~No\r\n"
              "}\r\n")
    questions, problems = gift.parse_gift(source)
    assert problems == []
    (parsed,) = questions
    assert parsed.category == ("Default", "Refunds") and parsed.line == 4
    assert parsed.question.name == "Window" and parsed.question.text == "Within 7 days?"
    assert parsed.question.data["options"][0]["feedback"] == "Right\nindeed."


FILE = textwrap.dedent("""\
    // Questions before any category go to the target.
    ::Loose:: A loose question {T}

    $CATEGORY: $course$/top/Product knowledge/Returns and refunds

    ::Window:: Returns within how many days? {#7}

    $CATEGORY: Service//Etiquette

    ::Greeting:: Greet the customer. {}
    """)


def test_categories_are_created_from_the_file(db, app):
    target = bank.create_category(db.session, None, "Inbox")
    result = gift.import_gift(db.session, None, FILE, target)
    db.session.commit()
    placed = {bank.current_version(q).name: bank.path_label(q.category)
              for q in result.questions}
    assert placed == {"Loose": "Inbox", "Window": "Product knowledge › Returns and refunds",
                      "Greeting": "Service/Etiquette"}
    assert sorted(c.name for c in result.categories_created) == [
        "Product knowledge", "Returns and refunds", "Service/Etiquette"]
    # A second import reuses the categories.
    again = gift.import_gift(db.session, None, FILE, target)
    assert again.categories_created == []
    assert count(db, QuestionCategory) == 4


def test_a_question_outside_any_category_needs_a_target(db, app):
    with pytest.raises(bank.ImportRefused) as refused:
        gift.import_gift(db.session, None, FILE, None)
    assert [p.line for p in refused.value.problems] == [2]
    assert count(db, Question) == 0 and count(db, QuestionCategory) == 0


GOOD = "::Fine:: A fine question {=yes ~no}\n\n"


@pytest.mark.parametrize("source, expected", [
    (GOOD + "::Q:: Broken {=a ~b\n", [(3, "unclosed {")]),
    (GOOD + "\n\n\n::Q:: Line one\nline two {=a\n~b\n\n=c}\n", [(7, "unclosed {"),
                                                                  (10, "} without {")]),
    (GOOD + "::Q:: Broken =a ~b}\n", [(3, "} without {")]),
    (GOOD + "::Q:: One {=a ~b}\n::R:: Two {=c ~d}\n", [(4, "only one answer block")]),
    (GOOD + "::Q:: Nested {=a {~b}}\n", [(3, "{ inside an answer block")]),
    (GOOD + "::Q No end of name {T}\n", [(3, "not closed with ::")]),
    (GOOD + "::Q:: Weight {=a ~%abc%b}\n", [(3, "a weight must look like")]),
    (GOOD + "::Q:: Weight {=a ~%150%b}\n", [(3, "between -100% and 100%")]),
    (GOOD + "::Q:: Weight {=%50%a ~b}\n", [(3, "= marks the right answer")]),
    (GOOD + "::Q:: Number {#abc}\n", [(3, "abc is not a number")]),
    (GOOD + "::Q:: Number {#}\n", [(3, "needs a number after #")]),
    (GOOD + "::Q:: Range {#5..1}\n", [(3, "smaller number to the larger")]),
    (GOOD + "::Q:: Tolerance {#5:-1}\n", [(3, "tolerance cannot be negative")]),
    (GOOD + "::Q:: Match {\n=a -> 1\n=b -> 2\n=c\n}\n", [(6, "needs ->")]),
    (GOOD + "::Q:: Match {=a -> 1 = -> 2}\n", [(3, "at least two pairs with a prompt")]),
    (GOOD + "::Q:: Sum {~%50%a ~%40%b ~c}\n", [(3, "add up to 100 % (now 90 %)")]),
    (GOOD + "::Q:: Empty option {\n=a\n~\n}\n", [(5, "Write the option's text.")]),
    (GOOD + "::Q:: No right answer {=%50%a =%20%b}\n", [(3, "full marks")]),
    (GOOD + "// [competency:NOPE-1]\n::Q:: Tagged {T}\n", [(3, "unknown competency code")]),
    (GOOD + "// [mark:lots]\n::Q:: Marked {T}\n", [(3, "the mark must be a number")]),
    (GOOD + "// [mark:0]\n::Q:: Marked {T}\n", [(3, "The mark must be more than 0")]),
    (GOOD + "// [difficulty:9]\n::Q:: Hard {T}\n", [(3, "Difficulty goes from 1")]),
    (GOOD + "$CATEGORY: a/ /b\n\n::Q:: Fine {T}\n", [(3, "category path")]),
    ("// only comments\n\n// here\n", [(0, "no questions")]),
])
def test_malformed_files_are_refused_whole_with_line_numbers(db, app, source, expected):
    target = bank.create_category(db.session, None, "Inbox")
    db.session.commit()
    before = (count(db, Question), count(db, QuestionVersion), count(db, QuestionCategory))
    with pytest.raises(bank.ImportRefused) as refused:
        gift.import_gift(db.session, None, source, target)
    db.session.rollback()
    found = [(p.line, p.message) for p in refused.value.problems]
    assert len(found) == len(expected), found
    for (line, message), (want_line, want_text) in zip(found, expected, strict=True):
        assert line == want_line and want_text in message, found
    assert (count(db, Question), count(db, QuestionVersion),
            count(db, QuestionCategory)) == before


ROUND_TRIP = textwrap.dedent("""\
    // Every type GIFT can carry, with feedback, weights, escapes and metadata.
    $CATEGORY: Round trip/Choices

    // [difficulty:2]
    // [competency:PROD-POLICY]
    ::Refund window::[markdown]Within **how many** days may an *unopened* item be returned?{
        =7 days#Right\\: seven.
        ~%50%14 days#Only for VIP members.
        ~30 days#That was the old rule.
        ####The policy changed in *March*.
    }

    ::Proof of purchase::Which of these prove a purchase? {
        ~%50%The receipt
        ~%50%The order number#Yes \\= it is in the CRM.
        ~%-100%A photo of the box#No.
    }

    ::Missing word:: A refund goes back to {=the original card ~a gift card ~cash} only.

    $CATEGORY: Round trip/Other types

    // [mark:2]
    // [competency:PROD-POLICY]
    // [competency:PROD-LINES]
    ::Points expire::Loyalty points expire after 12 months.{TRUE#They do expire.#Right.####See the points rules.}

    ::Cash refunds::Refunds are paid in cash.{F##Right, card only.}

    // [case-sensitive]
    ::Ticket tool::Which tool records tickets? {=CRM#Yes. =%50%Crm*#Mind the case. =%0%*ticket*#Close, but name the tool.}

    ::Hours::How many hours until a refund is confirmed? {#
        =48:2#Two days.
        =%50%72:0#The longest it takes.
        ~#Check the refund page.
    }

    ::Stars::How many stars does the survey scale have at most? {#1..5}

    ::Greeting pairs::Match the moment to the phrase.{
        =Opening -> Good morning, how may I help?
        =Closing -> Is there anything else I can do?
        =Hold -> May I put you on hold for a moment?
        = -> Please wait.
    }

    // [hint:Three sentences\\: listen, soothe, solve.]
    // [mark:5]
    ::Angry caller::[plain]Describe how you greet an *angry* caller.{####A model answer names the feeling first.}

    ::Escapes::Braces \\{ \\} tilde \\~ equals \\= hash \\# colon \\: backslash \\\\ new\\nline{=a \\= b ~c \\~ d}

    ::Chinese 中文::退款需要多少天？{=七天#对。 ~三十天}
    """)  # noqa: E501 (GIFT keeps a question on one line)


def snapshot(db, questions):
    codes = dict(db.session.execute(select(Competency.id, Competency.code)).all())
    rows = []
    for question in questions:
        version = bank.current_version(question)
        rows.append((bank.path_label(question.category), version.qtype, version.name,
                     version.text, version.general_feedback, version.data,
                     version.default_mark, question.difficulty,
                     sorted(codes[link.competency_id] for link in question.competency_links)))
    return rows


def without_ids(text):
    return re.sub(r"// question: \d+", "// question: N", text)


def test_export_re_imports_to_the_same_questions(db, defaults):
    first = gift.import_gift(db.session, None, ROUND_TRIP, None)
    db.session.commit()
    types = {bank.current_version(q).qtype for q in first.questions}
    assert types == {"single", "multiple", "truefalse", "shortanswer", "numerical", "matching",
                     "essay"}
    root = bank.find_category(db.session, ("Round trip",))
    exported = gift.export_gift(db.session, root)
    # Into a fresh bank: the same categories and questions.
    for question in first.questions:
        question.archived = True
    second = gift.import_gift(db.session, None, exported, None)
    db.session.commit()
    assert second.categories_created == []
    assert snapshot(db, second.questions) == snapshot(db, first.questions)
    # And the export of the copy is the export of the original.
    for question in first.questions:
        question.archived = False
    for question in second.questions:
        question.archived = True
    again = gift.export_gift(db.session, root)
    for question in first.questions:
        question.archived = True
    for question in second.questions:
        question.archived = False
    assert without_ids(gift.export_gift(db.session, root)) == without_ids(again)


def test_the_export_is_readable_gift(db, defaults):
    gift.import_gift(db.session, None, ROUND_TRIP, None)
    exported = gift.export_gift(db.session, bank.find_category(db.session, ("Round trip",)))
    assert "$CATEGORY: Round trip/Choices\n" in exported
    assert "::Refund window::[markdown]Within **how many** days" in exported
    assert "\t=7 days#Right\\: seven.\n\t~%50%14 days#Only for VIP members.\n" in exported
    assert "{TRUE#They do expire.#Right.####See the points rules.}" in exported
    assert "{#\n\t=48:2#Two days.\n\t=%50%72:0#The longest it takes.\n\t~#Check" in exported
    assert "{#\n\t=3:2\n}" in exported
    assert "// [case-sensitive]" in exported and "// [mark:2]" in exported


def test_archived_questions_and_other_categories_stay_out(db, app):
    result = gift.import_gift(db.session, None, FILE, bank.create_category(db.session, None,
                                                                           "Inbox"))
    result.questions[1].archived = True
    exported = gift.export_gift(db.session, bank.find_category(db.session,
                                                               ("Product knowledge",)))
    assert exported == ""
    exported = gift.export_gift(db.session, bank.find_category(db.session, ("Inbox",)))
    assert "Loose" in exported and "Greeting" not in exported


# The command line


def test_cli_import_and_export(db, defaults, runner, tmp_path):
    source = tmp_path / "bank.gift"
    source.write_text(FILE, encoding="utf-8")
    result = runner.invoke(args=["import-gift", str(source), "--category", "New hires/Inbox"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 questions" in result.output
    assert bank.find_category(db.session, ("New hires", "Inbox")) is not None
    target = tmp_path / "out.gift"
    result = runner.invoke(args=["export-gift", "--category", "New hires", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "::Loose::" in target.read_text(encoding="utf-8")
    result = runner.invoke(args=["export-gift", "--category", "Nowhere"])
    assert result.exit_code != 0 and "no category" in result.output


def test_cli_refuses_a_malformed_file_with_line_numbers(db, app, runner, tmp_path):
    source = tmp_path / "bad.gift"
    source.write_text(GOOD + "::Q:: Broken {=a ~b\n", encoding="utf-8")
    result = runner.invoke(args=["import-gift", str(source), "--category", "Inbox"])
    assert result.exit_code != 0
    assert "line 3: unclosed {" in result.output
    assert count(db, Question) == 0 and count(db, QuestionCategory) == 0
