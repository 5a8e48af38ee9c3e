"""The improvement loop from role-plays: a failed role-play opens exactly one plan on the
competencies the grade scored below the pass mark, owned by the mentor, with the scenarios
tagged with them shown as assigned; performing the scenario again with a pass closes it. Only
the person, their mentor and manager (and HR) see the plan; it shows on My path, the team
page and the mentor's to-do list."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from assessments.roleplay.services import grading, scenarios
from lms.competencies.models import Competency
from lms.core.extensions import db
from lms.kpis.models import ImprovementPlan
from tests.assessments.roleplay.conftest import ratings_for

S = db.session


def _plans(person):
    return S.scalars(select(ImprovementPlan).where(ImprovementPlan.person_id == person.id)).all()


@pytest.fixture
def practice_scenario(world):
    """A second published scenario that trains empathy."""
    empathy = S.scalar(select(Competency).where(Competency.code == "COMM-EMPATHY"))
    scenario = scenarios.save_scenario(S, None, None, scenarios.ScenarioData(
        title="Refund transparency", rubric_id=world.rubric.id, persona="Mr Li",
        situation="Wants to know where the refund is.", opening_message="Where is it?",
        calibration_share=Decimal(0), competency_ids=[empathy.id]))
    scenarios.set_published(S, None, scenario, True)
    S.commit()
    return scenario


@pytest.fixture
def failed(world, chat_submission, practice_scenario):
    sub = chat_submission()
    grade = grading.save_grade(S, world.mentor, sub, ratings_for(sub, [0, 1, 0]),
                               note="Soothe first, then explain the policy.", release=True)
    S.commit()
    assert grade.passed is False
    return sub


def test_a_failed_roleplay_opens_one_plan_with_the_scenarios_assigned(
        world, failed, practice_scenario):
    [plan] = _plans(world.agent)
    assert (plan.trigger, plan.owner_id, plan.status) == ("roleplay", world.mentor.id, "open")
    codes = set(S.scalars(select(Competency.code).where(
        Competency.id.in_(plan.competency_ids))))
    assert codes == {"COMM-EMPATHY", "PROD-POLICY", "ETQ-GREET"}
    assert [(i.kind, i.reference_id) for i in plan.practice()] == [
        ("scenario", practice_scenario.id)]
    assert [(i.kind, i.reference_id) for i in plan.follow_ups()] == [
        ("roleplay", world.scenario.id)]


def test_passing_the_scenario_again_closes_the_plan(world, failed, chat_submission):
    again = chat_submission()
    grading.save_grade(S, world.mentor, again, ratings_for(again, [3, 3, 3]), release=True)
    S.commit()
    [plan] = _plans(world.agent)
    assert (plan.status, plan.closed_reason, plan.closed_in_time) == (
        "closed", "followed_up", True)


@pytest.mark.parametrize("who, status", [
    ("agent", 200), ("mentor", 200), ("manager", 200), ("admin", 200),
    ("mentor2", 403), ("other_agent", 403)])
def test_who_sees_a_roleplay_plan(client, auth, world, failed, who, status):
    [plan] = _plans(world.agent)
    auth.login(getattr(world, who))
    page = client.get(f"/plans/{plan.id}")
    assert page.status_code == status
    if status == 200:
        text = page.get_data(as_text=True)
        assert "Smart band will not sync" in text and "Refund transparency" in text


def test_the_plan_shows_on_my_path_the_team_page_and_the_mentors_todo(
        client, auth, world, failed):
    [plan] = _plans(world.agent)
    auth.login(world.agent)
    assert f"/plans/{plan.id}" in client.get("/my-path").get_data(as_text=True)
    auth.logout()
    auth.login(world.manager)
    assert f"/plans/{plan.id}" in client.get("/team").get_data(as_text=True)
    auth.logout()
    auth.login(world.mentor)
    home = client.get("/").get_data(as_text=True)
    assert "Check in on Agent 刘洋&#39;s improvement plan" in home
