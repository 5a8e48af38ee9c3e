"""Editing the checklist: items are added in both languages and retired, never deleted;
reported visits keep their answers and scores."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from assessments.review360.mystery.models import MysteryItem
from assessments.review360.mystery.services import answers, checklists
from lms.competencies.models import Competency
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.core.extensions import db
from tests.assessments.review360.mystery.conftest import all_answers, report, schedule_now


def _data(**changes):
    values = {"section": "closing", "text": "Offered the satisfaction survey.",
              "text_zh": "邀请客户参加满意度调查。", "weight": Decimal(1), "competency_id": None}
    values.update(changes)
    return checklists.ItemData(**values)


@pytest.mark.parametrize("changes, field", [
    ({"section": "smalltalk"}, "section"),
    ({"text": "  "}, "text"),
    ({"weight": Decimal(0)}, "weight"),
    ({"weight": Decimal(101)}, "weight"),
    ({"competency_id": 999999}, "competency_id"),
])
def test_bad_items_are_refused(shop, changes, field):
    checklist = shop.programme.checklist
    before = len(checklist.items)
    with pytest.raises(DomainError) as refused:
        checklists.add_item(db.session, shop.hr, checklist, _data(**changes))
    assert refused.value.field == field
    db.session.rollback()
    assert len(checklist.items) == before


def test_only_hr_and_admins_edit(shop):
    with pytest.raises(DomainError):
        checklists.add_item(db.session, shop.manager, shop.programme.checklist, _data())


def test_added_and_retired_items_leave_reported_visits_alone(shop):
    checklist = shop.programme.checklist
    old, new = schedule_now(shop)
    report(old, all_answers(old, p0="no"))                   # 16 / 17
    competency = db.session.scalar(select(Competency).where(Competency.code == "ETQ-GREET"))
    added = checklists.add_item(db.session, shop.hr, checklist,
                                _data(competency_id=competency.id, weight=Decimal(3)))
    first = checklist.items[0]
    checklists.retire_item(db.session, shop.hr, first)
    db.session.commit()
    assert added.translation("text", "zh_Hans_CN") == "邀请客户参加满意度调查。"
    assert first not in checklist.active_items and db.session.get(MysteryItem, first.id)
    # The reported visit keeps its 12 answers, the retired item among them, and its score.
    assert len(old.answers) == 12 and old.score == Decimal("94.1176")
    assert sum(len(s.answers) for s in answers.sections(old)) == 12
    # The pending visit answers the checklist as it is now: the new item, not the retired one.
    posted = all_answers(new)
    assert str(added.id) in posted and str(first.id) not in posted
    with pytest.raises(DomainError):
        answers.parse_answers(new, {**posted, str(first.id): "yes"})
    assert report(new, all_answers(new, p12="no")) == Decimal("84.2105")   # 16 / 19
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("mystery.item%"))).all()
    assert sorted(actions) == ["mystery.item_add", "mystery.item_retire"]


def test_the_last_item_stays(shop):
    items = shop.programme.checklist.active_items
    for item in items[:-1]:
        checklists.retire_item(db.session, shop.hr, item)
    with pytest.raises(DomainError):
        checklists.retire_item(db.session, shop.hr, items[-1])


def test_hr_adds_an_item_through_the_page(shop, client, auth):
    auth.login(shop.hr)
    url = f"/mystery/checklists/{shop.programme.checklist_id}"
    page = client.get(url)
    assert page.status_code == 200 and "Policy accuracy" in page.text
    bad = client.post(url, data={"section": "closing", "text": "Survey", "weight": "0"})
    assert bad.status_code == 422 and "above 0" in bad.text
    good = client.post(url, data={"section": "closing", "text": "Offered the survey.",
                                  "text_zh": "邀请参加调查。", "weight": "1.5"})
    assert good.status_code == 302
    assert "Offered the survey." in client.get(url).text
