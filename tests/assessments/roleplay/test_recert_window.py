"""A role-play counts for recertification only when the agent performed it inside the
window before the certificate expires (as a quiz re-exam does), whenever it was graded."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from assessments.roleplay.kind import RoleplayKind
from assessments.roleplay.services import grading, scenarios, submissions
from certificates.models import Certificate, CertificationEvaluation, RecertificationSlot
from certificates.services import awards
from certificates.services.missing import describe_all
from lms.core import clock
from lms.core.extensions import db
from lms.paths.models import AssessmentSlot, CertificationPath
from tests.assessments.roleplay.conftest import ratings_for

S = db.session
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _scenario(world, title):
    scenario = scenarios.save_scenario(S, None, None, scenarios.ScenarioData(
        title=title, rubric_id=world.rubric.id, situation="A customer calls again.",
        opening_message="Hello?", calibration_share=Decimal(0)))
    scenarios.set_script(S, None, scenario, [scenarios.TurnData("OK, thank you.")])
    scenarios.set_published(S, None, scenario, True)
    S.commit()
    return scenario


def _perform_and_pass(world, scenario, graded_at=None):
    """The agent performs `scenario` now; the mentor releases a top grade at `graded_at`."""
    sub = submissions.start_chat(S, world.agent, scenario, "script")
    submissions.post_message(S, world.agent, sub, "I am sorry, let me help.")
    submissions.submit(S, world.agent, sub)
    S.commit()
    if graded_at is not None:
        clock.freeze(graded_at)
    grading.save_grade(S, world.mentor, sub, ratings_for(sub, [3, 3, 3]), release=True)
    S.commit()
    return sub


def _certificates(person):
    return S.scalars(select(Certificate).where(Certificate.person_id == person.id)
                     .order_by(Certificate.id)).all()


def test_observed_at_is_when_the_agent_performed_it_not_when_it_was_graded(world):
    clock.freeze(T0)
    _perform_and_pass(world, world.scenario, graded_at=T0 + timedelta(days=5))
    result = RoleplayKind().person_result(S, None, world.agent.id)
    assert result.observed_at.date() == T0.date()


def test_a_role_play_performed_before_the_window_does_not_renew(world):
    clock.freeze(T0)
    path = CertificationPath(code="PRACT", name="Practical path", position=9)
    path.slots.append(AssessmentSlot(code="PRACTICAL", label="Practical", kind="roleplay",
                                     reference="", pass_mark=Decimal(80)))
    S.add(path)
    S.flush()
    S.add(RecertificationSlot(path_id=path.id, code="REPLAY", label="Practical again",
                              kind="roleplay", reference="", pass_mark=Decimal(80)))
    world.agent.tier_id = path.id
    S.commit()
    _perform_and_pass(world, world.scenario)
    awards.evaluate_person(S, world.agent)
    S.commit()
    [first] = _certificates(world.agent)
    opens = first.expires_on - timedelta(days=90)  # the path's default recertification window
    # Performed the day before the window opened, graded inside it: it does not count.
    day_before = datetime.combine(opens - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    clock.freeze(day_before)
    _perform_and_pass(world, _scenario(world, "Points rule changed"),
                      graded_at=day_before + timedelta(days=3))
    awards.evaluate_person(S, world.agent)
    S.commit()
    assert len(_certificates(world.agent)) == 1
    evaluation = S.scalar(select(CertificationEvaluation).where(
        CertificationEvaluation.person_id == world.agent.id,
        CertificationEvaluation.path_id == path.id))
    assert evaluation.route == "recert" and not evaluation.eligible
    assert describe_all(evaluation.missing) == (
        f"Practical again was taken before the recertification window opened on "
        f"{opens.isoformat()}: take it again",)
    # Performed inside the window, it renews the certificate.
    clock.freeze(day_before + timedelta(days=10))
    _perform_and_pass(world, _scenario(world, "Refund transparency"))
    awards.evaluate_person(S, world.agent)
    S.commit()
    assert [c.route for c in _certificates(world.agent)] == ["initial", "recert"]
