"""The improvement loop's hooks for role-plays: a failed role-play opens (or extends) the
person's improvement plan on the competencies the grade scored below the pass mark, with the
scenario to perform again as the follow-up, and a later pass meets it. Scenarios tagged with
a plan's weak competencies are assigned to the person as practice."""

from sqlalchemy import select

from assessments.roleplay.models import Grade, Scenario, ScenarioCompetency, Submission
from lms.kpis.services import plans

# At most this many scenarios are assigned per plan update: practice, not a syllabus.
MAX_SCENARIOS = 3


def _step(scenario: Scenario) -> plans.Step:
    return plans.Step("scenario", scenario.id, scenario.title,
                      f"/roleplays/scenarios/{scenario.id}", plans.titles_of(scenario))


def report_outcome(session, submission: Submission, grade: Grade, weak) -> None:
    """Tell the improvement loop about a role-play's final grade (`weak`: its
    (competency, score) pairs below the pass mark)."""
    if grade.passed is None or grade.role == "calibration":
        return
    scenario = submission.scenario
    step = _step(scenario)
    trigger = plans.Trigger(
        kind="roleplay", competency_ids=[competency.id for competency, _score in weak],
        follow_up=plans.Step("roleplay", scenario.id, step.title, step.url, step.titles),
        detail={"score": format(grade.score.normalize(), "f") if grade.score is not None
                else ""})
    plans.assessment_outcome(session, submission.person_id, trigger, grade.passed)


@plans.plan_assigner
def assign_scenarios(session, targets: list[plans.PlanTarget],
                     competency_ids: list[int]) -> dict[int, list[plans.Step]]:
    """Published scenarios tagged with the new weak competencies, shown on each plan as
    assigned (a scenario needs no enrolment: the plan's link is the assignment)."""
    tagged = select(ScenarioCompetency.scenario_id).where(
        ScenarioCompetency.competency_id.in_(competency_ids))
    # MAX_SCENARIOS for every plan once its own retake is left out: at most as many more.
    retakes = {target.id: {ref for kind, ref in target.follow_ups if kind == "roleplay"}
               for target in targets}
    found = session.scalars(select(Scenario).where(
        Scenario.id.in_(tagged), Scenario.published.is_(True))
        .order_by(Scenario.id).limit(MAX_SCENARIOS + max(map(len, retakes.values()),
                                                         default=0))).all()
    # The scenario to perform again is the follow-up already, not practice besides it.
    return {target.id: [_step(scenario) for scenario in found
                        if scenario.id not in retakes[target.id]][:MAX_SCENARIOS]
            for target in targets}
