"""Editing a checklist item in place: an unanswered item is changed directly; an answered one
is frozen (as a 360 questionnaire version is once used), so a change of its wording puts a
successor in its place and the answers keep the wording they were given under. Weight and
place change directly; a visit shows the weight each answer was given with. Bad input is
refused and changes nothing."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from assessments.review360.mystery.models import MysteryAnswer, MysteryItem
from assessments.review360.mystery.services import answers, checklists
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.core.extensions import db
from tests.assessments.review360.mystery.conftest import all_answers, report, schedule_now


def _data(item, **changes):
    values = {"section": item.section, "text": item.text,
              "text_zh": item.translation("text", "zh_Hans_CN") or "", "weight": item.weight,
              "competency_id": item.competency_id}
    values.update(changes)
    return checklists.ItemData(**values)


def _edits():
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "mystery.item_edit").order_by(AuditEntry.id)))


def test_an_unanswered_item_is_edited_in_place(shop):
    checklist = shop.programme.checklist
    item = checklist.active_items[1]
    kept = checklist.active_items[0]
    carrier = checklists.edit_item(db.session, shop.hr, item, _data(
        item, text="Spoke warmly and calmly.", text_zh="语气亲切平和。", weight=Decimal("1.5")),
        place=1)
    db.session.commit()
    assert carrier is item and item.active and item.replaces_id is None
    assert item.text == "Spoke warmly and calmly."
    assert item.translation("text", "zh_Hans_CN") == "语气亲切平和。"
    assert item.weight == Decimal("1.5")
    assert checklist.active_items[:2] == [item, kept]          # moved to the first place
    [entry] = _edits()
    assert entry.details["new_item_id"] is None and entry.details["changes"]["place"] == 1
    assert entry.details["changes"]["text_zh"] == ["整个服务过程中语气热情、礼貌。",
                                                   "语气亲切平和。"]


def test_an_answered_item_keeps_its_wording_for_its_answers(shop, client, auth):
    checklist = shop.programme.checklist
    old_visit, new_visit = schedule_now(shop)
    report(old_visit, all_answers(old_visit, p2="partly"))
    item = checklist.active_items[2]
    wording = item.text
    score = old_visit.score
    place = checklist.active_items.index(item)
    carrier = checklists.edit_item(db.session, shop.hr, item, _data(
        item, text="Verified my identity with two facts before discussing my account.",
        text_zh="在讨论我的账户前用两项信息核实了我的身份。", weight=Decimal(3)))
    db.session.commit()
    assert carrier is not item and carrier.replaces_id == item.id
    assert not item.active and item.text == wording and item.weight == Decimal(2)
    assert checklist.active_items[place] is carrier and carrier.weight == Decimal(3)
    answer = db.session.scalar(select(MysteryAnswer).where(
        MysteryAnswer.visit_id == old_visit.id, MysteryAnswer.item_id == item.id))
    assert answer.answer == "partly" and answer.weight == Decimal(2)
    assert old_visit.score == score
    # The pending visit answers the new wording; the old item is no longer asked.
    posted = all_answers(new_visit)
    assert str(carrier.id) in posted and str(item.id) not in posted
    auth.login(shop.hr)
    page = client.get(f"/mystery/visits/{old_visit.id}").get_data(as_text=True)
    assert wording in page and "two facts" not in page
    page = client.get(f"/mystery/checklists/{checklist.id}").get_data(as_text=True)
    assert "two facts" in page and wording not in page
    [entry] = _edits()
    assert entry.details["item_id"] == item.id and entry.details["new_item_id"] == carrier.id


def test_a_weight_change_of_an_answered_item_leaves_its_answers_alone(shop, client, auth):
    checklist = shop.programme.checklist
    visit, _other = schedule_now(shop)
    report(visit, all_answers(visit))
    item = checklist.active_items[0]
    carrier = checklists.edit_item(db.session, shop.hr, item, _data(item, weight=Decimal(4)))
    db.session.commit()
    assert carrier is item and item.active and item.weight == Decimal(4)
    rows = [row for section in answers.sections(visit) for row in section.answers]
    assert (item, "yes", Decimal(1)) in rows                    # the weight it was given with
    auth.login(shop.hr)
    assert client.get(f"/mystery/visits/{visit.id}").status_code == 200


@pytest.mark.parametrize("changes, place, field", [
    ({"section": "smalltalk"}, None, "section"),
    ({"text": "   "}, None, "text"),
    ({"weight": Decimal(0)}, None, "weight"),
    ({"weight": Decimal("1.005")}, None, "weight"),
    ({"weight": Decimal("NaN")}, None, "weight"),
    ({"competency_id": 999999}, None, "competency_id"),
    ({"text": "Fine."}, 0, "place"),
    ({"text": "Fine."}, 99, "place"),
])
def test_bad_edits_are_refused_and_change_nothing(shop, changes, place, field):
    checklist = shop.programme.checklist
    item = checklist.active_items[3]
    before = [(i.id, i.position, i.text, i.weight, i.active) for i in checklist.items]
    with pytest.raises(DomainError) as refused:
        checklists.edit_item(db.session, shop.hr, item, _data(item, **changes), place)
    assert refused.value.field == field
    db.session.rollback()
    assert [(i.id, i.position, i.text, i.weight, i.active) for i in checklist.items] == before
    assert _edits() == []


def test_retired_items_and_other_people_are_refused(shop):
    checklist = shop.programme.checklist
    item = checklist.active_items[0]
    with pytest.raises(DomainError):
        checklists.edit_item(db.session, shop.manager, item, _data(item, text="Mine now."))
    checklists.retire_item(db.session, shop.hr, item)
    with pytest.raises(DomainError):
        checklists.edit_item(db.session, shop.hr, item, _data(item, text="Back again."))


def test_the_edit_page_saves_and_refuses(app, shop, client, auth):
    app.config["WTF_CSRF_ENABLED"] = False
    checklist = shop.programme.checklist
    item = checklist.active_items[4]
    url = f"/mystery/checklists/{checklist.id}/items/{item.id}/edit"
    auth.login(shop.hr)
    page = client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "编辑检查项" in page and "尚无暗访回答过该检查项" in page
    form = {"section": item.section, "text": "Let me finish, then asked open questions.",
            "text_zh": "让我说完后再开放式提问。", "weight": "2", "competency_id": "",
            "place": "5"}
    bad = client.post(url, data={**form, "weight": "101"})
    assert bad.status_code == 422 and "A weight is above 0 and at most 100." in bad.get_data(
        as_text=True)
    db.session.expire_all()
    assert db.session.get(MysteryItem, item.id).text.startswith("Let me finish and asked")
    done = client.post(url, data=form)
    assert done.status_code == 302
    db.session.expire_all()
    edited = db.session.get(MysteryItem, item.id)
    assert edited.text == "Let me finish, then asked open questions."
    assert edited.competency_id is None
    auth.logout()
    auth.login(shop.manager)
    assert client.get(url).status_code in (403, 404)
