"""The improvement loop's hook for 360 evaluations: a closed cycle that rates one of the
person's competencies below the loop's weak level (a setting, 3 by default) opens or extends
their improvement plan on those competencies, with the next 360 as the follow-up; a later
cycle with no weak competency meets it."""

from decimal import Decimal

from assessments.review360.models import Subject
from lms.kpis.services import plans


def report_outcome(session, subject: Subject, levels: dict[int, Decimal]) -> None:
    """Tell the improvement loop about a subject's results (`levels`: competency id → the
    weighted level on the proficiency scale)."""
    if not levels:
        return
    weak_level = plans.plan_settings(session).weak_level
    weak = sorted(cid for cid, level in levels.items() if level < weak_level)
    cycle = subject.cycle
    trigger = plans.Trigger(
        kind="review360", competency_ids=weak,
        # Any later cycle is the follow-up: its reference is "the next 360", not this one.
        follow_up=plans.Step("review360", None, cycle.title, "/360",
                             plans.titles_of(cycle)),
        detail={"levels": {str(cid): format(levels[cid].normalize(), "f") for cid in weak},
                "weak_level": format(Decimal(weak_level).normalize(), "f")})
    plans.assessment_outcome(session, subject.person_id, trigger, passed=not weak)
