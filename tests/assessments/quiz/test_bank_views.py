"""Question bank screens: access as a table, every type through its form, errors beside their
fields, versions, uploads refused whole, exports, preview scoring, item analysis."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from assessments.quiz.models import (
    Attempt,
    AttemptQuestion,
    Question,
    QuestionCategory,
    QuestionVersion,
    Quiz,
)
from assessments.quiz.services import bank
from lms.competencies.models import Competency
from lms.core import clock

ACTORS = ("agent", "mentor", "author", "manager", "hr", "admin")
AUTHORS = ("author", "admin")


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def people(make_person, db):
    made = {}
    for role in ACTORS:
        roles = ("mentor",) if role in ("mentor", "author") else (role,)
        person = make_person(roles, name=f"The {role}", email=f"{role}@example.com")
        if role == "author":
            person.can_author = True
        made[role] = person
    db.session.commit()
    return made


@pytest.fixture
def sample(db, defaults):
    """A category with a single-choice question, and a quiz."""
    category = bank.create_category(db.session, None, "Product knowledge")
    question = bank.create_question(db.session, None, category, bank.QuestionData(
        qtype="single", name="Refund days", text="Within how many days?", data={"options": [
            {"id": "a", "text": "Seven", "fraction": "1", "feedback": "Right, seven."},
            {"id": "b", "text": "Thirty", "fraction": "0", "feedback": "The old rule."}]},
        general_feedback="See the returns policy."))
    empty = bank.create_category(db.session, None, "Empty")
    quiz = Quiz(title="New-hire exam")
    db.session.add(quiz)
    db.session.commit()
    return {"category": category.id, "question": question.id, "empty": empty.id,
            "quiz": quiz.id}


ROUTES = [
    ("GET", "/author/bank", None),
    ("GET", "/author/bank?category={category}", None),
    ("GET", "/author/bank?q=refund", None),
    ("GET", "/author/bank/categories/new", None),
    ("POST", "/author/bank/categories/new", {"name": "Digital tools"}),
    ("GET", "/author/bank/categories/{category}/edit", None),
    ("POST", "/author/bank/categories/{category}/edit", {"name": "Products"}),
    ("POST", "/author/bank/categories/{empty}/delete", {}),
    ("GET", "/author/bank/questions/new", None),
    ("GET", "/author/bank/questions/new?type=matching&category={category}", None),
    ("POST", "/author/bank/questions/new?type=truefalse",
     {"category_id": "{category}", "text": "Points expire.", "answer": "true",
      "default_mark": "1", "difficulty": "3"}),
    ("GET", "/author/bank/questions/{question}", None),
    ("POST", "/author/bank/questions/{question}", {"answer": "a"}),
    ("GET", "/author/bank/questions/{question}/edit", None),
    ("POST", "/author/bank/questions/{question}/archive", {"archived": "1"}),
    ("GET", "/author/bank/import", None),
    ("GET", "/author/bank/export?category={category}", None),
    ("GET", "/author/bank/analysis", None),
    ("GET", "/author/quizzes/{quiz}/analysis", None),
]


def fill(template, ids):
    return template.format(**ids) if isinstance(template, str) else template


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("method, url, form", ROUTES)
def test_access(client, auth, people, sample, actor, method, url, form):
    auth.login(people[actor])
    url = fill(url, sample)
    data = {k: fill(v, sample) for k, v in (form or {}).items()}
    response = client.open(url, method=method, data=data)
    if actor in AUTHORS:
        assert response.status_code in (200, 302), (response.status_code, url)
    else:
        assert response.status_code == 403, url


def test_signed_out_people_are_sent_to_sign_in(client, sample):
    response = client.get("/author/bank")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_navigation_offers_the_bank_to_authors_only(client, auth, people):
    auth.login(people["author"])
    assert "/author/bank" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(people["mentor"])
    assert "/author/bank" not in client.get("/").get_data(as_text=True)


# Creating every type


def rows(prefix, *rows):
    form = {}
    for i, row in enumerate(rows):
        for key, value in row.items():
            form[f"{prefix}-{i}-{key}"] = value
    return form


FORMS = {
    "single": rows("options", {"text": "Seven", "fraction": "100", "feedback": "Yes"},
                   {"text": "Thirty", "fraction": "0"}, {"text": "", "fraction": "0"}),
    "multiple": rows("options", {"text": "Receipt", "fraction": "50"},
                     {"text": "Order number", "fraction": "50%"},
                     {"text": "Photo", "fraction": "-100"}),
    "truefalse": {"answer": "false", "feedback_true": "No, card only.",
                  "feedback_false": "Right."},
    "shortanswer": {**rows("answers", {"text": "RMA", "fraction": "100"},
                           {"text": "return*", "fraction": "50", "feedback": "Nearly"}),
                    "case_sensitive": "y"},
    "numerical": rows("answers", {"value": "30", "tolerance": "2", "fraction": "100"},
                      {"value": "*", "fraction": "0", "feedback": "Check the policy"}),
    "matching": rows("pairs", {"prompt": "Opening", "answer": "Good morning"},
                     {"prompt": "Closing", "answer": "Anything else?"},
                     {"prompt": "", "answer": "Hold on"}),
    "essay": {"response_hint": "Three sentences."},
}
EXPECTED = {
    "single": {"options": [
        {"id": "o1", "text": "Seven", "fraction": "1", "feedback": "Yes"},
        {"id": "o2", "text": "Thirty", "fraction": "0", "feedback": ""}]},
    "multiple": {"options": [
        {"id": "o1", "text": "Receipt", "fraction": "0.5", "feedback": ""},
        {"id": "o2", "text": "Order number", "fraction": "0.5", "feedback": ""},
        {"id": "o3", "text": "Photo", "fraction": "-1", "feedback": ""}]},
    "truefalse": {"answer": False, "feedback_true": "No, card only.",
                  "feedback_false": "Right."},
    "shortanswer": {"answers": [
        {"text": "RMA", "fraction": "1", "feedback": ""},
        {"text": "return*", "fraction": "0.5", "feedback": "Nearly"}], "case_sensitive": True},
    "numerical": {"answers": [
        {"value": "30", "tolerance": "2", "fraction": "1", "feedback": ""},
        {"value": "*", "tolerance": "0", "fraction": "0", "feedback": "Check the policy"}]},
    "matching": {"pairs": [{"id": "p1", "prompt": "Opening", "answer": "Good morning"},
                           {"id": "p2", "prompt": "Closing", "answer": "Anything else?"},
                           {"id": "p3", "prompt": "", "answer": "Hold on"}]},
    "essay": {"response_hint": "Three sentences."},
}


def base_form(category_id, **extra):
    return {"category_id": str(category_id), "name": "", "text": "What is right?",
            "default_mark": "2", "difficulty": "4", "general_feedback": "Because.",
            "action": "save", **extra}


@pytest.mark.parametrize("qtype", list(FORMS))
def test_every_type_through_its_form(client, auth, db, people, sample, qtype):
    auth.login(people["author"])
    page = client.get(f"/author/bank/questions/new?type={qtype}&category={sample['category']}")
    assert page.status_code == 200
    response = client.post(f"/author/bank/questions/new?type={qtype}",
                           data=base_form(sample["category"], **FORMS[qtype]))
    assert response.status_code == 302, response.get_data(as_text=True)
    question = db.session.scalar(select(Question).order_by(Question.id.desc()))
    version = bank.current_version(question)
    assert (version.qtype, version.data) == (qtype, EXPECTED[qtype])
    assert (version.name, version.default_mark, question.difficulty) == (
        "What is right?", Decimal(2), 4)
    assert version.created_by_id == people["author"].id
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "What is right?" in shown and "Because." in shown


def test_the_type_is_chosen_first(client, auth, people, sample):
    auth.login(people["admin"])
    html = client.get("/author/bank/questions/new?category=1").get_data(as_text=True)
    for label in ("Single choice", "Multiple response", "True/false", "Short answer",
                  "Numerical", "Matching", "Essay"):
        assert label in html


@pytest.mark.parametrize("qtype, form, field, message", [
    ("multiple", rows("options", {"text": "Receipt", "fraction": "50"},
                      {"text": "Order", "fraction": "abc"}),
     "options-1-fraction", "Enter a grade as a number."),
    ("single", rows("options", {"text": "Seven", "fraction": "100"},
                    {"text": "", "fraction": "0"}, {"text": "Thirty", "fraction": "500"}),
     "options-2-fraction", "A grade must be between -100 % and 100 %."),
    ("numerical", rows("answers", {"value": "thirty", "fraction": "100"}),
     "answers-0-value", "Enter a number"),
    ("numerical", rows("answers", {"value": "30", "tolerance": "-1", "fraction": "100"}),
     "answers-0-tolerance", "cannot be negative"),
    ("matching", rows("pairs", {"prompt": "a", "answer": "1"}, {"prompt": "b", "answer": ""}),
     "pairs-1-answer", "Write the answer this prompt matches."),
])
def test_bad_rows_are_refused_beside_their_field(client, auth, db, people, sample, qtype,
                                                 form, field, message):
    auth.login(people["author"])
    before = count(db, Question)
    response = client.post(f"/author/bank/questions/new?type={qtype}",
                           data=base_form(sample["category"], **form))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error_at = html.index(f'id="{field}-error"')
    assert message in html[error_at:error_at + 300]
    assert count(db, Question) == before


@pytest.mark.parametrize("changes, field, message", [
    ({"text": ""}, "text", "This field is required."),
    ({"default_mark": "0"}, "default_mark", "The mark must be more than 0"),
    ({"default_mark": "many"}, "default_mark", "Enter the mark as a number."),
    ({"category_id": "9999"}, "category_id", "Not a valid choice"),
])
def test_bad_settings_are_refused_beside_their_field(client, auth, db, people, sample,
                                                     changes, field, message):
    auth.login(people["author"])
    response = client.post("/author/bank/questions/new?type=essay",
                           data={**base_form(sample["category"]), **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error_at = html.index(f'id="{field}-error"')
    assert message in html[error_at:error_at + 300]
    assert count(db, Question) == 1


def test_list_wide_errors_sit_in_the_rows_fieldset(client, auth, people, sample):
    auth.login(people["author"])
    response = client.post("/author/bank/questions/new?type=single", data=base_form(
        sample["category"], **rows("options", {"text": "A", "fraction": "50"},
                                   {"text": "B", "fraction": "0"})))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    legend = html.index("<legend>Options</legend>")
    assert "Give one option full marks" in html[legend:legend + 400]


def test_more_rows_keeps_what_was_typed(client, auth, people, sample):
    auth.login(people["author"])
    response = client.post("/author/bank/questions/new?type=single", data=base_form(
        sample["category"], action="more", **rows("options", {"text": "Kept", "fraction": "100"})))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Kept" in html
    assert 'name="options-3-text"' in html and 'name="options-4-text"' not in html


def test_editing_makes_a_version_and_past_attempts_keep_theirs(client, auth, db, people,
                                                               sample):
    auth.login(people["author"])
    edit = f"/author/bank/questions/{sample['question']}/edit"
    form_page = client.get(edit).get_data(as_text=True)
    assert "Seven</textarea>" in form_page and 'value="Right, seven."' in form_page
    unchanged = {"category_id": str(sample["category"]), "name": "Refund days",
                 "text": "Within how many days?", "default_mark": "1", "difficulty": "3",
                 "general_feedback": "See the returns policy.", "action": "save",
                 **rows("options", {"id": "a", "text": "Seven", "fraction": "100",
                                    "feedback": "Right, seven."},
                        {"id": "b", "text": "Thirty", "fraction": "0",
                         "feedback": "The old rule."})}
    response = client.post(edit, data=unchanged, follow_redirects=True)
    assert "its content did not change" in response.get_data(as_text=True)
    changed = dict(unchanged, **{"options-0-fraction": "0", "options-1-fraction": "100"})
    response = client.post(edit, data=changed, follow_redirects=True)
    assert "Question saved as version 2." in response.get_data(as_text=True)
    versions = db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.question_id == sample["question"]).order_by(QuestionVersion.number))
    first, second = versions
    assert first.data["options"][0]["fraction"] == "1"
    assert [o["id"] for o in second.data["options"]] == ["a", "b"]
    assert second.data["options"][1]["fraction"] == "1"
    old = client.get(f"/author/bank/questions/{sample['question']}?version=1")
    assert "You are looking at version 1; the current version is 2." in old.get_data(
        as_text=True)
    assert client.get(f"/author/bank/questions/{sample['question']}?version=7").status_code \
        == 404


def test_archive_and_restore(client, auth, db, people, sample):
    auth.login(people["author"])
    url = f"/author/bank/questions/{sample['question']}"
    client.post(f"{url}/archive", data={"archived": "1"})
    assert db.session.get(Question, sample["question"]).archived
    assert client.get(f"{url}/edit").status_code == 200
    response = client.post(f"{url}/edit", data={"action": "save"})
    assert response.status_code == 422
    listing = client.get(f"/author/bank?category={sample['category']}").get_data(as_text=True)
    assert "Refund days" not in listing
    archived = client.get(f"/author/bank?category={sample['category']}&archived=1")
    assert "Refund days" in archived.get_data(as_text=True)
    client.post(f"{url}/archive", data={"archived": "0"})
    assert not db.session.get(Question, sample["question"]).archived


def test_preview_scores_an_answer_without_saving(client, auth, db, people, sample):
    auth.login(people["author"])
    url = f"/author/bank/questions/{sample['question']}"
    html = client.post(url, data={"answer": "b"}).get_data(as_text=True)
    assert "This answer scores 0 %." in html and "The old rule." in html
    html = client.post(url, data={"answer": "a"}).get_data(as_text=True)
    assert "This answer scores 100 %." in html and "Right, seven." in html
    assert "See the returns policy." in html
    assert count(db, AttemptQuestion) == 0


# Categories


def test_categories(client, auth, db, people, sample):
    auth.login(people["author"])
    response = client.post("/author/bank/categories/new",
                           data={"name": "Returns and refunds",
                                 "parent_id": str(sample["category"])})
    assert response.status_code == 302
    child = bank.find_category(db.session, ("Product knowledge", "Returns and refunds"))
    assert child is not None
    response = client.post("/author/bank/categories/new",
                           data={"name": "returns AND refunds",
                                 "parent_id": str(sample["category"])})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is already a category called returns AND refunds here." in html
    # A category cannot move inside itself: its subtree is not offered, and a forged post fails.
    page = client.get(f"/author/bank/categories/{sample['category']}/edit").get_data(
        as_text=True)
    assert f'value="{child.id}"' not in page
    response = client.post(f"/author/bank/categories/{sample['category']}/edit",
                           data={"name": "Product knowledge", "parent_id": str(child.id)})
    assert response.status_code == 422
    response = client.post(f"/author/bank/categories/{sample['category']}/delete",
                           follow_redirects=True)
    assert "Move or delete its subcategories first." in response.get_data(as_text=True)
    client.post(f"/author/bank/categories/{sample['empty']}/delete")
    assert db.session.get(QuestionCategory, sample["empty"]) is None


# Import and export


GIFT = """$CATEGORY: Digital tools

::CRM::Where do you look up a customer's history?{=The CRM ~Your notes}

::Tickets::A ticket may be closed when the customer hangs up.{F}
"""


def upload(client, text, file_format="gift", category_id="", name="bank.gift"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/author/bank/import", data={
        "file": (io.BytesIO(data), name), "file_format": file_format,
        "category_id": str(category_id)}, content_type="multipart/form-data")


def test_gift_upload(client, auth, db, people, sample):
    auth.login(people["author"])
    response = upload(client, GIFT)
    assert response.status_code == 302
    category = bank.find_category(db.session, ("Digital tools",))
    assert [v.name for _q, v in bank.questions_in(db.session, category)] == ["CRM", "Tickets"]
    # GIFT carries no competencies: the author is warned and offered category tagging.
    assert response.headers["Location"].endswith("/author/bank/tagging")
    page = client.get("/author/bank/tagging").get_data(as_text=True)
    assert "evidence no competency" in page and "Digital tools" in page
    assert "2 questions without competencies" in page
    refused = client.post("/author/bank/tagging", data={"category_id": category.id})
    assert refused.status_code == 422 and "Choose at least one competency" in \
        refused.get_data(as_text=True)
    crm = db.session.scalar(select(Competency.id).order_by(Competency.id).limit(1))
    response = client.post("/author/bank/tagging", data={"category_id": category.id,
                                                         "competency_ids": [str(crm)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert all([link.competency_id for link in q.competency_links] == [crm]
               for q, _v in bank.questions_in(db.session, category))
    assert "Digital tools" not in client.get("/author/bank/tagging").get_data(as_text=True)


def test_a_malformed_upload_is_refused_whole_with_line_numbers(client, auth, db, people,
                                                               sample):
    auth.login(people["author"])
    before = count(db, Question), count(db, QuestionCategory)
    response = upload(client, GIFT + "\n::Bad:: Broken {=a ~b\n\n::W:: {=a ~%150%b}\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The file was not imported; nothing was changed." in html
    assert "line 7: unclosed {" in html and "line 9: a weight must be between" in html
    assert (count(db, Question), count(db, QuestionCategory)) == before


@pytest.mark.parametrize("raw, file_format, category, message", [
    ("Q?\nA. x\nB. y\nANSWER: B\n", "aiken", False, "Choose the category the questions go to."),
    ("Q?\nA. x\nANSWER: A\n", "aiken", True, "line 3: a question needs at least two options"),
    ("::Q:: 退款 {T}".encode("gb18030"), "gift", True, "not UTF-8"),
    (b"", "gift", True, "The file contains no questions."),
    ("::Q:: Hello {T}", "pdf", True, "Not a valid choice"),
])
def test_bad_uploads(client, auth, db, people, sample, raw, file_format, category, message):
    auth.login(people["author"])
    response = upload(client, raw, file_format, sample["category"] if category else "")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, Question) == 1


def test_uploads_over_the_limit_are_refused(client, auth, db, people, sample, monkeypatch):
    # The limit is 2 MB; a smaller one here keeps the test's request body in memory.
    from assessments.quiz.services import bank

    monkeypatch.setattr(bank, "UPLOAD_MAX_BYTES", 2048)
    auth.login(people["author"])
    response = upload(client, GIFT + "// " + "x" * 2048, "gift", sample["category"])
    assert response.status_code == 422
    assert "larger than 2 KB" in response.get_data(as_text=True)
    assert count(db, Question) == 1


def test_aiken_upload(client, auth, db, people, sample):
    auth.login(people["author"])
    response = upload(client, "Q?\nA. x\nB. y\nANSWER: B\n", "aiken", sample["empty"],
                      "bank.txt")
    assert response.status_code == 302
    (question,) = db.session.scalars(select(Question).where(
        Question.category_id == sample["empty"]))
    assert bank.current_version(question).data["options"][1]["fraction"] == "1"


def test_exports_download(client, auth, people, sample):
    auth.login(people["author"])
    response = client.get(f"/author/bank/export?category={sample['category']}")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="product-knowledge.gift.txt"'
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"  # one charset
    assert "::Refund days::[markdown]Within how many days?{" in response.get_data(as_text=True)
    response = client.get(f"/author/bank/export?category={sample['category']}&format=aiken")
    assert response.get_data(as_text=True) == (
        "Within how many days?\nA) Seven\nB) Thirty\nANSWER: A\n")
    assert client.get("/author/bank/export?category=999").status_code == 404


# Item analysis


def test_item_analysis_page(client, auth, db, people, sample):
    quiz = db.session.get(Quiz, sample["quiz"])
    version = bank.current_version(db.session.get(Question, sample["question"]))
    for n, person in enumerate(people.values()):
        right = n % 2 == 0
        attempt = Attempt(quiz=quiz, person_id=person.id, number=1, state="finished",
                          started_at=clock.now(), score=Decimal(100 if right else 0))
        attempt.questions.append(AttemptQuestion(
            slot=1, version=version, mark=Decimal(1), response={"choice": "a" if right else "b"},
            fraction=Decimal(1 if right else 0)))
        db.session.add(attempt)
    db.session.commit()
    auth.login(people["author"])
    index = client.get("/author/bank/analysis").get_data(as_text=True)
    assert "New-hire exam" in index and "<td>6</td>" in index
    html = client.get(f"/author/quizzes/{sample['quiz']}/analysis?attempts=all").get_data(
        as_text=True)
    assert "Refund days" in html and "Facility index" in html
    assert "<td>50</td>" in html  # facility, and each option's share
    assert "How often each option was chosen" in html
    assert client.get("/author/quizzes/999/analysis").status_code == 404


def test_idnumber_and_tags_are_edited_in_the_form(client, auth, db, people, sample):
    auth.login(people["author"])
    response = client.post("/author/bank/questions/new?type=essay", data=base_form(
        sample["category"], idnumber=" REF-1 ", tags="policy, refunds ,, Policy"))
    assert response.status_code == 302, response.get_data(as_text=True)
    first = db.session.scalar(select(Question).order_by(Question.id.desc()))
    assert (first.idnumber, first.tags) == ("REF-1", ["policy", "refunds"])
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "REF-1" in shown and "policy, refunds" in shown
    edit = client.get(f"/author/bank/questions/{first.id}/edit").get_data(as_text=True)
    assert 'value="REF-1"' in edit and 'value="policy, refunds"' in edit

    # A second question may not take the same ID number: said beside the field, nothing kept.
    before = count(db, Question)
    response = client.post("/author/bank/questions/new?type=essay",
                           data=base_form(sample["category"], idnumber="REF-1"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error_at = html.index('id="idnumber-error"')
    assert "already has the ID number REF-1" in html[error_at:error_at + 300]
    assert count(db, Question) == before
    response = client.post(f"/author/bank/questions/{sample['question']}/edit", data=base_form(
        sample["category"], idnumber="REF-1", **FORMS["single"]))
    assert response.status_code == 422
    assert db.session.get(Question, sample["question"]).idnumber is None

    # Emptying the fields clears them; the export carries what the form set.
    response = client.post(f"/author/bank/questions/{first.id}/edit",
                           data=base_form(sample["category"], idnumber="", tags=""))
    assert response.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Question, first.id).idnumber,
            db.session.get(Question, first.id).tags) == (None, [])
    client.post(f"/author/bank/questions/{sample['question']}/edit", data=base_form(
        sample["category"], idnumber="REF-2", tags="days", **FORMS["single"]))
    gift = client.get(f"/author/bank/export?category={sample['category']}&format=gift")
    assert "[id:REF-2] [tag:days]" in gift.get_data(as_text=True)
