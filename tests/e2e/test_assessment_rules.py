"""Browser journey (#19): an admin weighs knowledge checks on the evidence weights screen with
a reason; deleting a criterion that leaves a scenario's pass mark unreachable asks for
confirmation with the sentence and changes nothing until confirmed; the 360 cycle and quiz
settings state who may be evaluated, rate or take them. The pages pass the accessibility
checks, in Chinese too."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assessments.quiz.models import Quiz
from assessments.roleplay.models import Rubric
from assessments.roleplay.services import rubrics, scenarios
from assessments.roleplay.services.rubrics import CriterionData, LevelData
from lms.competencies.services.evidence import kind_weight
from lms.core.extensions import db
from tests.e2e.pages import flash_messages, login_as, switch_language

pytestmark = pytest.mark.e2e


def _generous_rubric(app) -> int:
    """A rubric whose second criterion carries the pass: without it "Solid" scores 70 < 80."""
    with app.app_context():
        rubric = rubrics.create_rubric(db.session, None, "Browser rubric", "", [
            CriterionData("Empathy", Decimal(1), True, "", ["COMM-EMPATHY"], [
                LevelData("Missing", Decimal(0), "", 1), LevelData("Partly", Decimal(50), "", 2),
                LevelData("Solid", Decimal(70), "", 3),
                LevelData("Strong", Decimal(100), "", 5)]),
            CriterionData("Accuracy", Decimal(1), True, "", ["PROD-POLICY"], [
                LevelData("Wrong", Decimal(0), "", 1), LevelData("Right", Decimal(100), "", 3)]),
        ])
        scenarios.save_scenario(db.session, None, None, scenarios.ScenarioData(
            title="Browser scenario", rubric_id=rubric.id, situation="A return.",
            pass_mark=Decimal(80)), confirmed=False)
        db.session.commit()
        rubric_id = rubric.id
        db.session.remove()
        return rubric_id


def test_weights_confirmations_and_who_may(page, app):
    rubric_id = _generous_rubric(app)
    login_as(page, "admin")
    page.goto("/admin/framework/evidence-weights")
    form = page.raw.locator("form.form")
    form.get_by_label("Evidence kind").select_option("quiz_check")
    form.get_by_label("Weight in the competency profile (0–100)").fill("0.5")
    form.get_by_label("Reason (kept in the audit log)").fill("Checks now drawn from the bank")
    page.click(form.get_by_role("button", name="Save the weight"))
    assert any("competency levels were recomputed" in m for m in flash_messages(page))
    with app.app_context():
        assert kind_weight(db.session, "quiz_check") == Decimal("0.5")
        db.session.remove()
    # Deleting Accuracy would leave "Solid" everywhere below the pass mark: asked first.
    page.goto(f"/roleplays/author/rubrics/{rubric_id}")
    page.click(page.raw.get_by_role("button", name="Delete Accuracy"))
    expect(page.heading()).to_have_text("Confirm the rubric change")
    expect(page.raw.get_by_role("alert")).to_contain_text("needs at least")
    with app.app_context():
        assert len(db.session.get(Rubric, rubric_id).current.criteria) == 2
        db.session.remove()
    page.click(page.raw.get_by_role("button", name="Save anyway"))
    assert "Rubric updated." in flash_messages(page)
    with app.app_context():
        assert [c.title for c in db.session.get(Rubric, rubric_id).current.criteria] == \
            ["Empathy"]
        exam_id = db.session.scalar(select(Quiz.id).where(Quiz.closed_book.is_(True)))
        db.session.remove()
    page.goto("/360/cycles/new")
    expect(page.raw.get_by_text("Who may rate as a peer")).to_be_visible()
    page.goto(f"/author/quizzes/{exam_id}/settings")
    expect(page.raw.get_by_label("Stage of the path")).to_be_visible()
    switch_language(page, "简体中文")
    page.goto("/admin/framework/evidence-weights")
    expect(page.heading()).to_have_text("证据权重")
    page.goto(f"/author/quizzes/{exam_id}")
    expect(page.raw.get_by_text("谁可以参加")).to_be_visible()
