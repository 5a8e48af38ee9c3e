"""Question bank services: categories, validation per type, versions, tags, the demo bank."""

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from assessments.quiz.models import (
    QUESTION_TYPES,
    Attempt,
    AttemptQuestion,
    Question,
    QuestionCategory,
    QuestionVersion,
    Quiz,
)
from assessments.quiz.services import bank, scoring, textformat
from assessments.quiz.services.bank import QuestionData
from lms.competencies.models import Competency
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError

VALID = {
    "single": {"options": [{"text": "Seven days", "fraction": "1", "feedback": "Yes"},
                           {"text": "Thirty days", "fraction": "0"}]},
    "multiple": {"options": [{"text": "Receipt", "fraction": "0.5"},
                             {"text": "Order number", "fraction": "0.5"},
                             {"text": "Photo", "fraction": "-1"}]},
    "truefalse": {"answer": True, "feedback_true": "Right", "feedback_false": "No"},
    "shortanswer": {"answers": [{"text": "RMA", "fraction": "1"},
                                {"text": "return*", "fraction": "0.5"}]},
    "numerical": {"answers": [{"value": "30", "tolerance": "1", "fraction": "1"},
                              {"value": "*", "fraction": "0", "feedback": "See policy"}]},
    "matching": {"pairs": [{"prompt": "Opening", "answer": "Good morning"},
                           {"prompt": "Closing", "answer": "Anything else?"},
                           {"prompt": "", "answer": "Go away"}]},
    "essay": {"response_hint": "Three sentences."},
    "description": {},
}


def data(qtype, **changes):
    return QuestionData(qtype=qtype, name=f"A {qtype} question", text="What is right?",
                        data=VALID[qtype], **changes)


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def category(app, db):
    made = bank.create_category(db.session, None, "Product knowledge")
    db.session.commit()
    return made


@pytest.fixture
def author(make_person):
    return make_person(("admin",), name="Ada Author")


# Categories


def test_categories_form_a_tree_with_unique_sibling_names(db, category, author):
    refunds = bank.create_category(db.session, author, "Returns and refunds", category)
    points = bank.create_category(db.session, author, "  Points   and loyalty ", category)
    bank.create_category(db.session, author, "Returns and refunds")  # same name, other parent
    assert points.name == "Points and loyalty"
    assert bank.path_label(refunds) == "Product knowledge › Returns and refunds"
    with pytest.raises(DomainError) as refused:
        bank.create_category(db.session, author, "returns AND refunds", category)
    assert refused.value.field == "name"
    with pytest.raises(DomainError):
        bank.create_category(db.session, author, "PRODUCT KNOWLEDGE")  # top level too
    with pytest.raises(DomainError):
        bank.create_category(db.session, author, "   ")
    tree = [(n.category.name, n.depth) for n in bank.category_tree(db.session)]
    assert tree == [("Product knowledge", 0), ("Points and loyalty", 1),
                    ("Returns and refunds", 1), ("Returns and refunds", 0)]


def test_a_category_cannot_move_inside_itself(db, category, author):
    child = bank.create_category(db.session, author, "Child", category)
    grandchild = bank.create_category(db.session, author, "Grandchild", child)
    with pytest.raises(DomainError) as refused:
        bank.update_category(db.session, author, category, "Product knowledge", grandchild)
    assert refused.value.field == "parent_id"
    bank.update_category(db.session, author, grandchild, "Moved", None, "now on top")
    assert grandchild.parent is None and grandchild.description == "now on top"


def test_only_empty_categories_are_deleted(db, category, author):
    child = bank.create_category(db.session, author, "Child", category)
    question = bank.create_question(db.session, author, child, data("single"))
    with pytest.raises(DomainError):
        bank.delete_category(db.session, author, category)  # has a subcategory
    bank.set_archived(db.session, author, question, True)
    with pytest.raises(DomainError):
        bank.delete_category(db.session, author, child)  # an archived question still counts
    empty = bank.create_category(db.session, author, "Empty", category)
    bank.delete_category(db.session, author, empty)
    db.session.commit()
    assert bank.find_category(db.session, ("Product knowledge", "Empty")) is None
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "question_category.delete")) is not None


@pytest.mark.parametrize("text, path", [
    ("a/b/c", ("a", "b", "c")),
    ("$course$/top/Product knowledge/Refunds", ("Product knowledge", "Refunds")),
    ("Sales//Service/Refunds", ("Sales/Service", "Refunds")),
    ("Product knowledge › Refunds", ("Product knowledge", "Refunds")),
    ("  spaced   name ", ("spaced name",)),
    ("top", ("top",)),
])
def test_category_paths(text, path):
    assert bank.parse_category_path(text) == path


@pytest.mark.parametrize("text", ["", "a/ /b", "/a", "$course$/"])
def test_bad_category_paths(text):
    with pytest.raises(DomainError):
        bank.parse_category_path(text)


def test_ensure_category_creates_what_is_missing(db, category, author):
    created = []
    leaf = bank.ensure_category(db.session, author, ("product KNOWLEDGE", "Refunds", "VIP"),
                                created)
    assert [c.name for c in created] == ["Refunds", "VIP"]
    assert bank.category_path(leaf)[0] is category
    assert bank.ensure_category(db.session, author, ("Product knowledge", "refunds", "vip")) \
        is leaf


# Questions


@pytest.mark.parametrize("qtype", QUESTION_TYPES)
def test_every_type_is_stored_normalised(db, category, author, qtype):
    question = bank.create_question(db.session, author, category, data(qtype))
    db.session.commit()
    version = bank.current_version(question)
    assert (version.number, version.qtype, version.created_by_id) == (1, qtype, author.id)
    if qtype in ("single", "multiple"):
        assert [o["id"] for o in version.data["options"]] == ["o1", "o2"] + (
            ["o3"] if qtype == "multiple" else [])
        assert all(isinstance(o["fraction"], str) for o in version.data["options"])
    if qtype == "matching":
        assert [p["id"] for p in version.data["pairs"]] == ["p1", "p2", "p3"]
    if qtype == "numerical":
        assert version.data["answers"][1] == {"value": "*", "tolerance": "0", "fraction": "0",
                                              "feedback": "See policy"}


def test_grades_are_exact_strings(db, category):
    question = bank.create_question(db.session, None, category, QuestionData(
        qtype="multiple", text="Pick", data={"options": [
            {"id": "a", "text": "A", "fraction": "0.3333333"},
            {"id": "b", "text": "B", "fraction": "0.33333330"},
            {"id": "c", "text": "C", "fraction": "0.3333333"},
            {"id": "d", "text": "D", "fraction": "-0.50"}]}))
    options = bank.current_version(question).data["options"]
    assert [o["fraction"] for o in options] == ["0.3333333", "0.3333333", "0.3333333", "-0.5"]
    assert scoring.score_response(bank.current_version(question),
                                  {"choices": ["a", "b", "c"]}) == 1


def options(*rows):
    return {"options": [dict(zip(("text", "fraction"), row, strict=True)) for row in rows]}


@pytest.mark.parametrize("qtype, parts, field", [
    ("single", options(("A", "1")), "options"),  # one option
    ("single", options(("A", "0.5"), ("B", "0")), "options"),  # nobody gets full marks
    ("single", options(("A", "1"), ("", "0")), "options-1-text"),
    ("single", options(("A", "1"), ("B", "abc")), "options-1-fraction"),
    ("single", options(("A", "1"), ("B", "1.5")), "options-1-fraction"),
    ("single", options(("A", "1"), ("B", "-2")), "options-1-fraction"),
    ("multiple", options(("A", "0.5"), ("B", "0.4")), "options"),  # adds up to 90 %
    ("multiple", options(("A", "0.5"), ("B", "0.5"), ("C", "0.5")), "options"),
    ("truefalse", {"answer": "yes"}, "answer"),
    ("shortanswer", {"answers": []}, "answers"),
    ("shortanswer", {"answers": [{"text": "a", "fraction": "0.5"}]}, "answers"),
    ("shortanswer", {"answers": [{"text": "a", "fraction": "1"},
                                 {"text": "b", "fraction": "-0.5"}]}, "answers-1-fraction"),
    ("numerical", {"answers": [{"value": "thirty", "fraction": "1"}]}, "answers-0-value"),
    ("numerical", {"answers": [{"value": "30", "tolerance": "-1", "fraction": "1"}]},
     "answers-0-tolerance"),
    ("numerical", {"answers": [{"value": "*", "fraction": "1"}]}, "answers"),
    ("matching", {"pairs": [{"prompt": "a", "answer": "1"}, {"prompt": "", "answer": "2"}]},
     "pairs"),
    ("matching", {"pairs": [{"prompt": "a", "answer": "1"}, {"prompt": "b", "answer": ""}]},
     "pairs-1-answer"),
    ("matching", {"pairs": [{"prompt": "a -> b", "answer": "1"},
                            {"prompt": "b", "answer": "2"}]}, "pairs-0-prompt"),
])
def test_bad_content_is_refused_beside_its_field(db, category, qtype, parts, field):
    before = count(db, Question)
    with pytest.raises(DomainError) as refused:
        bank.create_question(db.session, None, category, QuestionData(
            qtype=qtype, text="Q?", data=parts))
    assert refused.value.field == field
    assert count(db, Question) == before


@pytest.mark.parametrize("changes, field", [
    ({"text": "  "}, "text"),
    ({"text": "x" * 20001}, "text"),
    ({"name": "n" * 201}, "name"),
    ({"default_mark": Decimal(0)}, "default_mark"),
    ({"default_mark": Decimal("1.005")}, "default_mark"),
    ({"default_mark": "lots"}, "default_mark"),
    ({"difficulty": 6}, "difficulty"),
    ({"qtype": "cloze"}, "qtype"),
])
def test_bad_settings_are_refused(db, category, changes, field):
    with pytest.raises(DomainError) as refused:
        bank.create_question(db.session, None, category, replace(data("single"), **changes))
    assert refused.value.field == field


def test_a_question_without_a_name_is_named_from_its_text(db, category):
    question = bank.create_question(db.session, None, category, QuestionData(
        qtype="truefalse", text="**Loyalty points** expire after twelve months, unless the "
        "customer holds a VIP card.", data={"answer": True}))
    name = bank.current_version(question).name
    assert name.startswith("Loyalty points expire after twelve months") and len(name) <= 60


def test_editing_content_adds_a_version_and_settings_do_not(db, category, author, defaults):
    question = bank.create_question(db.session, author, category, data("single"))
    same = bank.edit_question(db.session, author, question, replace(data("single"),
                                                                     difficulty=5))
    assert same.number == 1 and question.difficulty == 5
    codes = {c.code: c.id for c in db.session.scalars(select(Competency))}
    v2 = bank.edit_question(db.session, author, question, replace(
        data("single"), text="What is right now?",
        competency_ids=(codes["PROD-POLICY"], codes["PROD-LINES"])))
    db.session.commit()
    assert [v.number for v in question.versions] == [1, 2]
    assert v2.text == "What is right now?" and question.versions[0].text == "What is right?"
    assert {link.competency_id for link in question.competency_links} == {
        codes["PROD-POLICY"], codes["PROD-LINES"]}
    edits = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "question.edit")).all()
    assert [e.details["version"] for e in edits] == [1, 2]


def test_type_changes_and_archived_edits_are_refused(db, category):
    question = bank.create_question(db.session, None, category, data("single"))
    with pytest.raises(DomainError) as refused:
        bank.edit_question(db.session, None, question, data("multiple"))
    assert refused.value.field == "qtype"
    bank.set_archived(db.session, None, question, True)
    with pytest.raises(DomainError):
        bank.edit_question(db.session, None, question, data("single"))
    bank.set_archived(db.session, None, question, False)
    assert bank.edit_question(db.session, None, question, replace(
        data("single"), name="Renamed")).number == 2


def test_unknown_competencies_are_refused(db, category):
    with pytest.raises(DomainError) as refused:
        bank.create_question(db.session, None, category, replace(data("essay"),
                                                                 competency_ids=(999,)))
    assert refused.value.field == "competency_ids"


def test_an_attempt_keeps_scoring_by_the_version_it_showed(db, category, make_person):
    question = bank.create_question(db.session, None, category, QuestionData(
        qtype="single", text="Within how many days may an unopened item be returned?",
        data={"options": [{"id": "a", "text": "7", "fraction": "1"},
                          {"id": "b", "text": "14", "fraction": "0"}]}))
    v1 = bank.current_version(question)
    person = make_person()
    quiz = Quiz(title="Returns")
    attempt = Attempt(quiz=quiz, person_id=person.id, number=1, started_at=clock.now())
    attempt.questions.append(AttemptQuestion(slot=1, version=v1, mark=Decimal(1),
                                             response={"choice": "a"}))
    db.session.add_all([quiz, attempt])
    db.session.commit()
    # The policy changed: 14 days is now right.
    v2 = bank.edit_question(db.session, None, question, QuestionData(
        qtype="single", text=v1.text,
        data={"options": [{"id": "a", "text": "7", "fraction": "0"},
                          {"id": "b", "text": "14", "fraction": "1"}]}))
    db.session.commit()
    assert v2.number == 2
    shown = db.session.scalar(select(AttemptQuestion))
    assert shown.version.number == 1
    assert scoring.score_response(shown.version, shown.response) == 1
    assert scoring.score_response(v2, shown.response) == 0
    assert bank.version_usage(db.session, question) == {1: 1}


def test_questions_in_lists_current_versions_with_filters(db, category):
    first = bank.create_question(db.session, None, category, replace(data("single"),
                                                                     name="Refund days"))
    bank.edit_question(db.session, None, first, replace(data("single"), name="Return days"))
    bank.create_question(db.session, None, category, replace(data("essay"), name="Greeting"))
    gone = bank.create_question(db.session, None, category, replace(data("truefalse"),
                                                                    name="Old"))
    bank.set_archived(db.session, None, gone, True)
    listed = bank.questions_in(db.session, category)
    assert [(v.name, v.number) for _q, v in listed] == [("Greeting", 1), ("Return days", 2)]
    assert [v.name for _q, v in bank.questions_in(db.session, category, qtype="essay")] == [
        "Greeting"]
    assert [v.name for _q, v in bank.questions_in(db.session, None, search="RETURN")] == [
        "Return days"]
    assert [v.name for _q, v in bank.questions_in(db.session, category, archived=True)] == [
        "Old"]


def test_import_checks_everything_before_writing(db, category):
    good = bank.ParsedQuestion(line=1, question=data("single"))
    bad = bank.ParsedQuestion(line=7, question=QuestionData(
        qtype="single", text="Q", data=options(("A", "1"), ("B", "x"))),
        lines={"options-0": 8, "options-1": 9})
    unknown = bank.ParsedQuestion(line=12, question=data("essay"), competency_codes=("NOPE",),
                                  lines={"competency": 11})
    before = count(db, Question), count(db, QuestionCategory)
    with pytest.raises(bank.ImportRefused) as refused:
        bank.import_questions(db.session, None, [good, bad, unknown], category)
    assert [(p.line, p.message) for p in refused.value.problems] == [
        (9, "Enter a grade as a number."), (11, "unknown competency code NOPE")]
    assert str(refused.value.problems[0]) == "line 9: Enter a grade as a number."
    assert (count(db, Question), count(db, QuestionCategory)) == before


def test_decoding_uploads():
    assert bank.decode_upload("退款".encode()) == "退款"
    assert bank.decode_upload("\ufeffx".encode()) == "x"
    assert bank.decode_upload("退款".encode("utf-16")) == "退款"
    with pytest.raises(DomainError):
        bank.decode_upload("退款".encode("gb18030"))


def test_plain_text_survives_markdown():
    html = str(bank.question_html(textformat.escape_markdown("1. *Not* a list\n# not a heading")))
    assert "1. *Not* a list" in html and "# not a heading" in html
    assert "<ol" not in html and "<em>" not in html and "<h1>" not in html


# The demo bank


def test_demo_bank_is_a_real_exam_bank(db, defaults):
    categories = bank.install_demo_bank(db.session)
    db.session.commit()
    assert set(categories) == {
        "Service etiquette", "Product knowledge", "Product knowledge › Returns and refunds",
        "Product knowledge › Points and loyalty", "Emotion management",
        "Complaint handling (five steps)", "Complaint handling (five steps) › Written cases",
        "Digital tools"}
    versions = [bank.current_version(q) for q in db.session.scalars(select(Question))]
    assert len(versions) >= 40
    assert {v.qtype for v in versions} == set(QUESTION_TYPES) - {"description"}
    untagged = [v.name for v in versions if not v.question.competency_links]
    assert untagged == []
    for label, category in categories.items():
        questions = [v for _q, v in bank.questions_in(db.session, category)]
        if label.endswith("Written cases"):
            assert {v.qtype for v in questions} == {"essay"}
        else:
            # Random draws from these categories are graded automatically.
            assert len(questions) >= 5 and "essay" not in {v.qtype for v in questions}, label
    # Installing again changes nothing.
    assert bank.install_demo_bank(db.session) == categories
    assert count(db, Question) == len(versions)
    assert count(db, QuestionVersion) == len(versions)
