"""The improvement loop from 360 evaluations: a closed cycle rating competencies below the
loop's weak level (a setting) opens exactly one plan on them, owned by the manager when there
is no mentor, with the next 360 as its follow-up; a later result with no weak competency
closes it. Raising or lowering the weak level changes what opens a plan."""

from decimal import Decimal

from sqlalchemy import select

from assessments.review360.services import cycles
from assessments.review360.services import plans as review_plans
from lms.core.extensions import db
from lms.kpis.models import ImprovementPlan
from lms.kpis.services import plans
from tests.assessments.review360.conftest import answer, nominate_and_approve


def _rate_everyone(world, value: int) -> None:
    nominate_and_approve(world)
    answer(world, world.rater("self"), value)
    answer(world, world.rater("manager"), value)
    for peer in world.peers[:3]:
        answer(world, world.rater("peer", peer), value)
    for index in range(3):
        answer(world, world.rater("customer", email=f"c{index}@customer.example"), value)
    cycles.close_cycle(db.session, world.hr, world.cycle)
    db.session.commit()


def _plans(world):
    return db.session.scalars(select(ImprovementPlan).where(
        ImprovementPlan.person_id == world.subject_person.id)).all()


def test_weak_360_competencies_open_one_plan_and_a_good_next_360_closes_it(world):
    _rate_everyone(world, 2)          # 25 of 100: level 2 on the 1–5 scale, below 3
    [plan] = _plans(world)
    assert (plan.trigger, plan.owner_id, plan.status) == ("review360", world.manager.id, "open")
    assert plan.competency_ids
    [follow_up] = plan.follow_ups()
    assert (follow_up.kind, follow_up.reference_id) == ("review360", None)
    assert plan.triggers()[0]["weak_level"] == "3"
    review_plans.report_outcome(db.session, world.subject,
                                {cid: Decimal(4) for cid in plan.competency_ids})
    db.session.commit()
    db.session.refresh(plan)
    assert plan.status == "closed" and plan.closed_reason == "followed_up"


def test_the_weak_level_is_a_setting(world):
    plans.save_settings(db.session, world.hr, Decimal("1.5"), 30, 14)
    db.session.commit()
    _rate_everyone(world, 2)
    assert _plans(world) == []
