"""Improvement plans (the PDCA loop).

A plan opens for a person when a KPI stays below its target for the KPI's number of periods
in a row (`follow_kpis`), or when an assessment kind reports a failed certification exam, a
failed role-play or a weak 360 competency (`assessment_outcome`, which the kinds call: they
sit above this package). One open plan per person and competency: a trigger whose
competencies (or follow-up) an open plan already holds merges into it instead of opening a
second one.

Opening or merging asks every registered `plan_assigner` (courses, role-play) for practice on
the new competencies; the assigners enrol the person themselves. Plans open set-based
(`open_or_merge_many`; `open_or_merge` is its one-person case): a month in which tens of
thousands fall behind on a KPI opens their plans, items, practice and audit entries in a
fixed number of statements per slice of people. Each trigger adds a follow-up
(the exam or scenario to retake, the KPI to recover, the next 360); a pass meets it, and the
plan closes when every follow-up is met, "in time" when on or before its due date. Owners, HR
and the person's managers add check-ins and may close a plan by hand."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, insert, not_, or_, select
from sqlalchemy.orm import selectinload

from lms.core import audit, clock
from lms.core.database import among, insert_rows
from lms.core.errors import DomainError
from lms.kpis import periods
from lms.kpis.models import (
    ImprovementCheckin,
    ImprovementItem,
    ImprovementPlan,
    ImprovementSettings,
    KpiDefinition,
    KpiValue,
)
from lms.people.models import Person
from lms.people.policy import is_in_reporting_line

PLAN_DAYS = 30
_SLICE = 900


@dataclass(frozen=True)
class Step:
    """An item to add to a plan: what (kind and id), its title in the default language and
    its other languages ({locale: title}), and where the person does it."""

    kind: str
    reference_id: int | None
    title: str
    url: str = ""
    titles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Trigger:
    """Why a plan opens: the kind ("kpi", "quiz", "roleplay", "review360"), the weak
    competencies, the follow-up that closes it, and what the page shows of the result."""

    kind: str
    competency_ids: list[int]
    follow_up: Step
    detail: dict = field(default_factory=dict)


def titles_of(content, name: str = "title") -> dict[str, str]:
    """{locale: text} of a translated field of `content` (a `Translated` row), for a Step."""
    return {lang: fields[name] for lang, fields in (content.translations or {}).items()
            if fields.get(name)}


@dataclass(frozen=True)
class PlanTarget:
    """A plan as the practice assigners see it: its id, whose it is, when it is due and the
    follow-ups it holds ((kind, reference id) pairs, met or not)."""

    id: int
    person: Person
    due_on: date
    follow_ups: tuple[tuple[str, int | None], ...] = ()


PlanAssigner = Callable[..., dict[int, list[Step]]]
_assigners: list[PlanAssigner] = []


def plan_assigner(function: PlanAssigner) -> PlanAssigner:
    """Register `function(session, targets, competency_ids) -> {plan id: [Step]}`: practice
    on the same new weak competencies for many plans (`PlanTarget`s) at once, which the
    function assigns itself in statements per call, not per plan (refuses a duplicate)."""
    if function in _assigners:
        raise ValueError(f"plan assigner {function.__name__} is already registered")
    _assigners.append(function)
    return function


def plan_settings(session) -> ImprovementSettings:
    """The loop's settings (the defaults when none were saved)."""
    found = session.scalar(select(ImprovementSettings).order_by(ImprovementSettings.id))
    if found is None:
        found = ImprovementSettings(weak_level=3, plan_days=PLAN_DAYS, checkin_days=14)
    return found


def save_settings(session, actor, weak_level, plan_days: int, checkin_days: int) \
        -> ImprovementSettings:
    """Save the loop's settings; refuses a plan or check-in period under a day."""
    if plan_days < 1 or checkin_days < 1:
        raise DomainError(_("Give at least one day."), field="plan_days")
    found = session.scalar(select(ImprovementSettings).order_by(ImprovementSettings.id))
    if found is None:
        found = ImprovementSettings()
        session.add(found)
    found.weak_level, found.plan_days, found.checkin_days = weak_level, plan_days, checkin_days
    session.flush()
    audit.record(actor, "improvement_plan.settings", found, weak_level=str(weak_level),
                 plan_days=plan_days, checkin_days=checkin_days)
    return found


@dataclass
class _Draft:
    """A person's open plan while a batch of triggers is merged in: a plan loaded from the
    database (`plan`), or one this batch opens (`row`, inserted once the batch is decided)."""

    person: Person
    plan: ImprovementPlan | None
    row: dict
    waiting: set = field(default_factory=set)       # (kind, reference id) follow-ups unmet
    follow_ups: list = field(default_factory=list)  # (kind, reference id), met or not
    practice: set = field(default_factory=set)
    items: list = field(default_factory=list)       # (purpose, Step) to add
    new_competencies: list = field(default_factory=list)

    @classmethod
    def of(cls, plan: ImprovementPlan, person: Person) -> "_Draft":
        follow_ups = plan.follow_ups()
        return cls(person=person, plan=plan,
                   row={"competency_ids": list(plan.competency_ids or []),
                        "detail": dict(plan.detail or {})},
                   waiting={(item.kind, item.reference_id) for item in follow_ups
                            if item.met_on is None},
                   follow_ups=[(item.kind, item.reference_id) for item in follow_ups],
                   practice={(item.kind, item.reference_id) for item in plan.practice()})

    @property
    def id(self) -> int:
        return self.plan.id if self.plan is not None else self.row["id"]

    @property
    def due_on(self) -> date:
        return self.plan.due_on if self.plan is not None else self.row["due_on"]


def open_or_merge(session, person: Person, trigger: Trigger,
                  today: date | None = None) -> tuple[ImprovementPlan, bool]:
    """The person's open plan on any of the trigger's competencies (or waiting for the same
    follow-up), with the trigger merged in; else a new plan. Returns (plan, opened)."""
    [(plan_id, opened)] = open_or_merge_many(session, [(person, trigger)], today)
    return session.get(ImprovementPlan, plan_id), opened


def open_or_merge_many(session, triggers: list[tuple[Person, Trigger]],
                       today: date | None = None) -> list[tuple[int, bool]]:
    """What `open_or_merge` does for each (person, trigger), in order, set-based: the open
    plans read, the plans opened and their items, practice and audit entries written in a
    fixed number of statements per slice of people, whatever its size (a KPI import may
    open tens of thousands). Returns [(plan id, opened)] in the order of `triggers`."""
    today = today or clock.today()
    done: list[tuple[int, bool]] = []
    for start in range(0, len(triggers), _SLICE):
        done += _open_or_merge_slice(session, triggers[start:start + _SLICE], today)
    return done


def _open_or_merge_slice(session, triggers: list[tuple[Person, Trigger]],
                         today: date) -> list[tuple[int, bool]]:
    session.flush()
    people = {person.id: person for person, _trigger in triggers}
    drafts: dict[int, list[_Draft]] = defaultdict(list)
    for plan in session.scalars(
            select(ImprovementPlan).where(among(session, ImprovementPlan.person_id, people),
                                          ImprovementPlan.status == "open")
            .order_by(ImprovementPlan.id).options(selectinload(ImprovementPlan.items))):
        drafts[plan.person_id].append(_Draft.of(plan, people[plan.person_id]))
    due_on = today + timedelta(days=plan_settings(session).plan_days)
    decided = []
    for person, trigger in triggers:
        draft, opened = _merge(drafts[person.id], person, trigger, today, due_on)
        decided.append((draft, opened, trigger))
    opening = [draft for draft, opened, _t in decided if opened]
    _insert_plans(session, opening)
    touched = list({id(d): d for d, _o, _t in decided}.values())
    for draft in touched:
        if draft.plan is not None:
            draft.plan.competency_ids = draft.row["competency_ids"]
            draft.plan.detail = draft.row["detail"]
    session.flush()
    _assign_practice(session, touched)
    _insert_items(session, touched)
    audit.record_many(None, "improvement_plan.open", "ImprovementPlan", [
        (draft.id, _audit_details(draft.person, trigger))
        for draft, opened, trigger in decided if opened])
    audit.record_many(None, "improvement_plan.merge", "ImprovementPlan", [
        (draft.id, _audit_details(draft.person, trigger))
        for draft, opened, trigger in decided if not opened])
    return [(draft.id, opened) for draft, opened, _t in decided]


def _merge(drafts: list[_Draft], person: Person, trigger: Trigger, today: date,
           due_on: date) -> tuple[_Draft, bool]:
    """The draft `trigger` goes into (a new one appended to `drafts` when none of the
    person's open plans shares a competency or waits for the same follow-up), merged."""
    wanted, follow_up = set(trigger.competency_ids), (trigger.follow_up.kind,
                                                      trigger.follow_up.reference_id)
    draft = next((d for d in drafts if wanted & set(d.row["competency_ids"])
                  or follow_up in d.waiting), None)
    opened = draft is None
    if opened:
        draft = _Draft(person=person, plan=None, row={
            "person_id": person.id, "kpi_id": None, "trigger": trigger.kind, "detail": {},
            "competency_ids": [], "owner_id": person.mentor_id or person.manager_id,
            "opened_on": today, "due_on": due_on, "status": "open", "closed_reason": ""})
        drafts.append(draft)
    new = [cid for cid in trigger.competency_ids if cid not in draft.row["competency_ids"]]
    draft.row["competency_ids"] = [*draft.row["competency_ids"], *new]
    draft.new_competencies += new
    detail = draft.row["detail"]
    draft.row["detail"] = {**detail, "triggers": [
        *detail.get("triggers", []),
        {"kind": trigger.kind, "on": today.isoformat(), "title": trigger.follow_up.title,
         "titles": trigger.follow_up.titles, **trigger.detail}]}
    if opened and trigger.kind == "kpi":
        # The first trigger's KPI shows at the top of the plan (and its values).
        draft.row["kpi_id"] = trigger.detail.get("kpi_id")
        draft.row["detail"].update({k: v for k, v in trigger.detail.items() if k != "kpi_id"})
    if follow_up not in draft.waiting:
        draft.waiting.add(follow_up)
        draft.follow_ups.append(follow_up)
        draft.items.append(("follow_up", trigger.follow_up))
    return draft, opened


def _insert_plans(session, drafts: list[_Draft]) -> None:
    """Insert the plans `drafts` open, their ids read back by the same statements: one per
    round of at most one plan per person (almost always a single round), so a returned row
    is told apart by its person, not by an order the database need not keep."""
    table = ImprovementPlan.__table__
    while drafts:
        rounds: dict[int, _Draft] = {}
        later = [d for d in drafts if rounds.setdefault(d.person.id, d) is not d]
        ids = dict(session.execute(insert(table).returning(table.c.person_id, table.c.id),
                                   [draft.row for draft in rounds.values()]).all())
        for person_id, draft in rounds.items():
            draft.row["id"] = ids[person_id]
        drafts = later


def _assign_practice(session, drafts: list[_Draft]) -> None:
    """Ask every assigner for practice on each draft's new competencies, once per set of
    plans with the same new competencies; steps a plan holds already are left out."""
    alike: dict[tuple, list[_Draft]] = defaultdict(list)
    for draft in drafts:
        if draft.new_competencies:
            alike[tuple(draft.new_competencies)].append(draft)
    for competency_ids, group in alike.items():
        targets = [PlanTarget(draft.id, draft.person, draft.due_on, tuple(draft.follow_ups))
                   for draft in group]
        for assigner in _assigners:
            steps = assigner(session, targets, list(competency_ids))
            for draft in group:
                for step in steps.get(draft.id, ()):
                    if (step.kind, step.reference_id) not in draft.practice:
                        draft.practice.add((step.kind, step.reference_id))
                        draft.items.append(("practice", step))


def _insert_items(session, drafts: list[_Draft]) -> None:
    rows = [{"plan_id": draft.id, "purpose": purpose, "kind": step.kind,
             "reference_id": step.reference_id, "title": step.title[:200],
             "url": step.url[:300], "met_on": None,
             "translations": {lang: {"title": text[:200]}
                              for lang, text in step.titles.items() if text}}
            for draft in drafts for purpose, step in draft.items]
    insert_rows(session.connection(), ImprovementItem.__table__, rows)
    for draft in drafts:
        if draft.plan is not None and draft.items:
            # Written around the session: the loaded plan reads its items again.
            session.expire(draft.plan, ["items"])


def _audit_details(person: Person, trigger: Trigger) -> dict:
    return {"person": person.employee_id, "trigger": trigger.kind,
            "follow_up": trigger.follow_up.title}


def assessment_outcome(session, person_id: int, trigger: Trigger, passed: bool,
                       today: date | None = None) -> ImprovementPlan | None:
    """What an assessment kind reports after a result: a pass meets the follow-ups waiting
    for it (closing the plans whose follow-ups are all met); a fail opens a plan on the weak
    competencies or merges into the person's open one. Returns the plan touched, if any."""
    today = today or clock.today()
    if passed:
        return meet_follow_up(session, person_id, trigger.follow_up.kind,
                              trigger.follow_up.reference_id, today)
    person = session.get(Person, person_id)
    return open_or_merge(session, person, trigger, today)[0]


def meet_follow_up(session, person_id: int, kind: str, reference_id: int | None,
                   today: date | None = None) -> ImprovementPlan | None:
    """Mark the person's open follow-ups of `kind` × `reference_id` met; close a plan whose
    follow-ups are then all met ("kpi_recovered" when the last was a KPI). Returns the last
    plan touched, or None."""
    touched = meet_follow_ups(session, [person_id], kind, reference_id, today)
    return touched[-1] if touched else None


def meet_follow_ups(session, person_ids, kind: str, reference_id: int | None,
                    today: date | None = None) -> list[ImprovementPlan]:
    """`meet_follow_up` for many people at once (a KPI month in which thousands are back on
    target): their open follow-ups read with their plans and items in one query each per
    slice of people, met, and the plans they complete closed; the updates and audit entries
    go out batched at the flush, not per person. Returns the plans touched, in item order."""
    today = today or clock.today()
    ids = sorted(set(person_ids))
    touched: dict[int, ImprovementPlan] = {}
    for start in range(0, len(ids), _SLICE):
        for item in session.scalars(
                select(ImprovementItem).join(ImprovementPlan).where(
                    among(session, ImprovementPlan.person_id, ids[start:start + _SLICE]),
                    ImprovementPlan.status == "open", ImprovementItem.purpose == "follow_up",
                    ImprovementItem.kind == kind, ImprovementItem.reference_id == reference_id,
                    ImprovementItem.met_on.is_(None))
                .order_by(ImprovementItem.id)
                .options(selectinload(ImprovementItem.plan)
                         .selectinload(ImprovementPlan.items))):
            item.met_on = today
            touched.pop(item.plan.id, None)   # keep item order: the last item's plan last
            touched[item.plan.id] = item.plan
    reason = "kpi_recovered" if kind == "kpi" else "followed_up"
    closing = [plan for plan in touched.values()
               if all(f.met_on is not None for f in plan.follow_ups())]
    for plan in closing:
        _close(plan, reason, today)
    session.flush()
    audit.record_many(None, "improvement_plan.close", "ImprovementPlan", [
        (plan.id, {"in_time": plan.closed_in_time}) for plan in closing], reason=reason)
    return list(touched.values())


def follow_kpis(session, latest: dict[int, date], people: set[int],
                today: date | None = None) -> tuple[int, int]:
    """Open and close plans for `people` after values of the KPIs in `latest` (KPI id → the
    latest period written) changed. Returns (opened, closed)."""
    today = today or clock.today()
    watched = {}   # KPI id → (KPI, first period of its run, latest period)
    for kpi_id, last in latest.items():
        kpi = session.get(KpiDefinition, kpi_id)
        if kpi is None or kpi.periods_below_for_plan <= 0:
            continue
        first = last
        for _n in range(kpi.periods_below_for_plan - 1):
            first = periods.preceding(first, kpi.period)
        watched[kpi_id] = (kpi, first, last)
    ids = sorted(people)
    changes: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for start in range(0, len(ids), _SLICE):
        for pid, kpi_id, recovered in _plan_changes(session, watched, ids[start:start + _SLICE]):
            changes[kpi_id].append((pid, bool(recovered)))
    # What one KPI's plans do never changes which people another KPI finds (each looks at
    # its own follow-ups only), so the reads above all come first.
    opened = closed = 0
    for kpi_id, (kpi, first, last) in watched.items():
        found = sorted(changes.get(kpi_id, ()))
        recovered = [pid for pid, back in found if back]
        closed += sum(1 for plan in meet_follow_ups(session, recovered, "kpi", kpi.id, today)
                      if plan.status == "closed")
        behind = [pid for pid, recovered in found if not recovered]
        history = _history(session, kpi, first, last, behind)
        people = _people(session, list(history))
        done = open_or_merge_many(session, [
            (people[pid], _kpi_trigger(kpi, _run_below(kpi, values, last)))
            for pid, values in history.items()], today)
        opened += sum(1 for _plan_id, was_opened in done if was_opened)
    session.flush()
    return opened, closed


def _people(session, ids: list[int]) -> dict[int, Person]:
    found = {}
    for start in range(0, len(ids), _SLICE):
        found.update((person.id, person) for person in session.scalars(
            select(Person).where(among(session, Person.id, ids[start:start + _SLICE]))))
    return found


def _plan_changes(session, watched: dict, people: list[int]) -> list[tuple[int, int, int]]:
    """(person, KPI, recovered) for those of `people` whose plans a watched KPI changes, in
    one read over every KPI: recovered (1) when the latest period meets the target and the
    person waits for that KPI to recover; 0 when every period of the KPI's run missed the
    target (one value per period: as many values below target as periods) and the person
    is not waiting for it yet. The thousands of others of an import are never loaded."""
    if not watched or not people:
        return []
    V = KpiValue
    below = or_(*(and_(V.kpi_id == kpi.id, V.value < kpi.target if kpi.direction == "higher"
                       else V.value > kpi.target) for kpi, _f, _l in watched.values()))
    in_run = or_(*(and_(V.kpi_id == kpi.id, V.period_start >= first, V.period_start <= last)
                   for kpi, first, last in watched.values()))
    at_last = or_(*(and_(V.kpi_id == kpi.id, V.period_start == last)
                    for kpi, _f, last in watched.values()))
    needed = case(*((V.kpi_id == kpi.id, kpi.periods_below_for_plan)
                    for kpi, _f, _l in watched.values()), else_=0)
    waiting = select(ImprovementPlan.id).join(ImprovementItem).where(
        ImprovementPlan.person_id == V.person_id, ImprovementPlan.status == "open",
        ImprovementItem.kind == "kpi", ImprovementItem.reference_id == V.kpi_id,
        ImprovementItem.purpose == "follow_up", ImprovementItem.met_on.is_(None)).exists()
    recovered = func.max(case((and_(at_last, not_(below)), 1), else_=0))
    return session.execute(
        select(V.person_id, V.kpi_id, recovered)
        .where(among(session, V.person_id, people), in_run)
        .group_by(V.person_id, V.kpi_id)
        .having(or_(and_(recovered == 1, waiting),
                    and_(func.count().filter(below) >= needed, ~waiting)))).all()


def _history(session, kpi: KpiDefinition, first: date, last: date,
             people: list[int]) -> dict[int, dict[date, Decimal]]:
    """{person: {period start: value}} of `people` for `kpi` from `first` to `last`."""
    history: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for start in range(0, len(people), _SLICE):
        for pid, period_start, value in session.execute(
                select(KpiValue.person_id, KpiValue.period_start, KpiValue.value).where(
                    KpiValue.kpi_id == kpi.id, KpiValue.person_id.in_(people[start:
                                                                             start + _SLICE]),
                    KpiValue.period_start >= first, KpiValue.period_start <= last)):
            history[pid][period_start] = Decimal(value)
    return dict(sorted(history.items()))


def _run_below(kpi: KpiDefinition, values: dict[date, Decimal], last: date) -> list:
    """The latest periods in a row below target, up to the KPI's count, latest first."""
    run, start_of = [], last
    while start_of in values and not kpi.meets(values[start_of]):
        run.append((periods.label(start_of, kpi.period),
                    format(values[start_of].normalize(), "f")))
        if len(run) == kpi.periods_below_for_plan:
            break
        start_of = periods.preceding(start_of, kpi.period)
    return run


def _kpi_trigger(kpi: KpiDefinition, run) -> Trigger:
    """A KPI's run below target as a plan's trigger: its competencies, the KPI to recover,
    and its values."""
    detail = {"values": list(reversed(run)), "target": format(kpi.target.normalize(), "f"),
              "direction": kpi.direction, "unit": kpi.unit, "kpi_id": kpi.id}
    return Trigger(kind="kpi", competency_ids=[link.competency_id for link in kpi.competencies],
                   follow_up=Step("kpi", kpi.id, kpi.name, "", titles_of(kpi, "name")),
                   detail=detail)


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


def next_checkin(plan: ImprovementPlan, checkin_days: int) -> date:
    """When the owner's next check-in is due: the period after the latest one (or after
    the opening)."""
    last = max((c.at.date() for c in plan.checkins), default=plan.opened_on)
    return last + timedelta(days=checkin_days)


def close_plan(session, actor, plan: ImprovementPlan, reason: str,
               today: date | None = None) -> None:
    """Close an open plan ("kpi_recovered" when the KPI is back on target, "followed_up"
    after the follow-up), noting whether it closed by its due date; refuses a closed plan."""
    if plan.status != "open":
        raise DomainError(_("This plan is closed."))
    _close(plan, reason, today or clock.today())
    session.flush()
    audit.record(actor, "improvement_plan.close", plan, reason=reason,
                 in_time=plan.closed_in_time)


def _close(plan: ImprovementPlan, reason: str, today: date) -> None:
    plan.status, plan.closed_reason = "closed", reason
    plan.closed_on = today
    plan.closed_in_time = plan.closed_on <= plan.due_on


def visible_plans(session, actor, people_filter, limit: int = 200) -> list[ImprovementPlan]:
    """The plans of the people `people_filter` (a condition on Person) selects: open ones
    first (the soonest due first), then the latest closed; at most `limit`."""
    query = (select(ImprovementPlan).join(Person, Person.id == ImprovementPlan.person_id)
             .where(people_filter))
    open_plans = session.scalars(query.where(ImprovementPlan.status == "open")
                                 .order_by(ImprovementPlan.due_on, ImprovementPlan.id)
                                 .limit(limit)).all()
    closed = session.scalars(query.where(ImprovementPlan.status == "closed")
                             .order_by(ImprovementPlan.closed_on.desc(), ImprovementPlan.id)
                             .limit(max(0, limit - len(open_plans)))).all()
    return [*open_plans, *closed]
