"""Rubric changes that make a scenario's pass mark misfit — a CSV import, deleting or moving a
criterion — ask for confirmation with the sentence saying what a pass needs; nothing changes
until the author confirms."""

import io
from decimal import Decimal

import pytest

from assessments.roleplay.models import Rubric
from assessments.roleplay.services import rubrics, scenarios
from assessments.roleplay.services.passmarks import NeedsConfirmation
from assessments.roleplay.services.rubrics import CriterionData, LevelData
from lms.core.extensions import db

S = db.session


@pytest.fixture
def generous(defaults):
    """Empathy's "Solid" scores 70 %, Accuracy's expected level 100 %: the expected level on
    both scores 85, which passes the scenario's 80. Without Accuracy it scores 70 and fails."""
    rubric = rubrics.create_rubric(S, None, "Generous", "", [
        CriterionData("Empathy", Decimal(1), True, "", ["COMM-EMPATHY"], [
            LevelData("Missing", Decimal(0), "", 1), LevelData("Partly", Decimal(50), "", 2),
            LevelData("Solid", Decimal(70), "", 3), LevelData("Strong", Decimal(100), "", 5)]),
        CriterionData("Accuracy", Decimal(1), True, "", ["PROD-POLICY"], [
            LevelData("Wrong", Decimal(0), "", 1), LevelData("Right", Decimal(100), "", 3)]),
    ])
    scenario = scenarios.save_scenario(S, None, None, scenarios.ScenarioData(
        title="Refund transparency", rubric_id=rubric.id, situation="A return.",
        pass_mark=Decimal(80)), confirmed=False)
    S.commit()
    return rubric, scenario


def _titles(rubric_id):
    S.expire_all()
    return [c.title for c in S.get(Rubric, rubric_id).current.criteria]


def test_deleting_a_criterion_asks_when_the_pass_mark_no_longer_fits(generous):
    rubric, scenario = generous
    with pytest.raises(NeedsConfirmation, match="“Solid”.* scores 70.0, below the pass mark"):
        rubrics.delete_criterion(S, None, rubric, 1, confirmed=False)
    S.rollback()
    assert _titles(rubric.id) == ["Empathy", "Accuracy"]
    rubrics.delete_criterion(S, None, rubric, 1, confirmed=True)
    S.commit()
    assert _titles(rubric.id) == ["Empathy"]


def test_moving_a_criterion_of_a_fitting_rubric_asks_nothing(generous):
    rubric, _scenario = generous
    rubrics.move_criterion(S, None, rubric, 1, -1, confirmed=False)
    S.commit()
    assert _titles(rubric.id) == ["Accuracy", "Empathy"]


def test_the_delete_button_shows_the_sentence_and_changes_nothing_until_confirmed(
        generous, client, auth, make_person):
    rubric, scenario = generous
    auth.login(make_person(("admin",)))
    url = f"/roleplays/author/rubrics/{rubric.id}/criteria/1/delete"
    page = client.post(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "Save anyway" in text
    assert "Refund transparency" in text and "needs at least" in text
    assert _titles(rubric.id) == ["Empathy", "Accuracy"]
    assert client.post(url, data={"confirm": "1"}).status_code == 302
    assert _titles(rubric.id) == ["Empathy"]


def test_a_csv_import_that_misfits_is_confirmed_with_the_file_carried(generous, client, auth,
                                                                      make_person):
    rubric, scenario = generous
    auth.login(make_person(("admin",)))
    only_empathy = "".join(line for line in rubrics.export_csv(rubric.current)
                           .splitlines(keepends=True) if not line.startswith("Accuracy"))
    url = f"/roleplays/author/rubrics/{rubric.id}/import"
    page = client.post(url, data={"file": (io.BytesIO(only_empathy.encode()), "r.csv")},
                       content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "Save anyway" in text and "needs at least" in text
    assert 'name="csv_text"' in text
    assert _titles(rubric.id) == ["Empathy", "Accuracy"]
    # Posting the carried text back without the confirmation still changes nothing.
    page = client.post(url, data={"csv_text": only_empathy})
    assert page.status_code == 422 and _titles(rubric.id) == ["Empathy", "Accuracy"]
    response = client.post(url, data={"csv_text": only_empathy, "confirm": "1"})
    assert response.status_code == 302
    assert _titles(rubric.id) == ["Empathy"]


def test_a_scenario_for_a_stage_of_a_path(world, defaults, client, auth):
    from assessments.roleplay.services import submissions

    newhire = defaults["NEWHIRE"]
    data = scenarios.ScenarioData(
        title="Drill", rubric_id=world.rubric.id, situation="A drill.", pass_mark=Decimal(66),
        stage_path_id=newhire.id, stage="training")
    scenario = scenarios.save_scenario(S, None, None, data)
    scenarios.set_published(S, None, scenario, True)
    S.commit()
    # The path has no required course here: the agent has finished its training.
    refused = submissions.availability(S, scenario, world.agent)
    assert not refused.allowed and "still in training" in refused.reason
    auth.login(world.admin)
    page = client.get(f"/roleplays/author/scenarios/{scenario.id}").get_data(as_text=True)
    assert "people still in training on the New hire" in page
    scenario.stage = "assessment"
    S.commit()
    assert submissions.availability(S, scenario, world.agent).allowed
