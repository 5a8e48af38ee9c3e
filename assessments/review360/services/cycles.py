"""Cycles: HR opens a round of 360 evaluations for a set of subjects, with the group weights,
minimum raters, anonymity threshold and dates on the cycle; extends and closes it. Closing
computes every subject's results (see `results`). Callers own the commit.

Weights: each subject is rated by self, manager, peers and customers (agents) or self,
manager, peers and direct reports (managers), and each of those sets must add up to 100. The
defaults are the domain brief's: customers 40, peers 30, manager 20, self 10, and direct
reports 40 in the customers' place for managers.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.review360.models import GROUPS, Cycle, CycleGroup, Rater, Subject
from assessments.review360.services import eligibility, questionnaires, results
from assessments.review360.services import groups as rater_groups
from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.core.validation import clean_text
from lms.people.models import Person

DEFAULT_WEIGHTS = {"self": Decimal(10), "manager": Decimal(20), "peer": Decimal(30),
                   "direct_report": Decimal(40), "customer": Decimal(40)}
DEFAULT_MIN_RATERS = {"self": 1, "manager": 1, "peer": 3, "direct_report": 3, "customer": 3}
DEFAULT_THRESHOLD = 3
MAX_THRESHOLD = 20
# Public mail providers: many unrelated customers have addresses there, so a subject may have
# several external raters on one of them (anywhere else, one per domain; see `nominations`).
DEFAULT_SHARED_DOMAINS = ("gmail.com outlook.com hotmail.com live.com yahoo.com icloud.com "
                          "qq.com foxmail.com 163.com 126.com sina.com sohu.com aliyun.com")
DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
                            r"(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


@dataclass
class CycleData:
    title: str
    opens_on: date
    closes_on: date
    anonymity_threshold: int = DEFAULT_THRESHOLD
    pass_mark: Decimal = Decimal(80)
    link_days: int = 14
    weights: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    min_raters: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_MIN_RATERS))
    shared_domains: str = DEFAULT_SHARED_DOMAINS
    # Who may be evaluated and who may be nominated as a peer: {"subject_tier_id": …,
    # "rater_stage": …} (services.eligibility.FIELDS on each side; missing: anyone).
    rules: dict = field(default_factory=dict)


def parse_domains(text: str) -> list[str]:
    """Mail domains from text separated by spaces, commas or new lines, lower-cased and
    without repeats; refuses anything that is not a domain name."""
    domains = []
    for word in re.split(r"[\s,;]+", (text or "").strip().lower()):
        if not word:
            continue
        word = word.removeprefix("@")
        if not DOMAIN_PATTERN.match(word):
            raise DomainError(_("“%(domain)s” is not a mail domain.", domain=word[:60]),
                              "shared_domains")
        if word not in domains:
            domains.append(word)
    return domains


def shared_domains(cycle: Cycle) -> frozenset[str]:
    return frozenset((cycle.shared_domains or "").split())


def closes_at(cycle: Cycle) -> datetime:
    """The moment responses stop: the end of the closing day (UTC)."""
    return datetime.combine(cycle.closes_on + timedelta(days=1), time(0), tzinfo=UTC)


def opens_at(cycle: Cycle) -> datetime:
    return datetime.combine(cycle.opens_on, time(0), tzinfo=UTC)


def link_expiry(cycle: Cycle, sent_at: datetime) -> datetime:
    """When an external link sent at `sent_at` dies: `link_days` after sending (counted from
    the opening day when sent before it), and never after the close."""
    start = max(sent_at, opens_at(cycle))
    return min(start + timedelta(days=cycle.link_days), closes_at(cycle))


def accepting_responses(cycle: Cycle, now: datetime | None = None) -> bool:
    """True while raters may answer: open dates reached, not past the close, not closed."""
    now = now or clock.now()
    return not cycle.closed and opens_at(cycle) <= now < closes_at(cycle)


def _check(data: CycleData) -> CycleData:
    data.title = clean_text(data.title, "title", 200, required=True)
    if data.opens_on is None or data.closes_on is None:
        raise DomainError(_("Give the opening and closing dates."), "closes_on")
    if data.closes_on < data.opens_on:
        raise DomainError(_("The cycle cannot close before it opens."), "closes_on")
    if not 2 <= int(data.anonymity_threshold) <= MAX_THRESHOLD:
        raise DomainError(_("The anonymity threshold is between 2 and %(n)d responses.",
                            n=MAX_THRESHOLD), "anonymity_threshold")
    if data.pass_mark is None or not Decimal(0) <= data.pass_mark <= Decimal(100):
        raise DomainError(_("The pass mark is between 0 and 100."), "pass_mark")
    if not 1 <= int(data.link_days) <= 90:
        raise DomainError(_("Links live between 1 and 90 days."), "link_days")
    data.shared_domains = " ".join(parse_domains(data.shared_domains))
    for group in GROUPS:
        weight = data.weights.get(group)
        if weight is None or not Decimal(0) <= weight <= Decimal(100):
            raise DomainError(_("Each weight is between 0 and 100."), f"weight_{group}")
        if not 0 <= int(data.min_raters.get(group, -1)) <= 50:
            raise DomainError(_("Minimum raters are between 0 and 50."), f"min_{group}")
    for subject_groups in (rater_groups.AGENT_GROUPS, rater_groups.MANAGER_GROUPS):
        total = sum((data.weights[g] for g in subject_groups), Decimal(0))
        if total != 100:
            raise DomainError(_("The weights of %(groups)s add up to %(total)s, not 100.",
                                groups=", ".join(rater_groups.label(g) for g in subject_groups),
                                total=total.normalize()), "weight_self")
    eligibility.check_rules(data.rules)
    return data


def _apply(cycle: Cycle, data: CycleData) -> None:
    cycle.title = data.title
    cycle.opens_on = data.opens_on
    cycle.closes_on = data.closes_on
    cycle.anonymity_threshold = int(data.anonymity_threshold)
    cycle.pass_mark = data.pass_mark
    cycle.link_days = int(data.link_days)
    cycle.shared_domains = data.shared_domains
    eligibility.apply_rules(cycle, data.rules)
    for group in GROUPS:
        row = cycle.group(group)
        if row is None:
            row = CycleGroup(group=group)
            cycle.groups.append(row)
        row.weight = data.weights[group]
        row.min_raters = int(data.min_raters[group])


def create_cycle(session, actor, data: CycleData) -> Cycle:
    """A new cycle with its configuration (refuses impossible dates and weights)."""
    data = _check(data)
    cycle = Cycle(created_by_id=actor.id if actor else None, groups=[])
    _apply(cycle, data)
    session.add(cycle)
    session.flush()
    audit.record(actor, "review360.cycle_create", cycle, title=cycle.title)
    return cycle


def update_cycle(session, actor, cycle: Cycle, data: CycleData) -> Cycle:
    """Change a cycle's configuration before it closes (the close date only moves later: see
    `extend_cycle`, which also extends the links)."""
    if cycle.closed:
        raise DomainError(_("This cycle is closed; its results are final."))
    data = _check(data)
    if data.closes_on != cycle.closes_on:
        extend_cycle(session, actor, cycle, data.closes_on)
    _apply(cycle, data)
    session.flush()
    audit.record(actor, "review360.cycle_update", cycle)
    return cycle


def extend_cycle(session, actor, cycle: Cycle, closes_on: date) -> None:
    """Move the close later; open external links live on to the new close (within their
    own lifetime from when they were sent)."""
    if cycle.closed:
        raise DomainError(_("This cycle is closed; its results are final."))
    if closes_on is None or closes_on <= cycle.closes_on:
        raise DomainError(_("Choose a closing date after %(date)s.",
                            date=cycle.closes_on.isoformat()), "closes_on")
    previous = cycle.closes_on
    cycle.closes_on = closes_on
    for rater in session.scalars(select(Rater).join(Subject).where(
            Subject.cycle_id == cycle.id, Rater.token_hash.is_not(None))):
        if rater.invited_at is not None:
            rater.token_expires_at = link_expiry(cycle, rater.invited_at)
    session.flush()
    audit.record(actor, "review360.cycle_extend", cycle, previous=previous.isoformat(),
                 closes_on=closes_on.isoformat())


def _rated_as_manager(person: Person) -> bool:
    return person.has_role("manager") or (person.tier is not None
                                          and person.tier.code == "MANAGER")


def add_subjects(session, actor, cycle: Cycle, person_ids: list[int]) -> list[Subject]:
    """Add people to a cycle: each gets the questionnaire of their tier, a self rater, their
    manager as rater, and (managers) their direct reports proposed. People already in the
    cycle are skipped; refuses inactive or unknown people, people the cycle's subject rule
    does not admit (naming them; nobody is added) and a closed cycle."""
    if cycle.closed:
        raise DomainError(_("This cycle is closed; its results are final."))
    ids = sorted(set(person_ids))
    if not ids:
        raise DomainError(_("Choose at least one person."), "people")
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    if set(people) != set(ids) or not all(p.active for p in people.values()):
        raise DomainError(_("Only active people can be evaluated."), "people")
    present = set(session.scalars(select(Subject.person_id).where(Subject.cycle_id == cycle.id)))
    eligibility.refuse_subjects(session, cycle, [people[i] for i in ids if i not in present],
                                clock.today())
    added = []
    for person_id in ids:
        if person_id in present:
            continue
        person = people[person_id]
        as_manager = _rated_as_manager(person)
        version = questionnaires.latest_for_tier(session, "manager" if as_manager else "agent")
        if version is None:
            raise DomainError(_("There is no questionnaire for %(tier)s yet.",
                                tier=_("managers") if as_manager else _("agents")), "people")
        version.in_use = True
        subject = Subject(person_id=person.id, version=version, rated_as_manager=as_manager)
        subject.raters.append(Rater(group="self", person_id=person.id, state="proposed"))
        if person.manager_id is not None:
            subject.raters.append(Rater(group="manager", person_id=person.manager_id,
                                        state="proposed"))
        if as_manager:
            for report in session.scalars(select(Person).where(
                    Person.manager_id == person.id, Person.active.is_(True))
                    .order_by(Person.name)):
                subject.raters.append(Rater(group="direct_report", person_id=report.id,
                                            state="proposed"))
        cycle.subjects.append(subject)
        added.append(subject)
    session.flush()
    for subject in added:
        audit.record(actor, "review360.subject_add", subject, person_id=subject.person_id)
    return added


def close_cycle(session, actor, cycle: Cycle) -> None:
    """Close the cycle: drafts stay unsubmitted, every subject's results are computed and
    stored, written as competency evidence, and announced (`result_recorded`)."""

    if cycle.closed:
        raise DomainError(_("This cycle is already closed."))
    cycle.closed_at = clock.now()
    session.flush()
    for subject in cycle.subjects:
        results.record_results(session, subject)
    audit.record(actor, "review360.cycle_close", cycle, subjects=len(cycle.subjects))
    session.flush()


def cycles_query():
    return select(Cycle).order_by(Cycle.opens_on.desc(), Cycle.id.desc())
