"""Improvement plans (the PDCA loop), opened by KPIs: a KPI below its target for the KPI's
number of periods in a row opens a plan for the person (the competencies the KPI informs, the
mentor as owner or else the manager, due in 30 days); a later period on target closes it as
recovered. Owners, HR and the person's managers add check-ins and may close a plan."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.kpis import periods
from lms.kpis.models import ImprovementCheckin, ImprovementPlan, KpiDefinition, KpiValue
from lms.people.models import Person
from lms.people.policy import is_in_reporting_line

PLAN_DAYS = 30
_SLICE = 900


def follow_kpis(session, latest: dict[int, date], people: set[int],
                today: date | None = None) -> tuple[int, int]:
    """Open and close plans for `people` after values of the KPIs in `latest` (KPI id → the
    latest period written) changed. Returns (opened, closed)."""
    today = today or clock.today()
    opened = closed = 0
    ids = sorted(people)
    for kpi_id, last in latest.items():
        kpi = session.get(KpiDefinition, kpi_id)
        if kpi is None or kpi.periods_below_for_plan <= 0:
            continue
        first = last
        for _n in range(kpi.periods_below_for_plan - 1):
            first = periods.preceding(first, kpi.period)
        for start in range(0, len(ids), _SLICE):
            part = ids[start:start + _SLICE]
            history = defaultdict(dict)
            for pid, period_start, value in session.execute(
                    select(KpiValue.person_id, KpiValue.period_start, KpiValue.value).where(
                        KpiValue.kpi_id == kpi.id, KpiValue.person_id.in_(part),
                        KpiValue.period_start >= first, KpiValue.period_start <= last)):
                history[pid][period_start] = Decimal(value)
            open_plans = {plan.person_id: plan for plan in session.scalars(
                select(ImprovementPlan).where(ImprovementPlan.kpi_id == kpi.id,
                                              ImprovementPlan.status == "open",
                                              ImprovementPlan.person_id.in_(part)))}
            for pid in part:
                values = history.get(pid, {})
                if last not in values:
                    continue
                if kpi.meets(values[last]):
                    if pid in open_plans:
                        close_plan(session, None, open_plans[pid], "kpi_recovered", today)
                        closed += 1
                    continue
                run, start_of = [], last
                while start_of in values and not kpi.meets(values[start_of]):
                    run.append((periods.label(start_of, kpi.period),
                                format(values[start_of].normalize(), "f")))
                    if len(run) == kpi.periods_below_for_plan:
                        break
                    start_of = periods.preceding(start_of, kpi.period)
                if len(run) >= kpi.periods_below_for_plan and pid not in open_plans:
                    _open(session, pid, kpi, run, today)
                    opened += 1
    session.flush()
    return opened, closed


def _open(session, person_id: int, kpi: KpiDefinition, run, today: date) -> ImprovementPlan:
    person = session.get(Person, person_id)
    plan = ImprovementPlan(
        person_id=person_id, kpi_id=kpi.id, trigger="kpi",
        detail={"values": list(reversed(run)), "target": format(kpi.target.normalize(), "f"),
                "direction": kpi.direction, "unit": kpi.unit},
        competency_ids=[link.competency_id for link in kpi.competencies],
        owner_id=person.mentor_id or person.manager_id, opened_on=today,
        due_on=today + timedelta(days=PLAN_DAYS), status="open", closed_reason="")
    session.add(plan)
    session.flush()
    audit.record(None, "improvement_plan.open", plan, person=person.employee_id, kpi=kpi.code)
    return plan


def may_update(actor, plan: ImprovementPlan) -> bool:
    """The owner, HR and administrators, and the person's managers up the line."""
    if actor.has_role("admin", "hr") or plan.owner_id == actor.id:
        return True
    return actor.has_role("manager") and is_in_reporting_line(plan.person, actor)


def add_checkin(session, actor, plan: ImprovementPlan, note: str) -> ImprovementCheckin:
    """A check-in note on an open plan; refuses an empty note and a closed plan."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Write what was done or agreed."), field="note")
    if plan.status != "open":
        raise DomainError(_("This plan is closed."))
    checkin = ImprovementCheckin(plan=plan, author_id=actor.id, note=note[:4000],
                                 at=clock.now())
    session.add(checkin)
    session.flush()
    return checkin


def close_plan(session, actor, plan: ImprovementPlan, reason: str,
               today: date | None = None) -> None:
    """Close an open plan ("kpi_recovered" when the KPI is back on target, "followed_up"
    when its owner closes it after the follow-up); refuses a closed plan."""
    if plan.status != "open":
        raise DomainError(_("This plan is closed."))
    plan.status, plan.closed_reason = "closed", reason
    plan.closed_on = today or clock.today()
    session.flush()
    audit.record(actor, "improvement_plan.close", plan, reason=reason)


def visible_plans(session, actor, people_filter) -> list[ImprovementPlan]:
    """The plans of the people `people_filter` (a condition on Person) selects: open ones
    first (the soonest due first), then the latest closed; at most 200."""
    query = (select(ImprovementPlan).join(Person, Person.id == ImprovementPlan.person_id)
             .where(people_filter))
    open_plans = session.scalars(query.where(ImprovementPlan.status == "open")
                                 .order_by(ImprovementPlan.due_on, ImprovementPlan.id)
                                 .limit(200)).all()
    closed = session.scalars(query.where(ImprovementPlan.status == "closed")
                             .order_by(ImprovementPlan.closed_on.desc(), ImprovementPlan.id)
                             .limit(max(0, 200 - len(open_plans)))).all()
    return [*open_plans, *closed]
