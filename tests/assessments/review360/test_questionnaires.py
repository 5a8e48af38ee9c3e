"""Questionnaires: competency tags, versions frozen once a cycle uses them, the admin page."""

import pytest

from assessments.review360.models import Questionnaire
from assessments.review360.services import questionnaires
from assessments.review360.services.questionnaires import ItemData
from lms.core.errors import DomainError
from lms.core.extensions import db


def test_default_templates_tag_every_statement(world):
    for questionnaire in db.session.query(Questionnaire):
        ratings = [i for i in questionnaire.current.items if i.kind == "rating"]
        assert len(ratings) >= 8
        assert all(i.competency_ids for i in ratings)
        assert any(i.kind == "comment" for i in questionnaire.current.items)
        assert all(i.translations.get("zh_Hans_CN", {}).get("text")
                   for i in questionnaire.current.items)


def test_a_used_version_is_frozen_and_editing_makes_the_next(world):
    questionnaire = world.subject.version.questionnaire
    used = world.subject.version
    assert used.in_use
    count = len(used.items)
    competency = used.items[0].competency_ids[0]
    questionnaires.add_item(db.session, world.hr, questionnaire,
                            ItemData("rating", "Offers a call-back time and keeps it.",
                                     (competency,)))
    db.session.commit()
    assert questionnaire.current.number == used.number + 1
    assert len(questionnaire.current.items) == count + 1
    assert len(used.items) == count  # the cycle's version is unchanged
    # The next edit goes to the new, unused version.
    questionnaires.remove_item(db.session, world.hr, questionnaire, 0)
    assert questionnaire.current.number == used.number + 1


@pytest.mark.parametrize("data, message", [
    (ItemData("rating", "No tags"), "at least one competency"),
    (ItemData("rating", "Unknown tag", (999999,)), "Unknown competency"),
    (ItemData("essay", "Kind?"), "rating statement or a comment"),
    (ItemData("comment", "  "), "required"),
    (ItemData("comment", "x" * 1001), "At most 1000"),
])
def test_bad_items_are_refused(world, data, message):
    questionnaire = world.subject.version.questionnaire
    with pytest.raises(DomainError, match=message):
        questionnaires.add_item(db.session, world.hr, questionnaire, data)
    db.session.rollback()
    assert questionnaire.current.number == 1


def test_admin_page_adds_an_item(world, client, auth, make_person):
    admin = make_person(roles=("admin",))
    questionnaire = world.subject.version.questionnaire
    auth.login(admin)
    url = f"/360/questionnaires/{questionnaire.id}"
    assert "Lets the customer finish" in client.get(url).get_data(as_text=True)
    competency = world.subject.version.items[0].competency_ids[0]
    bad = client.post(url + "/items", data={"kind": "rating", "text": "No tags"})
    assert bad.status_code == 422 and "at least one competency" in bad.get_data(as_text=True)
    ok = client.post(url + "/items", data={"kind": "rating", "text": "Keeps promises.",
                                           "text_zh": "信守承诺。",
                                           "competencies": [str(competency)]})
    assert ok.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Keeps promises." in page and "version 2" in page
    assert client.post(url + "/items/remove", data={"position": "x"}).status_code == 302
