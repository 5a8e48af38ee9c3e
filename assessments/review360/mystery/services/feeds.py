"""Where an answered visit's score goes: the KPI "mystery shopper score" (through the KPI
service, so it becomes evidence) and, where the programme says so, the customer group of
the agent's open 360 cycle."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from assessments.review360.models import Answer as Review360Answer
from assessments.review360.models import Cycle, Rater, Response, Subject
from assessments.review360.mystery.defaults import install_kpi
from assessments.review360.mystery.models import MysteryVisit
from assessments.review360.services import cycles
from assessments.review360.services import groups as rater_groups
from lms.core import clock
from lms.kpis.services.values import KpiPlan, KpiRow, import_values

SHOPPER_NAME = "Mystery shopper"


def month_score(session, agent_id: int, month) -> Decimal | None:
    """The mean score of the agent's answered visits of a month (every programme)."""
    mean = session.scalar(select(func.avg(MysteryVisit.score)).where(
        MysteryVisit.agent_id == agent_id, MysteryVisit.month == month,
        MysteryVisit.status == "answered", MysteryVisit.score.is_not(None)))
    if mean is None:
        return None
    return Decimal(str(mean)).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)


def write_kpi(session, visit: MysteryVisit) -> None:
    """Write the agent's MYSTERY value for the visit's month (replacing the month's earlier
    value) through the KPI import, which records the evidence and follows the plans."""
    value = month_score(session, visit.agent_id, visit.month)
    if value is None:
        return
    kpi = install_kpi(session)
    if not kpi.active:
        return
    row = KpiRow(0, visit.agent_id, kpi.id, visit.month, value)
    import_values(session, None, KpiPlan(rows=[row]), source="mystery",
                  file_name=f"mystery-visit-{visit.id}", reason="Mystery-shopper visit")


def open_subjects(session, agent_id: int) -> list[Subject]:
    """The agent's subjects in 360 cycles that take answers now and have a customer group."""
    subjects = session.scalars(select(Subject).join(Cycle).where(
        Subject.person_id == agent_id, Cycle.closed_at.is_(None),
        Subject.rated_as_manager.is_(False)))
    now = clock.now()
    return [s for s in subjects if cycles.accepting_responses(s.cycle, now)
            and "customer" in rater_groups.groups_for(s.rated_as_manager)
            and s.cycle.group("customer") is not None]


def feed_review360(session, visit: MysteryVisit, scores: dict) -> int:
    """Enter the visit as one customer-group answer in each of the agent's open 360 cycles:
    every rating statement tagged with a competency the checklist scored gets that score on
    the questionnaire's scale (half up), the others "cannot judge". The shopper counts as
    vouched for by whoever set up the programme (HR chose them, not the agent). Returns the
    cycles fed."""
    fed = 0
    for subject in open_subjects(session, visit.agent_id):
        version = subject.version
        low, high = version.scale_min, version.scale_max
        answers = []
        for item in version.items:
            if item.kind != "rating":
                continue
            matched = [scores[c] for c in item.competency_ids if c in scores]
            rating = None
            if matched:
                mean = sum(matched, Decimal(0)) / len(matched)
                rating = int((low + mean / 100 * (high - low)).quantize(
                    Decimal(1), rounding=ROUND_HALF_UP))
            answers.append(Review360Answer(item_id=item.id, rating=rating))
        if not any(a.rating is not None for a in answers):
            continue
        now = clock.now()
        programme = visit.programme
        rater = Rater(subject=subject, group="customer", external_name=SHOPPER_NAME,
                      external_email="", state="invited", invited_at=now,
                      confirmed_by_id=programme.created_by_id,
                      confirmed_at=now if programme.created_by_id else None)
        rater.response = Response(saved_at=now, submitted_at=now, answers=answers)
        session.add(rater)
        session.flush()
        visit.review360_rater_id = rater.id
        fed += 1
    return fed
