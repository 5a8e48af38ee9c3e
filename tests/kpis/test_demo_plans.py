"""The demo's improvement plans: open ones from different triggers (the demo agent's FCR
drop, a failed exam, failed role-plays, weak 360s), and mentor@ owns two of them in agent@'s
team, with their practice and follow-ups titled in both languages."""

import pytest
from sqlalchemy import select

from lms.kpis.models import ImprovementPlan
from lms.people.models import Person

ZH = "zh_Hans_CN"


@pytest.fixture
def demo_org(db):
    """The demo organisation by the local part of each e-mail address ("agent", "hr"…)."""
    return {p.email.split("@")[0]: p for p in db.session.scalars(select(Person))}


def test_the_demo_has_open_plans_from_different_triggers(db, demo_org):
    plans = db.session.scalars(select(ImprovementPlan).where(
        ImprovementPlan.status == "open")).all()
    assert {p.trigger for p in plans} >= {"kpi", "quiz", "roleplay", "review360"}
    mentor, agent = demo_org["mentor"], demo_org["agent"]
    owned = [p for p in plans if p.owner_id == mentor.id]
    assert {p.trigger for p in owned} >= {"kpi", "quiz"}
    assert {p.person.team_id for p in owned} == {agent.team_id}
    [own] = [p for p in owned if p.person_id == agent.id]
    assert own.trigger == "kpi"
    for plan in owned:
        assert plan.follow_ups() and plan.practice()
        assert all(item.translations.get(ZH, {}).get("title") for item in plan.items)
        # A scenario to retake is the follow-up, never also practice.
        retake = {i.reference_id for i in plan.follow_ups() if i.kind == "roleplay"}
        assert not retake & {i.reference_id for i in plan.practice() if i.kind == "scenario"}
