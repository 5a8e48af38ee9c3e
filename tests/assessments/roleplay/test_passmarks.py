"""Scales with meaning: rubric levels evidence competency levels, pass marks are checked against
the rubric when either is saved (both directions), the editor says what a pass needs, and a
mentor's note reaches the agent whatever the outcome."""

from decimal import Decimal

import pytest

from assessments.roleplay.models import Scenario
from assessments.roleplay.services import grading, passmarks, rubrics, scenarios
from assessments.roleplay.services.passmarks import NeedsConfirmation
from assessments.roleplay.services.rubrics import CriterionData, LevelData
from lms.core.extensions import db
from tests.assessments.roleplay.conftest import ratings_for

S = db.session


def _levels(*points_and_levels):
    names = ("Missing", "Partly", "Solid", "Strong")
    return [LevelData(names[i], Decimal(p), "", lv)
            for i, (p, lv) in enumerate(points_and_levels)]


def _rubric(title="Scale", scale=((0, 1), (50, 2), (80, 3), (100, 5))):
    rubric = rubrics.create_rubric(S, None, title, "", [
        CriterionData("Empathy", Decimal(1), True, "", ["COMM-EMPATHY"], _levels(*scale)),
        CriterionData("Accuracy", Decimal(2), True, "", ["PROD-POLICY"], _levels(*scale)),
    ])
    S.commit()
    return rubric


def _data(rubric, mark, title="Refund transparency"):
    return scenarios.ScenarioData(title=title, rubric_id=rubric.id, situation="A return.",
                                  pass_mark=Decimal(mark))


def test_levels_carry_the_competency_level_they_evidence(defaults):
    rubric = _rubric()
    levels = rubric.current.criteria[0].levels
    assert [(lv.points, lv.competency_level) for lv in levels] == [
        (0, 1), (50, 2), (80, 3), (100, 5)]
    # Left blank, they spread evenly over 1–5; a higher level never evidences less.
    plain = rubrics.create_rubric(S, None, "Plain", "", [CriterionData(
        "Close", levels=[LevelData("No", Decimal(0)), LevelData("Some", Decimal(1)),
                         LevelData("Yes", Decimal(2))])])
    assert [lv.competency_level for lv in plain.current.criteria[0].levels] == [1, 3, 5]
    with pytest.raises(Exception, match="lower competency level"):
        rubrics.check_criterion(S, CriterionData("Bad", levels=[
            LevelData("Low", Decimal(0), "", 4), LevelData("High", Decimal(1), "", 2)]))
    with pytest.raises(Exception, match="1 to 5"):
        rubrics.check_criterion(S, CriterionData("Bad", levels=[
            LevelData("Low", Decimal(0), "", 0), LevelData("High", Decimal(1), "", 6)]))
    assert "competency_level" in rubrics.export_csv(rubric.current).splitlines()[0]


def test_a_pass_mark_the_expected_level_cannot_reach_asks_for_confirmation(defaults):
    # 0–3 points: "Solid" (2 of 3, the level evidencing 3) everywhere is 66.7, below 80.
    rubric = _rubric("Old scale", ((0, 1), (1, 2), (2, 3), (3, 5)))
    with pytest.raises(NeedsConfirmation) as refused:
        scenarios.save_scenario(S, None, None, _data(rubric, 80), confirmed=False)
    message = refused.value.message
    assert "scores 66.7, below the pass mark 80.0" in message and "“Solid”" in message
    assert "needs" in message and refused.value.field == "confirm"
    S.rollback()
    assert S.query(Scenario).count() == 0
    saved = scenarios.save_scenario(S, None, None, _data(rubric, 80), confirmed=True)
    assert saved.pass_mark == 80
    # A pass mark that fits needs no confirmation.
    scenarios.save_scenario(S, None, saved, _data(rubric, 66), confirmed=False)


def test_a_pass_mark_the_lowest_level_reaches_asks_for_confirmation(defaults):
    rubric = _rubric("Generous", ((40, 1), (60, 2), (80, 3), (100, 5)))
    with pytest.raises(NeedsConfirmation, match="lowest level on every criterion scores 40.0"):
        scenarios.save_scenario(S, None, None, _data(rubric, 40), confirmed=False)
    S.rollback()
    scenarios.save_scenario(S, None, None, _data(rubric, 50), confirmed=False)


def test_editing_the_rubric_checks_the_scenarios_using_it(defaults):
    rubric = _rubric()
    scenario = scenarios.save_scenario(S, None, None, _data(rubric, 80), confirmed=False)
    S.commit()
    # Lowering "Solid" to 60 points makes the expected level fail the scenario's 80.
    harsher = CriterionData("Accuracy", Decimal(2), True, "", ["PROD-POLICY"],
                            _levels((0, 1), (50, 2), (60, 3), (100, 5)))
    with pytest.raises(NeedsConfirmation, match=scenario.title):
        rubrics.save_criterion(S, None, rubric, 1, harsher, confirmed=False)
    S.rollback()
    assert [lv.points for lv in rubric.current.criteria[1].levels][2] == 80
    rubrics.save_criterion(S, None, rubric, 1, harsher, confirmed=True)
    assert [lv.points for lv in rubric.current.criteria[1].levels][2] == 60


@pytest.mark.parametrize("mark, sentence", [
    (80, "A pass (mark 80.0) needs at least “Solid” on every criterion."),
    (90, "A pass (mark 90.0) needs at least “Solid” on every other criterion and “Strong” "
         "on Accuracy."),
    (50, "A pass (mark 50.0) needs at least “Partly” on every criterion."),
    (0, "Any rating passes (mark 0.0): even the lowest level on every criterion."),
])
def test_what_a_pass_needs_in_words(defaults, mark, sentence):
    rubric = _rubric()
    assert passmarks.pass_needs(rubric.current.criteria, Decimal(mark)) == sentence


def test_the_demo_rubrics_fit_their_pass_marks(defaults):
    from assessments.roleplay.demo import install_demo_roleplays

    made = install_demo_roleplays(S)
    assert made
    for scenario in made.values():
        check = passmarks.check(S, scenario.rubric.current.criteria, scenario.pass_mark,
                                scenario.path_id)
        assert check.fits, (scenario.title, check.problems())


def test_the_editor_shows_what_a_pass_needs(client, auth, world):
    auth.login(world.admin)
    page = client.get(f"/roleplays/author/scenarios/{world.scenario.id}").get_data(
        as_text=True)
    assert "needs at least" in page and "below the pass mark 80.0" in page
    page = client.get(f"/roleplays/author/rubrics/{world.rubric.id}").get_data(as_text=True)
    assert "What a pass needs in the scenarios using this rubric" in page
    assert "Evidences competency level" in page


def test_the_mentors_note_is_shown_on_a_pass(client, auth, world, chat_submission):
    sub = chat_submission()
    grading.save_grade(S, world.mentor, sub, ratings_for(sub, [3, 3, 3]), "Well done.",
                       "Next time, offer the follow-up date before the customer asks.",
                       release=True)
    S.commit()
    assert sub.grades[0].passed
    auth.login(world.agent)
    page = client.get(f"/roleplays/submissions/{sub.id}").get_data(as_text=True)
    assert "Passed" in page and "Your mentor’s note for next time" in page
    assert "offer the follow-up date before the customer asks" in page
    auth.logout()
    auth.login(world.mentor)
    form = client.get(f"/roleplays/submissions/{sub.id}/grade").get_data(as_text=True)
    assert "Who sees what" in form and "whether the role-play passes or not" in form


def test_who_may_take_a_scenario(client, auth, world, defaults, make_person):
    from assessments.roleplay.services import submissions
    from lms.core.errors import DomainError

    senior = defaults["SENIOR"]
    data = scenarios.ScenarioData(
        title="Senior escalation", rubric_id=world.rubric.id, situation="An escalation.",
        path_id=senior.id, tier_only=True, pass_mark=Decimal(66),
        certificate_path_id=defaults["NEWHIRE"].id, certificate_rule="held")
    scenario = scenarios.save_scenario(S, None, None, data)
    scenarios.set_published(S, None, scenario, True)
    S.commit()
    refused = submissions.availability(S, scenario, world.agent)
    assert not refused.allowed and "tier" in refused.reason
    on_tier = make_person(tier_id=senior.id)
    refused = submissions.availability(S, scenario, on_tier)
    assert not refused.allowed and "you hold none" in refused.reason
    with pytest.raises(DomainError, match="you hold none"):
        submissions.start_chat(S, on_tier, scenario, "mentor")
    auth.login(on_tier)
    page = client.get(f"/roleplays/scenarios/{scenario.id}").get_data(as_text=True)
    assert "Who may take it" in page and "holders of a valid" in page
    assert "you hold none" in page
    S.rollback()
    with pytest.raises(Exception, match="Choose both"):
        scenarios.save_scenario(S, None, None, scenarios.ScenarioData(
            title="Half", rubric_id=world.rubric.id, situation="s", certificate_rule="held"))
