"""GIFT and Aiken read as Moodle reads them: text formats, descriptions, tags and idnumbers,
the two error behaviours, and Moodle's own fixture files with the results its tests expect."""

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assessments.quiz.models import Question
from assessments.quiz.services import aiken, bank, gift, scoring, textformat
from lms.core.errors import DomainError
from lms.core.markdown import html_to_text, render_markdown

FIXTURES = Path(__file__).parent / "fixtures" / "moodle"


def shown(markdown: str) -> str:
    """What a learner reads of a rich field."""
    return html_to_text(str(render_markdown(markdown)))


def one(source: str):
    questions, problems = gift.parse_gift(source)
    assert problems == [], problems
    (parsed,) = questions
    return parsed.question


# Text formats


@pytest.mark.parametrize("source, reads", [
    # Moodle's default (auto-format): nothing but HTML and line breaks is interpreted.
    ("What is 2*3*4?{#24}", "What is 2*3*4?"),
    ("A \\\\ B{T}", "A \\ B"),
    ("_Not_ emphasis, [not](a link){T}", "_Not_ emphasis, [not](a link){T}"[:-3]),
    ("[moodle]<b>Bold</b> and 2*3*4{T}", "Bold and 2*3*4"),
    ("[plain]<b>shown</b> as written{T}", "<b>shown</b> as written"),
    ("[markdown]**Bold**{T}", "Bold"),
    ("[html]<p>2*3*4 stays</p>{T}", "2*3*4 stays"),
])
def test_question_text_reads_as_in_moodle(source, reads):
    assert shown(one(source).text) == reads


def test_auto_format_html_is_rendered_not_shown_and_never_runs():
    question = one("[moodle]<b>Bold</b>{T}")
    assert "<b>Bold</b>" in str(render_markdown(question.text))
    question = one('[html]<p onclick="x()">Hi<script>alert(1)</script>'
                   '<img src="javascript:alert(2)" onerror="alert(3)"></p>{T}')
    html = str(render_markdown(question.text))
    assert "script" not in html and "onerror" not in html and "onclick" not in html
    assert "javascript:" not in html and "Hi" in html


def test_feedback_starting_with_a_hash_is_no_heading():
    question = one("Right?{T####\\# 1 rule: listen first.}")
    assert "<h1>" not in str(render_markdown(question.general_feedback))
    assert shown(question.general_feedback) == "# 1 rule: listen first."


def test_moodle_4_html_answers_show_their_text_not_their_tags():
    # As Moodle 4 exports them: = and : inside the HTML escaped.
    source = ("::Policy::[html]<p>Which cards?</p>{\n"
              '=<p dir\\="ltr" style\\="text-align\\: left;">Refund &amp; exchange<br></p>\n'
              '~<p dir\\="ltr" style\\="text-align\\: left;">Gift card</p>'
              '#<p>No\\: <b>never</b></p>\n}')
    question = one(source)
    options = question.data["options"]
    assert [o["text"] for o in options] == ["Refund & exchange", "Gift card"]
    assert options[1]["feedback"] == "No: never"
    source = ('::Match::[html]<p>Match</p>{\n=<p dir\\="ltr">Refund &amp; exchange</p> -> A\n'
              '=<p>Points</p> -> B\n}')
    assert [p["prompt"] for p in one(source).data["pairs"]] == ["Refund & exchange", "Points"]


def test_plain_and_moodle_answers_keep_their_characters():
    question = one("Mail?{=[plain]customer_service@yunhe.example ~[moodle]sales_desk@x}")
    assert [o["text"] for o in question.data["options"]] == [
        "customer_service@yunhe.example", "sales_desk@x"]
    short = one("Field?{=[plain]order_id =%50%[moodle]A*B}")
    assert [a["text"] for a in short.data["answers"]] == ["order_id", "A*B"]
    assert scoring.score("shortanswer", short.data, {"text": "order_id"}) == 1
    # The wildcard of [moodle]A*B still matches anything between A and B.
    assert scoring.score("shortanswer", short.data, {"text": "A to B"}) == Decimal("0.5")


def test_answers_take_the_question_texts_format_unless_they_have_their_own():
    # Moodle's own test (test_import_multichoice): `~red # [html]wrong…`, `~[plain]blue`.
    question = one(FIXTURES.joinpath("questions.gift.txt").read_text().split("\n\n")[2])
    assert [(o["text"], o["feedback"]) for o in question.data["options"]] == [
        ("yellow", "right; good!"), ("red", "wrong, it's yellow"),
        ("blue", "wrong, it's yellow")]


# Descriptions, {One}, tags and idnumbers


def test_text_without_answers_is_a_description(db, app):
    target = bank.create_category(db.session, None, "Inbox")
    result = gift.import_gift(db.session, None, "::Intro::Read the *case* below.\n\n"
                                                 "::Q:: Right?{T}\n", target)
    intro = bank.current_version(result.questions[0])
    assert (intro.qtype, intro.name, intro.default_mark) == ("description", "Intro", 0)
    assert shown(intro.text) == "Read the *case* below."
    assert scoring.score("description", {}, None) == 0
    exported = gift.export_gift(db.session, target)
    assert "::Intro::[markdown]Read the \\\\*case\\\\* below.\n" in exported
    again, problems = gift.parse_gift(exported)
    assert problems == [] and again[0].question.qtype == "description"


@pytest.mark.parametrize("comment, idnumber, tags", [
    # Moodle's own cases (test_extract_idnumber_and_tags_from_comment).
    ("", "", []),
    ("// A basic comment.", "", []),
    ("// A comment with [id:frog] <-- an idnumber.", "frog", []),
    ("// Look tags: [tag:frog] [tag:toad].", "", ["frog", "toad"]),
    ("// [tag:add] [tag:basic] [id:four]", "four", ["add", "basic"]),
    ("// [tag:  basic] Here is  \n// a [id:   four   ] que[tag:add   ]stion.", "four",
     ["basic", "add"]),
    ("// Ceci n'est pas une [tag:\n// frog].", "", []),
    ("// [id:i\\]d].", "i]d", []),
    ("// [tag:t\\]ag].", "", ["t]ag"]),
])
def test_idnumber_and_tags_from_comments(comment, idnumber, tags):
    assert gift.idnumber_and_tags(comment.split("\n")) == (idnumber, tags)


def test_tags_and_idnumber_are_kept_and_exported(db, app):
    target = bank.create_category(db.session, None, "Inbox")
    source = ("// This question is to test importing tags: [tag:tag] [tag:other-tag].\n"
              "// And an idnumber: [id:myid].\n::Question name:: How are you? {}\n")
    (question,) = gift.import_gift(db.session, None, source, target).questions
    assert (question.idnumber, question.tags) == ("myid", ["tag", "other-tag"])
    exported = gift.export_gift(db.session, target)
    assert "// [id:myid] [tag:tag] [tag:other-tag]\n::Question name::" in exported
    (again,) = gift.parse_gift(exported)[0]
    assert (again.question.idnumber, again.question.tags) == ("myid", ("tag", "other-tag"))


def test_an_idnumber_already_in_the_bank_is_dropped_on_import_as_moodle_does(db, app):
    target = bank.create_category(db.session, None, "Inbox")
    source = ("// [id:myid]\n::First:: How are you? {}\n\n"
              "// [id:myid] [tag:kept]\n::Second:: And now? {}\n")
    first, second = gift.import_gift(db.session, None, source, target).questions
    assert (first.idnumber, second.idnumber, second.tags) == ("myid", None, ["kept"])
    (third,) = gift.import_gift(db.session, None, "// [id:myid]\n::Third:: Again? {}\n",
                                target).questions
    assert third.idnumber is None
    # Archived questions are out of the bank: their ID number may be used again...
    first.archived = True
    (fourth,) = gift.import_gift(db.session, None, "// [id:myid]\n::Fourth:: Yes? {}\n",
                                 target).questions
    assert fourth.idnumber == "myid"
    # ...but the archived one cannot come back while another question holds it.
    with pytest.raises(DomainError, match="already has the ID number myid"):
        bank.set_archived(db.session, None, first, False)


def test_a_long_name_is_shortened_not_refused(db, app):
    target = bank.create_category(db.session, None, "Inbox")
    (question,) = gift.import_gift(db.session, None, f"::{'n' * 300}::Right?{{T}}",
                                   target).questions
    name = bank.current_version(question).name
    assert len(name) == bank.NAME_MAX and name.endswith("…")


# The two error behaviours


BAD = ("::Good one:: Right?{T}\n\n"
       "::Broken:: Sum {~%50%a ~%40%b ~c}\n\n"
       f"::Too long:: {'x' * (bank.TEXT_MAX + 1)}{{T}}\n\n"
       "::Unclosed:: {=a ~b\n\n"
       "::Good two:: Also right?{F}\n")


def count(db):
    return db.session.scalar(select(func.count()).select_from(Question))


def test_stop_on_error_imports_nothing_and_lists_every_error(db, app):
    target = bank.create_category(db.session, None, "Inbox")
    with pytest.raises(bank.ImportRefused) as refused:
        gift.import_gift(db.session, None, BAD, target, on_error="stop")
    assert [p.line for p in refused.value.problems] == [3, 5, 7]
    assert count(db) == 0


def test_skip_imports_the_good_questions_and_lists_the_others(db, app):
    target = bank.create_category(db.session, None, "Inbox")
    result = gift.import_gift(db.session, None, BAD, target, on_error="skip")
    assert [bank.current_version(q).name for q in result.questions] == ["Good one",
                                                                        "Good two"]
    assert [(p.line, p.message[:14]) for p in result.skipped] == [
        (3, "The right opti"), (5, "The question t"), (7, "unclosed {")]
    assert count(db) == 2


def test_skip_with_nothing_good_is_still_refused(db, app):
    target = bank.create_category(db.session, None, "Inbox")
    with pytest.raises(bank.ImportRefused):
        gift.import_gift(db.session, None, "::Unclosed:: {=a ~b\n", target, on_error="skip")


# Moodle's own fixture files


def test_moodle_gift_fixture_imports_nine_questions(db, app):
    # import_export.feature: "Importing 9 questions from file".
    target = bank.create_category(db.session, None, "Inbox")
    text = FIXTURES.joinpath("questions.gift.txt").read_text(encoding="utf-8")
    result = gift.import_gift(db.session, None, text, target)
    versions = [bank.current_version(q) for q in result.questions]
    assert len(versions) == 9
    assert [v.qtype for v in versions] == [
        "essay", "matching", "single", "multiple", "numerical", "shortanswer", "truefalse",
        "truefalse", "truefalse"]
    match = versions[1]
    assert shown(match.text) == "Match the activity to the description."
    assert [p["prompt"] for p in match.data["pairs"]] == [
        "An activity supporting asynchronous discussions.",
        "A teacher asks a question and specifies a choice of multiple responses.",
        "A bank of record entries which participants can add to.",
        "A collection of web pages that anyone can add to or edit.", ""]
    assert [p["answer"] for p in match.data["pairs"]] == [
        "Forum", "Choice", "Database", "Wiki", "Chat"]
    numerical = versions[4].data["answers"]
    assert numerical == [
        {"value": "3", "tolerance": "2", "fraction": "1", "feedback": ""},
        {"value": "*", "tolerance": "0", "fraction": "0", "feedback": "Completely wrong"}]
    assert versions[5].data["answers"][2] == {"text": "*", "fraction": "0",
                                               "feedback": "Completely wrong"}
    truefalse = versions[6]
    assert truefalse.data == {"answer": False, "feedback_true": "42 is the Ultimate Answer.",
                              "feedback_false": "You gave the right answer."}
    assert shown(truefalse.general_feedback).startswith("This is, of course, a Hitchiker")
    assert [v.data["answer"] for v in versions[7:]] == [True, True]


def test_moodle_gift_fixture_in_a_category(db, app):
    text = FIXTURES.joinpath("questions_in_category.gift.txt").read_text(encoding="utf-8")
    result = gift.import_gift(db.session, None, text, None)
    assert [c.name for c in result.categories_created] == ["Default for New Features"]
    names = [bank.current_version(q).name for q in result.questions]
    assert names == ["Moodle activities", "Greeting", "Moodle user", "Moodle acronym"]
    greeting = bank.current_version(result.questions[1])
    html = str(render_markdown(greeting.text))
    assert 'href="http://demo.moodle.net/file.php/5/media/bonjour.mp3"' in html
    assert "What language is being spoken?" in shown(greeting.text)
    acronym = bank.current_version(result.questions[3])
    assert shown(acronym.text) == ("Moodle is an acronym for Modular Object-Oriented Dynamic "
                                   "Learning Environment.")


def test_moodle_aiken_error_fixture():
    # aikenformat_test::test_readquestions: three questions, errors on lines 3, 5, 7 and 18.
    text = FIXTURES.joinpath("aiken_errors.txt").read_text(encoding="utf-8")
    questions, problems = aiken.parse_aiken(text)
    assert [p.line for p in problems] == [3, 5, 7, 18]
    assert "at least two options" in problems[0].message
    assert "not started" in problems[1].message and "not started" in problems[2].message
    assert "not finished" in problems[3].message
    assert [shown(q.question.text) for q in questions] == [
        "A good question", "A second good question"]
    second = questions[1].question.data["options"]
    assert [(o["text"], o["fraction"]) for o in second] == [
        ("Incorrect (No space)", "0"), ("Correct (No space)", "1")]
    html_chars, problems = aiken.parse_aiken(
        "A third good question with HTML chars such as > < &\n"
        "A) Correct (< > &)\nB) Incorrect (< > &)\nANSWER: A\n")
    assert problems == []
    question = html_chars[0].question
    assert shown(question.text) == "A third good question with HTML chars such as > < &"
    assert question.data["options"][0]["text"] == "Correct (< > &)"


def test_moodle_aiken_fixture_keeps_html_as_text(db, app):
    target = bank.create_category(db.session, None, "Inbox")
    text = FIXTURES.joinpath("questions.aiken.txt").read_text(encoding="utf-8")
    result = aiken.import_aiken(db.session, None, text, target)
    assert len(result.questions) == 2
    second = bank.current_version(result.questions[1])
    assert shown(second.text) == ("Moodle's abilities include handling user input that "
                                  'includes <html class="cool"> & images:')
    exported, skipped = aiken.export_aiken(db.session, target)
    assert skipped == 0
    assert exported == text.replace("\n\n", "\n\n")


def test_escape_markdown_round_trips_through_the_renderer():
    for text in ("1. *Not* a list", "# not a heading", "a_b_c", "<b>x</b>", "a \\ b"):
        assert shown(textformat.plain_as_markdown(text)) == text


def test_description_pages_for_authors(client, auth, db, app, make_person):
    admin = make_person(("admin",))
    target = bank.create_category(db.session, None, "Inbox")
    result = gift.import_gift(db.session, None, "// [id:intro-1] [tag:cases]\n"
                                                 "::Intro::Read the case below.\n", target)
    db.session.commit()
    auth.login(admin)
    question_id = result.questions[0].id
    page = client.get(f"/author/bank/questions/{question_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Read the case below." in body and "never answered or scored" in body
    assert "intro-1" in body and "cases" in body and "Check this answer" not in body
    edit = client.get(f"/author/bank/questions/{question_id}/edit")
    assert edit.status_code == 200
    assert client.get("/author/bank/questions/new?type=description").status_code == 200
