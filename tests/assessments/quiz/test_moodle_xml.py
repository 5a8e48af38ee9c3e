"""Moodle XML: every supported type read and written, categories, files, refusals with their
lines, detection by content, round trips with GIFT, the CLI and the import/export page."""

import base64
import io
import re
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assessments.quiz.models import Question, QuestionAttachment, QuestionCategory
from assessments.quiz.services import bank, formats, gift, moodlexml, scoring
from lms.core.markdown import html_to_text, render_markdown
from tests.assessments.quiz.test_gift import ROUND_TRIP, snapshot, without_ids

FIXTURES = Path(__file__).parent / "fixtures" / "moodle"
# A 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def shown(markdown: str) -> str:
    return html_to_text(str(render_markdown(markdown)))


def count(db, model=Question):
    return db.session.scalar(select(func.count()).select_from(model))


def version(question):
    return bank.current_version(question)


# Moodle's own fixtures, with what qformat_xml_import_export_test expects


def test_nested_categories_with_questions(db, app):
    text = FIXTURES.joinpath("nested_categories_with_questions.xml").read_text()
    result = moodlexml.import_moodle_xml(db.session, None, text, None)
    placed = {version(q).name: bank.path_label(q.category) for q in result.questions}
    assert placed == {"Iota Question": "Iota", "Kappa Essay Question": "Iota › Kappa",
                      "Kappa Question": "Iota › Kappa",
                      "Lambda Question": "Iota › Kappa › Lambda", "Mu Question": "Iota › Mu"}
    descriptions = {c.name: c.description for c in db.session.scalars(select(QuestionCategory))}
    assert descriptions == {"Iota": "This is Iota category for test",
                            "Kappa": "This is Kappa category for test",
                            "Lambda": "This is Lambda category for test",
                            "Mu": "This is Mu category for test"}
    iota = version(result.questions[0])
    assert iota.qtype == "truefalse" and iota.data["answer"] is True
    assert shown(iota.text) == "Testing Iota Question"


def test_html_characters_in_idnumbers(db, app):
    text = FIXTURES.joinpath("html_chars_in_idnumbers.xml").read_text()
    (question,) = moodlexml.import_moodle_xml(db.session, None, text, None).questions
    assert question.idnumber == "T & F"


# Every type, authored as Moodle writes it


EVERY_TYPE = textwrap.dedent("""\
    <?xml version="1.0" encoding="UTF-8"?>
    <quiz>
    <!-- question: 0  -->
      <question type="category">
        <category><text>$course$/top/Refunds</text></category>
        <info format="html"><text><![CDATA[<p>Returns &amp; refunds</p>]]></text></info>
      </question>
      <question type="multichoice">
        <name><text>Refund window</text></name>
        <questiontext format="html">
          <text><![CDATA[<p>Within how many days? <img src="@@PLUGINFILE@@/card%20front.png" alt="card"></p>]]></text>
          <file name="card front.png" path="/" encoding="base64">{png}</file>
        </questiontext>
        <generalfeedback format="moodle_auto_format"><text>See 2*3*4 rules.</text></generalfeedback>
        <defaultgrade>2.0000000</defaultgrade>
        <penalty>0.3333333</penalty>
        <hidden>0</hidden>
        <idnumber>REF-1</idnumber>
        <single>true</single>
        <answer fraction="100" format="html">
          <text><![CDATA[<p dir="ltr" style="text-align: left;">7 days &amp; receipt<br></p>]]></text>
          <feedback format="html"><text><![CDATA[<p>Right</p>]]></text></feedback>
        </answer>
        <answer fraction="50" format="plain_text">
          <text>14_days</text>
          <feedback format="html"><text></text></feedback>
        </answer>
        <answer fraction="0" format="html"><text>30 days</text></answer>
        <correctfeedback format="html"><text>Your answer is correct.</text></correctfeedback>
        <partiallycorrectfeedback format="html"><text>Partly.</text></partiallycorrectfeedback>
        <incorrectfeedback format="html"><text>No.</text></incorrectfeedback>
        <hint format="html"><text>Think of the receipt.</text></hint>
        <tags><tag><text>policy</text></tag><tag><text>refunds</text></tag></tags>
      </question>
      <question type="multichoice">
        <name><text>Proof</text></name>
        <questiontext format="html"><text>Which prove a purchase?</text></questiontext>
        <single>false</single>
        <answer fraction="50"><text>Receipt</text></answer>
        <answer fraction="50"><text>Order number</text></answer>
        <answer fraction="-100"><text>Photo</text></answer>
      </question>
      <question type="truefalse">
        <name><text>Points</text></name>
        <questiontext format="moodle_auto_format"><text>Points expire.</text></questiontext>
        <answer fraction="0"><text>true</text><feedback><text>They do not.</text></feedback></answer>
        <answer fraction="100"><text>false</text><feedback><text>Right.</text></feedback></answer>
      </question>
      <question type="shortanswer">
        <name><text>Field</text></name>
        <questiontext format="plain_text"><text>Which field holds the order?</text></questiontext>
        <usecase>1</usecase>
        <answer fraction="100"><text>order_id</text></answer>
        <answer fraction="50"><text>order*</text><feedback><text>Nearly.</text></feedback></answer>
      </question>
      <question type="numerical">
        <name><text>Distance</text></name>
        <questiontext format="markdown"><text>How **far** is the depot?</text></questiontext>
        <answer fraction="100"><text>1500</text><tolerance>50</tolerance></answer>
        <answer fraction="0"><text>*</text><tolerance>0</tolerance><feedback><text>No.</text></feedback></answer>
        <units>
          <unit><multiplier>1</multiplier><unit_name>m</unit_name></unit>
          <unit><multiplier>0.001</multiplier><unit_name>km</unit_name></unit>
        </units>
      </question>
      <question type="match">
        <name><text>Steps</text></name>
        <questiontext format="html"><text>Match the steps.</text></questiontext>
        <subquestion format="html"><text><![CDATA[<p>First</p>]]></text><answer><text>Listen</text></answer></subquestion>
        <subquestion format="html"><text><![CDATA[<p>Second</p>]]></text><answer><text>Soothe</text></answer></subquestion>
        <subquestion format="html"><text></text><answer><text>Shout</text></answer></subquestion>
      </question>
      <question type="essay">
        <name><text>Greeting</text></name>
        <questiontext format="html"><text>Describe your greeting.</text></questiontext>
        <responseformat>editor</responseformat>
      </question>
      <question type="description">
        <name><text>Case</text></name>
        <questiontext format="html"><text><![CDATA[<p>Read the case.</p>]]></text></questiontext>
        <defaultgrade>0</defaultgrade>
      </question>
    </quiz>
    """).replace("{png}", base64.b64encode(PNG).decode())  # noqa: E501 (XML as Moodle writes it)


def test_every_supported_type_is_read(db, app):
    result = moodlexml.import_moodle_xml(db.session, None, EVERY_TYPE, None,
                                         storage_dir=app.config["STORAGE_DIR"])
    by_name = {version(q).name: q for q in result.questions}
    assert [version(q).qtype for q in result.questions] == [
        "single", "multiple", "truefalse", "shortanswer", "numerical", "matching", "essay",
        "description"]
    assert bank.find_category(db.session, ("Refunds",)).description == "Returns & refunds"
    refund = by_name["Refund window"]
    v = version(refund)
    assert v.default_mark == 2 and refund.idnumber == "REF-1"
    assert refund.tags == ["policy", "refunds"]
    assert [(o["text"], o["fraction"], o["feedback"]) for o in v.data["options"]] == [
        ("7 days & receipt", "1", "Right"), ("14_days", "0.5", ""), ("30 days", "0", "")]
    assert v.data["penalty"] == "0.3333333" and v.data["hints"] == ["Think of the receipt."]
    assert v.data["combined_feedback"] == {"correctfeedback": "Your answer is correct.",
                                           "partiallycorrectfeedback": "Partly.",
                                           "incorrectfeedback": "No."}
    assert shown(v.general_feedback) == "See 2*3*4 rules."
    (attachment,) = db.session.scalars(select(QuestionAttachment)).all()
    assert (attachment.question_id, attachment.filename, attachment.content_type) == (
        refund.id, "card front.png", "image/png")
    assert bank.attachment_url(attachment.sha256, "card front.png") in v.text
    assert "@@PLUGINFILE@@" not in v.text
    multiple = version(by_name["Proof"]).data["options"]
    assert [o["fraction"] for o in multiple] == ["0.5", "0.5", "-1"]
    assert version(by_name["Points"]).data == {
        "answer": False, "feedback_true": "They do not.", "feedback_false": "Right."}
    short = version(by_name["Field"]).data
    assert short["case_sensitive"] is True
    assert scoring.score("shortanswer", short, {"text": "order_id"}) == 1
    distance = version(by_name["Distance"])
    assert shown(distance.text) == "How far is the depot?"
    assert distance.data["answers"][0] == {"value": "1500", "tolerance": "50",
                                           "fraction": "1", "feedback": ""}
    assert distance.data["units"] == [{"unit": "m", "multiplier": "1"},
                                      {"unit": "km", "multiplier": "0.001"}]
    for given, earned in (("1500", 1), ("1520 m", 1), ("1.5 km", 1), ("1.6km", 0), ("2 m", 0)):
        assert scoring.score("numerical", distance.data, {"text": given}) == earned, given
    pairs = version(by_name["Steps"]).data["pairs"]
    assert [(p["prompt"], p["answer"]) for p in pairs] == [
        ("First", "Listen"), ("Second", "Soothe"), ("", "Shout")]
    assert version(by_name["Case"]).qtype == "description"


def test_the_image_is_served_to_people_signed_in(db, app, client, auth, make_person):
    moodlexml.import_moodle_xml(db.session, None, EVERY_TYPE, None,
                                storage_dir=app.config["STORAGE_DIR"])
    db.session.commit()
    attachment = db.session.scalars(select(QuestionAttachment)).one()
    url = bank.attachment_url(attachment.sha256, attachment.filename)
    assert client.get(url).status_code in (302, 401)
    auth.login(make_person(("agent",)))
    response = client.get(url)
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    response.close()
    assert client.get(url.replace(attachment.sha256, "0" * 64)).status_code == 404


@pytest.mark.parametrize("body, line, message", [
    ('<question type="cloze"><name><text>C</text></name></question>', 3, "cloze"),
    ('<question type="calculated"><name><text>C</text></name></question>', 3,
     "calculated is not supported"),
    ('<question type="truefalse"><answer fraction="100"><text>maybe</text></answer>'
     '</question>', 3, "true or false"),
    ('<question type="numerical"><questiontext><text>Q</text></questiontext>'
     '<answer fraction="100"><text>ten</text></answer></question>', 3, "not a number"),
    ('<question type="multichoice"><questiontext><text>Q</text></questiontext>'
     '<answer fraction="100"><text>only one</text></answer></question>', 3,
     "Give at least two options"),
    ('<question type="description"><questiontext format="html"><text>Q</text>'
     '<file name="x.exe" encoding="base64">TVqQAAMAAAAEAAAA</file></questiontext>'
     '</question>', 3, "cannot be attached"),
])
def test_refused_questions_name_their_line_and_reason(db, app, body, line, message):
    good = ('<question type="truefalse"><name><text>Good</text></name>'
            '<questiontext><text>Fine?</text></questiontext>'
            '<answer fraction="100"><text>true</text></answer>'
            '<answer fraction="0"><text>false</text></answer></question>')
    source = f'<?xml version="1.0"?>\n<quiz>\n{good}\n\n{body}\n</quiz>\n'
    line += 2  # the refused question is on line 5
    target = bank.create_category(db.session, None, "Inbox")
    with pytest.raises(bank.ImportRefused) as refused:
        moodlexml.import_moodle_xml(db.session, None, source, target,
                                    storage_dir=app.config["STORAGE_DIR"])
    (problem,) = refused.value.problems
    assert problem.line == line and message in problem.message, problem
    assert count(db) == 0
    result = moodlexml.import_moodle_xml(db.session, None, source, target, on_error="skip",
                                         storage_dir=app.config["STORAGE_DIR"])
    assert [version(q).name for q in result.questions] == ["Good"]
    assert [p.line for p in result.skipped] == [line]


@pytest.mark.parametrize("source, message", [
    ('<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
     "<quiz>&x;</quiz>", "entities or a DTD"),
    ('<?xml version="1.0"?>\n<!DOCTYPE q [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n'
     "<quiz>&b;</quiz>", "entities or a DTD"),
    ('<?xml version="1.0"?>\n<quiz>\n<question type="truefalse">\n</quiz>',
     "not well-formed"),
    ('<?xml version="1.0"?>\n<questions/>', "starts with <quiz>"),
])
def test_malformed_or_dangerous_xml_is_refused(db, app, source, message):
    with pytest.raises(bank.ImportRefused) as refused:
        moodlexml.import_moodle_xml(db.session, None, source, None)
    assert message in refused.value.problems[0].message


# Detection


def test_format_detection_by_content():
    assert formats.detect_format(EVERY_TYPE) == "moodle-xml"
    assert formats.detect_format("\ufeff  <quiz></quiz>") == "moodle-xml"
    assert formats.detect_format(ROUND_TRIP) == "gift"
    assert formats.detect_format("Q?\nA) x\nB) y\nANSWER: A\n") == "aiken"
    assert formats.detect_format("::Q::What?{=a ~b}\n// ANSWER: A) here\n") == "gift"


def test_gift_reader_names_moodle_xml():
    questions, problems = gift.parse_gift(EVERY_TYPE)
    assert questions == [] and "Moodle XML" in problems[0].message and problems[0].line == 1


# Round trips


def test_gift_to_bank_to_moodle_xml_to_bank_to_gift_is_stable(db, defaults):
    first = gift.import_gift(db.session, None, ROUND_TRIP, None)
    db.session.commit()
    root = bank.find_category(db.session, ("Round trip",))
    gift_before = gift.export_gift(db.session, root)
    xml = moodlexml.export_moodle_xml(db.session, root)
    for question in first.questions:
        question.archived = True
    second = moodlexml.import_moodle_xml(db.session, None, xml, None)
    db.session.commit()
    assert second.categories_created == []
    assert snapshot(db, second.questions) == snapshot(db, first.questions)
    gift_after = gift.export_gift(db.session, root)
    assert without_ids(gift_after) == without_ids(gift_before)


def test_moodle_xml_round_trip_keeps_everything(db, app):
    storage = app.config["STORAGE_DIR"]
    first = moodlexml.import_moodle_xml(db.session, None, EVERY_TYPE, None,
                                        storage_dir=storage)
    db.session.commit()
    root = bank.find_category(db.session, ("Refunds",))
    xml = moodlexml.export_moodle_xml(db.session, root, storage)
    assert '<file name="card front.png" path="/" encoding="base64">' in xml
    assert "@@PLUGINFILE@@/card%20front.png" in xml
    assert "<idnumber>REF-1</idnumber>" in xml and "<text>policy</text>" in xml
    before = [(version(q).qtype, version(q).name, version(q).data, q.tags, q.idnumber)
              for q in first.questions]
    texts = [shown(version(q).text) for q in first.questions]
    for question in first.questions:
        question.archived = True
    second = moodlexml.import_moodle_xml(db.session, None, xml, None, storage_dir=storage)
    assert [(version(q).qtype, version(q).name, version(q).data, q.tags, q.idnumber)
            for q in second.questions] == before
    assert [shown(version(q).text) for q in second.questions] == texts
    # The copy exports to the same file (no question ids in Moodle XML).
    assert moodlexml.export_moodle_xml(db.session, root, storage) == xml


# The command line and the page


def test_cli_import_and_export_questions(db, app, runner, tmp_path):
    source = tmp_path / "bank.xml"
    source.write_text(EVERY_TYPE, encoding="utf-8")
    result = runner.invoke(args=["import-questions", str(source)])
    assert result.exit_code == 0, result.output
    assert "Read " in result.output and "as moodle-xml. Imported 8 questions" in result.output
    out = tmp_path / "out.xml"
    result = runner.invoke(args=["export-questions", "--bank", "Refunds", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>')
    result = runner.invoke(args=["export-questions", "--bank", "Refunds", "--format", "gift"])
    assert "$CATEGORY: Refunds" in result.output
    bad = tmp_path / "bad.gift"
    bad.write_text("::A:: Fine{T}\n\n::B:: Broken{=a ~b\n", encoding="utf-8")
    result = runner.invoke(args=["import-questions", str(bad), "--bank", "Inbox"])
    assert result.exit_code != 0 and "line 3: unclosed {" in result.output
    result = runner.invoke(args=["import-questions", str(bad), "--bank", "Inbox",
                                 "--on-error", "skip"])
    assert result.exit_code == 0, result.output
    assert "Imported 1 questions" in result.output and "line 3: unclosed {" in result.output
    result = runner.invoke(args=["import-questions", str(source), "--format", "gift"])
    assert result.exit_code != 0 and "Moodle XML" in result.output


def test_import_page_detects_and_skips(db, app, client, auth, make_person):
    auth.login(make_person(("admin",)))
    page = client.get("/author/bank/import")
    assert page.status_code == 200 and "Moodle XML" in page.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                     page.get_data(as_text=True))
    token = csrf.group(1) if csrf else ""
    response = client.post("/author/bank/import", data={
        "csrf_token": token, "file_format": "auto", "on_error": "stop",
        "file": (io.BytesIO(EVERY_TYPE.encode()), "bank.xml")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert count(db) == 8
    broken = "::A:: Fine{T}\n\n::B:: Broken{=a ~b\n"
    response = client.post("/author/bank/import", data={
        "csrf_token": token, "file_format": "auto", "on_error": "skip",
        "category_id": bank.find_category(db.session, ("Refunds",)).id,
        "file": (io.BytesIO(broken.encode()), "bank.gift")},
        content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "left out" in body and "line 3" in body
    assert count(db) == 9
    category = bank.find_category(db.session, ("Refunds",))
    export = client.get(f"/author/bank/export?category={category.id}&format=moodle-xml")
    assert export.status_code == 200 and export.mimetype == "application/xml"
    assert 'filename="refunds.xml"' in export.headers["Content-Disposition"]
    assert client.get(f"/author/bank/export?category={category.id}&format=qti").status_code \
        == 404
