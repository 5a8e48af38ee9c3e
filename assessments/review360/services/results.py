"""Results of a subject: the only way out of the responses, so anonymity holds everywhere.

Every page, the PDF, the JSON export and the assessment kind read `subject_report`, which

- counts only submitted responses;
- shows a group only when it has at least its threshold of responses: 1 for self and
  manager (who are identified); for peers, direct reports and customers the cycle's
  anonymity threshold (default 3) plus one for every invited external rater nobody
  independent has confirmed (`Rater.unconfirmed`: an address the subject or their manager
  typed in, which may be their own). Whoever wrote those answers can subtract them and still
  faces at least the threshold of answers from raters they do not control (the threat model:
  docs/360-anonymity.md). A group below its threshold is reported as withheld, with its
  count of responses and nothing else, and is left out of every combined figure (weighted,
  "others", distributions), so no figure can be worked back to it;
- never returns a rating or a comment rater by rater for an anonymous group: means,
  distributions (counts per scale point) and comments sorted alphabetically, without names;
- is available for a cycle only once it is closed (interim results would let someone
  compare before and after one rater's answer).

The numbers, exactly:
- A rating r on the scale [low, high] is worth (r − low) / (high − low) × 100: on 1–5,
  1 → 0, 2 → 25, 3 → 50, 4 → 75, 5 → 100. "Cannot judge" counts for nothing.
- A group's score for a competency is the mean of its members' ratings of the statements
  tagged with that competency, converted to 0–100; its overall score is the mean of all its
  ratings, converted.
- The weighted score (per competency and overall) is the mean of the shown groups' scores
  weighted by the cycle's group weights, the weights of missing or withheld groups shared
  out pro rata among the others.
- "Others" is the same weighted mean without self; the gap is self − others. A gap of at least
  GAP_POINTS is a blind spot (self rates higher), of at most −GAP_POINTS a hidden strength.
- Scores are exact Decimals; stored cut to 4 decimals; pages round half up to one decimal
  once, at display.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import selectinload

from assessments.review360.models import Cycle, Rater, Response, Subject, SubjectScore
from assessments.review360.services import groups as rater_groups
from assessments.review360.services import plans as plan_hook
from assessments.review360.services.questionnaires import anchors_for
from lms.competencies.models import Competency, ProficiencyLevel
from lms.competencies.services.evidence import Observation, record_evidence
from lms.core.i18n import current_language
from lms.core.signals import result_recorded

EVIDENCE_KIND = "review360"
SCORE_PLACES = Decimal("0.0001")
GAP_POINTS = Decimal("12.5")  # half a step on a 1–5 scale


class ResultsNotReady(Exception):
    """The subject's cycle is still open: there are no results to show yet."""


@dataclass(frozen=True)
class GroupSummary:
    group: str
    invited: int
    responses: int
    threshold: int
    shown: bool
    weight: Decimal
    score: Decimal | None
    distribution: tuple[int, ...] | None  # count per scale point, low to high
    cannot_judge: int | None
    raters: tuple[str, ...] = ()  # names, for identified groups only

    @property
    def label(self) -> str:
        return rater_groups.label(self.group)


@dataclass(frozen=True)
class CompetencyResult:
    competency_id: int
    code: str
    competency: Competency
    group_scores: dict[str, Decimal]  # shown groups with ratings only
    weighted: Decimal | None
    self_score: Decimal | None
    others: Decimal | None
    distribution: tuple[int, ...]

    @property
    def gap(self) -> Decimal | None:
        if self.self_score is None or self.others is None:
            return None
        return self.self_score - self.others

    @property
    def flag(self) -> str | None:
        gap = self.gap
        if gap is None:
            return None
        if gap >= GAP_POINTS:
            return "blind_spot"
        if gap <= -GAP_POINTS:
            return "hidden_strength"
        return None


@dataclass(frozen=True)
class SubjectReport:
    subject_id: int
    person_id: int
    person_name: str
    cycle_title: str
    scale: tuple[int, int]
    groups: tuple[GroupSummary, ...]
    competencies: tuple[CompetencyResult, ...]
    overall: Decimal | None
    comments: tuple[tuple[str, str], ...]  # (group, text), shown groups only
    pass_mark: Decimal = Decimal(80)
    anchors: tuple[str, ...] = field(default=())

    @property
    def shown_groups(self) -> tuple[GroupSummary, ...]:
        return tuple(g for g in self.groups if g.shown)

    @property
    def withheld_groups(self) -> tuple[GroupSummary, ...]:
        return tuple(g for g in self.groups if not g.shown)

    def as_dict(self) -> dict:
        """Plain JSON-ready values (scores as strings, exact) for the export."""
        def number(value):
            return None if value is None else str(value.quantize(SCORE_PLACES, ROUND_DOWN))

        return {
            "subject_id": self.subject_id, "person_id": self.person_id,
            "person": self.person_name, "cycle": self.cycle_title,
            "scale": list(self.scale), "overall": number(self.overall),
            "groups": [{
                "group": g.group, "invited": g.invited, "responses": g.responses,
                "threshold": g.threshold, "shown": g.shown, "weight": str(g.weight),
                **({"score": number(g.score), "distribution": list(g.distribution),
                    "cannot_judge": g.cannot_judge, "raters": list(g.raters)}
                   if g.shown else {}),
            } for g in self.groups],
            "competencies": [{
                "code": c.code, "weighted": number(c.weighted),
                "groups": {k: number(v) for k, v in c.group_scores.items()},
                "self": number(c.self_score), "others": number(c.others),
                "gap": number(c.gap), "flag": c.flag, "distribution": list(c.distribution),
            } for c in self.competencies],
            "comments": [{"group": group, "text": text} for group, text in self.comments],
        }


def to_score(mean: Decimal, low: int, high: int) -> Decimal:
    """A mean rating on [low, high] as 0–100 (see the module docstring)."""
    if high <= low:
        return Decimal(0)
    return (mean - low) * 100 / (high - low)


def _mean(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return Decimal(sum(values)) / len(values)


def _weighted(scores: dict[str, Decimal], weights: dict[str, Decimal]) -> Decimal | None:
    total = sum((weights.get(g, Decimal(0)) for g in scores), Decimal(0))
    if not scores or total <= 0:
        return None
    return sum((scores[g] * weights.get(g, Decimal(0)) for g in scores), Decimal(0)) / total


def group_threshold(cycle: Cycle, group: str, unconfirmed: int) -> int:
    """Responses a group needs before it is shown (module docstring): 1 for identified
    groups; the anonymity threshold plus the unconfirmed external raters for the others."""
    if not rater_groups.is_anonymous(group):
        return 1
    return cycle.anonymity_threshold + unconfirmed


def _submitted(session, subject: Subject) -> list[Response]:
    return list(session.scalars(
        select(Response).join(Rater).where(Rater.subject_id == subject.id,
                                           Response.submitted_at.is_not(None))
        .options(selectinload(Response.answers), selectinload(Response.rater))))


def subject_report(session, subject: Subject, *, require_closed: bool = True) -> SubjectReport:
    """The subject's results under the anonymity rules (module docstring). Raises
    ResultsNotReady while the cycle is open (`require_closed=False` is for closing itself)."""
    cycle = subject.cycle
    if require_closed and not cycle.closed:
        raise ResultsNotReady()
    version = subject.version
    low, high = version.scale_min, version.scale_max
    items = {item.id: item for item in version.items}
    applicable = rater_groups.groups_for(subject.rated_as_manager)
    weights = {g.group: g.weight for g in cycle.groups if g.group in applicable}
    responses = _submitted(session, subject)
    by_group: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        by_group[response.rater.group].append(response)
    invited, unconfirmed = defaultdict(int), defaultdict(int)
    for rater in subject.raters:
        if rater.state == "invited":
            invited[rater.group] += 1
            unconfirmed[rater.group] += rater.unconfirmed

    summaries, shown = [], {}
    for group in applicable:
        answers = [a for r in by_group.get(group, []) for a in r.answers if a.item_id in items]
        count = len(by_group.get(group, []))
        threshold = group_threshold(cycle, group, unconfirmed[group])
        visible = count >= threshold
        if not visible:
            summaries.append(GroupSummary(group, invited[group], count, threshold, False,
                                          weights.get(group, Decimal(0)), None, None, None))
            continue
        ratings = [a for a in answers if items[a.item_id].kind == "rating"]
        values = [a.rating for a in ratings if a.rating is not None]
        mean = _mean(values)
        names = () if rater_groups.is_anonymous(group) else tuple(sorted(
            r.rater.person.name for r in by_group[group] if r.rater.person is not None))
        summaries.append(GroupSummary(
            group, invited[group], count, threshold, True, weights.get(group, Decimal(0)),
            None if mean is None else to_score(mean, low, high),
            tuple(values.count(point) for point in range(low, high + 1)),
            sum(1 for a in ratings if a.rating is None), names))
        shown[group] = answers

    competencies = _competency_results(session, items, shown, weights, low, high)
    overall = _weighted({g.group: g.score for g in summaries if g.shown and g.score is not None},
                        weights)
    comments = tuple(sorted(
        ((group, a.comment) for group, answers in shown.items() for a in answers
         if items[a.item_id].kind == "comment" and a.comment),
        key=lambda pair: (applicable.index(pair[0]), pair[1].casefold())))

    return SubjectReport(subject.id, subject.person_id, subject.person.name, cycle.tr("title"),
                         (low, high), tuple(summaries), competencies, overall, comments,
                         cycle.pass_mark, tuple(anchors_for(version, current_language())))


def _competency_results(session, items, shown, weights, low, high):
    values: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for group, answers in shown.items():
        for answer in answers:
            item = items[answer.item_id]
            if item.kind != "rating" or answer.rating is None:
                continue
            for competency_id in item.competency_ids:
                values[competency_id][group].append(answer.rating)
    tagged = []
    for item in sorted(items.values(), key=lambda i: i.position):
        for competency_id in item.competency_ids:
            if competency_id not in tagged:
                tagged.append(competency_id)
    found = {c.id: c for c in session.scalars(select(Competency).where(
        Competency.id.in_(tagged)))} if tagged else {}
    results = []
    for competency_id in tagged:
        if competency_id not in found:
            continue
        per_group = {g: to_score(_mean(v), low, high)
                     for g, v in values[competency_id].items() if v}
        others = {g: s for g, s in per_group.items() if g != "self"}
        pooled = [r for v in values[competency_id].values() for r in v]
        results.append(CompetencyResult(
            competency_id, found[competency_id].code, found[competency_id], per_group,
            _weighted(per_group, weights), per_group.get("self"), _weighted(others, weights),
            tuple(pooled.count(point) for point in range(low, high + 1))))
    return tuple(results)


def _cut(value: Decimal) -> Decimal:
    return value.quantize(SCORE_PLACES, rounding=ROUND_DOWN)


def level_for(score: Decimal, low: int, high: int) -> Decimal:
    """A 0–100 score on the proficiency scale: low + score / 100 × (high − low), cut."""
    return (low + score / 100 * (high - low)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def record_results(session, subject: Subject) -> SubjectReport:
    """Store a closed cycle's results for the subject (replacing any earlier ones), write the
    weighted per-competency scores as evidence and send `result_recorded`."""
    report = subject_report(session, subject, require_closed=False)
    session.execute(delete(SubjectScore).where(SubjectScore.subject_id == subject.id))
    rows = []
    if report.overall is not None:
        rows.append(SubjectScore(subject_id=subject.id, group="", score=_cut(report.overall)))
    for group in report.shown_groups:
        if group.score is not None:
            rows.append(SubjectScore(subject_id=subject.id, group=group.group,
                                     score=_cut(group.score)))
    for result in report.competencies:
        if result.weighted is not None:
            rows.append(SubjectScore(subject_id=subject.id, group="",
                                     competency_id=result.competency_id,
                                     score=_cut(result.weighted)))
        for group, score in result.group_scores.items():
            rows.append(SubjectScore(subject_id=subject.id, group=group,
                                     competency_id=result.competency_id, score=_cut(score)))
    session.add_all(rows)
    subject.score = None if report.overall is None else _cut(report.overall)
    _write_evidence(session, subject, report)
    return report


def _write_evidence(session, subject: Subject, report: SubjectReport) -> None:
    low, high = session.execute(select(func.min(ProficiencyLevel.level),
                                       func.max(ProficiencyLevel.level))).one()
    low, high = low or 1, high or 5
    observations = []
    for result in report.competencies:
        if result.weighted is None:
            continue
        score = _cut(result.weighted)
        observations.append(Observation(
            competency_id=result.competency_id, level=level_for(score, low, high),
            score=score.quantize(Decimal("0.01"), rounding=ROUND_DOWN),
            observed_at=subject.cycle.closed_at))
    record_evidence(session, person_id=subject.person_id, source_kind=EVIDENCE_KIND,
                    source_id=subject.id, observations=observations)
    result_recorded.send(EVIDENCE_KIND, session=session, person_id=subject.person_id,
                         source_id=subject.id)
    plan_hook.report_outcome(session, subject, {o.competency_id: o.level
                                                for o in observations})


@dataclass(frozen=True)
class GroupProgress:
    invited: int
    submitted: int
    threshold: int  # responses the group needs to be shown (`group_threshold`)

    @property
    def below_threshold(self) -> bool:
        return self.submitted < self.threshold


def progress(session, cycle) -> dict[int, dict[str, GroupProgress]]:
    """{subject id: {group: GroupProgress}} for a whole cycle in one query. Counts only, and
    per group for HR alone: who of a group has answered is never shown, and the subject and
    their manager see only a total while the cycle is open (`total_progress`), since watching
    a small group's count move tells them when someone answered."""
    invited_external_unconfirmed = case(
        (Rater.person_id.is_(None) & Rater.confirmed_by_id.is_(None)
         & (Rater.state == "invited"), 1), else_=0)
    rows = session.execute(
        select(Rater.subject_id, Rater.group,
               func.sum(case((Rater.state == "invited", 1), else_=0)),
               func.count(Response.submitted_at), func.sum(invited_external_unconfirmed))
        .join(Subject, Subject.id == Rater.subject_id)
        .outerjoin(Response, Response.rater_id == Rater.id)
        .where(Subject.cycle_id == cycle.id)
        .group_by(Rater.subject_id, Rater.group))
    table: dict[int, dict[str, GroupProgress]] = defaultdict(dict)
    for subject_id, group, invited, submitted, unconfirmed in rows:
        table[subject_id][group] = GroupProgress(
            int(invited or 0), int(submitted or 0),
            group_threshold(cycle, group, int(unconfirmed or 0)))
    return dict(table)


def total_progress(session, subject: Subject) -> tuple[int, int]:
    """(invited, submitted) over all of a subject's groups together: what the subject and
    their manager are shown before the close."""
    cells = progress(session, subject.cycle).get(subject.id, {}).values()
    return sum(c.invited for c in cells), sum(c.submitted for c in cells)


@dataclass(frozen=True)
class LatestScore:
    person_id: int
    score: Decimal            # weighted overall 0–100, exact (only qualifying groups count)
    cycle_title: str
    closed_at: datetime


def _closed_scores():
    return (select(Subject.person_id, Subject.score, Subject.id, Cycle.title, Cycle.closed_at)
            .join(Cycle, Cycle.id == Subject.cycle_id)
            .where(Cycle.closed_at.is_not(None), Subject.score.is_not(None)))


def latest_scores(session, person_ids) -> dict[int, LatestScore]:
    """Each person's weighted overall score from their latest closed cycle, in one query
    (people without one are left out). Only the stored weighted score is read, which already
    leaves out groups under their anonymity threshold, so reports can show it to anyone who
    may see the person."""
    ids = {int(pid) for pid in person_ids}
    if not ids:
        return {}
    stmt = _closed_scores().order_by(Cycle.closed_at, Subject.id)
    if len(ids) <= 1000:
        stmt = stmt.where(Subject.person_id.in_(ids))
    latest: dict[int, LatestScore] = {}
    for person_id, score, _id, title, closed_at in session.execute(stmt):
        if person_id in ids:
            latest[person_id] = LatestScore(person_id, Decimal(score), title, closed_at)
    return latest


def latest_score_per_person():
    """A SELECT of (person_id, score, cycle_title) for everyone with a closed cycle: the
    score `latest_scores` picks (the latest close, then the latest subject), worked out by
    the database, for reports that join it to many people."""
    scores = _closed_scores()
    rank = func.row_number().over(partition_by=Subject.person_id,
                                  order_by=(Cycle.closed_at.desc(), Subject.id.desc()))
    ranked = scores.add_columns(rank.label("rank")).subquery()
    return select(ranked.c.person_id, ranked.c.score,
                  ranked.c.title.label("cycle_title")).where(ranked.c.rank == 1)
