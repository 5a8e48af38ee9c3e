"""The demo organisation's mystery-shopper programme."""

import pytest
from sqlalchemy import select

from assessments.review360.mystery.models import MysteryProgramme, MysteryVisit
from lms.core import clock
from lms.demo import DEMO_PASSWORD
from lms.kpis.models import KpiDefinition, KpiValue
from lms.people.models import Person


@pytest.fixture
def demo_org(db):
    """The demo organisation (the session's demo template); {employee_id: Person}."""
    return {p.employee_id: p for p in db.session.query(Person)}


def test_demo_runs_a_programme_with_answered_visits(demo_org, db, client, auth):
    programme = db.session.scalars(select(MysteryProgramme)).one()
    assert programme.team.name == "Hotline — Shanghai" and programme.feeds_360
    assert {s.language for s in programme.shoppers} == {"en", "zh_Hans_CN"}
    visits = db.session.scalars(select(MysteryVisit)).all()
    states = [v.state(clock.now()) for v in visits]
    assert states.count("answered") >= 5 and "invited" in states and "expired" in states
    agent = demo_org["E0101"]
    mine = next(v for v in visits if v.agent_id == agent.id)
    assert mine.status == "answered" and mine.score is not None
    assert {v.comment for v in visits if v.comment} == {
        "Friendly and quick; the refund timing was explained clearly.",
        "接待热情，退货政策讲解准确，结束语规范。"}
    value = db.session.scalar(select(KpiValue.value).join(KpiDefinition).where(
        KpiDefinition.code == "MYSTERY", KpiValue.person_id == agent.id,
        KpiValue.period_start == mine.month))
    assert value == mine.score
    zh = db.session.scalar(select(KpiDefinition).where(KpiDefinition.code == "MYSTERY"))
    assert zh.translation("name", "zh_Hans_CN") == "神秘顾客得分"
    auth.login(agent, password=DEMO_PASSWORD)
    page = client.get(f"/mystery/visits/{mine.id}")
    assert page.status_code == 200 and "Policy accuracy" in page.text


def test_demo_shows_an_edited_item_with_its_earlier_wording(demo_org, db):
    """HR sharpened the refund item before this month: last months' answers keep the
    wording they were given under, this month's visit answered its successor."""
    from assessments.review360.mystery.models import MysteryAnswer, MysteryItem

    successor = db.session.scalar(select(MysteryItem).where(MysteryItem.replaces_id.is_not(None)))
    assert successor.active and "the bank then takes" in successor.text
    earlier = successor.replaces
    assert not earlier.active and earlier.position == successor.position
    months = {item_id: {a.visit.month for a in db.session.scalars(
        select(MysteryAnswer).where(MysteryAnswer.item_id == item_id))}
        for item_id in (earlier.id, successor.id)}
    assert months[earlier.id] and months[successor.id]
    assert max(months[earlier.id]) < min(months[successor.id])
