"""Agreement between mentors and calibration sessions.

Pairs: a submission's released primary and second (blind) grades. For each criterion both
rated, the levels are compared by their rank in the criterion (0 = lowest):
- exact agreement: the share of ratings at the same level;
- within one: the share at most one level apart;
- quadratic-weighted Cohen's kappa over the ranks (categories 0 … k−1, k the largest number
  of levels among the criteria compared): κ = 1 − Σ w·O / Σ w·E with w = (i − j)² / (k − 1)²,
  O the observed and E the chance-expected joint counts. None when it is undefined (fewer
  than two ratings, or every rating in one category so no disagreement is possible by chance).
Everything is computed with exact fractions; display rounds once.

Calibration sessions: every mentor grades the same reference recording; the spread per
criterion is the count per level, the lowest and highest level chosen and the mean points.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assessments.roleplay.models import CalibrationSession, Grade, Scenario, Submission
from assessments.roleplay.services import submissions as submission_services
from lms.core import audit, clock, policy
from lms.core.errors import DomainError, NotFound
from lms.people.models import Person


def quadratic_weighted_kappa(pairs: list[tuple[int, int]], categories: int) -> Fraction | None:
    """Cohen's kappa with quadratic weights for (rater A, rater B) category pairs in
    0 … categories−1; None when undefined."""
    n = len(pairs)
    if n < 2 or categories < 2:
        return None
    observed = defaultdict(int)
    row, col = [0] * categories, [0] * categories
    for a, b in pairs:
        if not (0 <= a < categories and 0 <= b < categories):
            raise ValueError("category out of range")
        observed[(a, b)] += 1
        row[a] += 1
        col[b] += 1
    span = Fraction((categories - 1) ** 2)
    weighted_observed = sum(Fraction((a - b) ** 2) / span * count
                            for (a, b), count in observed.items())
    weighted_expected = sum(Fraction((i - j) ** 2) / span * Fraction(row[i] * col[j], n)
                            for i in range(categories) for j in range(categories))
    if weighted_expected == 0:
        return None
    return 1 - weighted_observed / weighted_expected


@dataclass
class Agreement:
    """Agreement figures over a set of criterion ratings by two mentors."""

    pairs: list[tuple[int, int]] = field(default_factory=list)
    categories: int = 0
    submissions: set[int] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.pairs)

    @property
    def exact(self) -> Fraction | None:
        return Fraction(sum(a == b for a, b in self.pairs), self.count) if self.pairs else None

    @property
    def within_one(self) -> Fraction | None:
        return Fraction(sum(abs(a - b) <= 1 for a, b in self.pairs), self.count) \
            if self.pairs else None

    @property
    def kappa(self) -> Fraction | None:
        return quadratic_weighted_kappa(self.pairs, self.categories)

    def add(self, submission_id: int, pairs: list[tuple[int, int]], categories: int) -> None:
        self.pairs.extend(pairs)
        self.categories = max(self.categories, categories)
        self.submissions.add(submission_id)


def rating_pairs(first: Grade, second: Grade) -> tuple[list[tuple[int, int]], int]:
    """(rank by `first`, rank by `second`) per criterion both rated, and the category count."""
    a = {r.criterion_id: r.level for r in first.ratings if r.level is not None}
    b = {r.criterion_id: r.level for r in second.ratings if r.level is not None}
    pairs, categories = [], 0
    for criterion in first.rubric_version.criteria:
        if criterion.id in a and criterion.id in b:
            pairs.append((a[criterion.id].position, b[criterion.id].position))
            categories = max(categories, len(criterion.levels))
    return pairs, categories


@dataclass
class AgreementReport:
    by_pair: dict[tuple[int, int], Agreement]
    by_mentor: dict[int, Agreement]
    people: dict[int, Person]
    moderation: list[Submission]


def agreement_report(session, actor) -> AgreementReport:
    """Agreement per mentor pair and per mentor over the blind double-graded submissions the
    actor leads, and the submissions waiting for moderation. Refuses non-leads."""
    if not policy.may(actor, "roleplay.agreement"):
        raise NotFound(_("Only leads see agreement figures."))
    doubled = session.scalars(
        select(Submission).where(Submission.second_mentor_id.is_not(None),
                                 Submission.is_reference.is_(False))
        .options(selectinload(Submission.grades), selectinload(Submission.person),
                 selectinload(Submission.mentor)).order_by(Submission.id)).all()
    by_pair: dict[tuple[int, int], Agreement] = {}
    by_mentor: dict[int, Agreement] = {}
    moderation = []
    for submission in doubled:
        if not policy.may(actor, "roleplay.lead", submission):
            continue
        if submission.needs_moderation:
            moderation.append(submission)
        released = {g.role: g for g in submission.grades if g.state == "released"}
        if "primary" not in released or "second" not in released:
            continue
        first, second = released["primary"], released["second"]
        pairs, categories = rating_pairs(first, second)
        key = tuple(sorted((first.grader_id, second.grader_id)))
        ordered = pairs if key[0] == first.grader_id else [(b, a) for a, b in pairs]
        by_pair.setdefault(key, Agreement()).add(submission.id, ordered, categories)
        for mentor_id in key:
            by_mentor.setdefault(mentor_id, Agreement()).add(submission.id, pairs, categories)
    ids = {i for key in by_pair for i in key}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))} \
        if ids else {}
    return AgreementReport(by_pair, by_mentor, people, moderation)


# Calibration sessions


def create_calibration(session, actor, scenario: Scenario, title: str, filename: str,
                       stream: BinaryIO, notes: str, storage_dir: str) -> CalibrationSession:
    """A calibration session on a reference recording every mentor grades. Refuses
    non-leads, an empty title and files that are not recordings."""
    if not policy.may(actor, "roleplay.calibrate"):
        raise NotFound(_("Only leads run calibration sessions."))
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise DomainError(_("Give the session a title (at most 200 characters)."), "title")
    recording = submission_services.store_recording(
        storage_dir, filename, stream, scenario.upload_max_mb * 1024 * 1024)
    number = len(session.scalars(select(Submission.id).where(
        Submission.scenario_id == scenario.id, Submission.person_id == actor.id)).all()) + 1
    reference = Submission(
        scenario=scenario, person_id=actor.id, number=number, mode="upload", state="submitted",
        is_reference=True, notes=(notes or "").strip()[:5000],
        recording_filename=recording.filename, recording_sha256=recording.sha256,
        recording_type=recording.content_type, recording_size=recording.size,
        rubric_version_id=scenario.rubric.current.id, started_at=clock.now(),
        submitted_at=clock.now(), created_by_id=actor.id)
    session.add(reference)
    session.flush()
    calibration = CalibrationSession(title=title, submission_id=reference.id,
                                     created_by_id=actor.id, created_at=clock.now())
    session.add(calibration)
    session.flush()
    audit.record(actor, "roleplay.calibration_create", calibration, title=title)
    return calibration


@dataclass
class CriterionSpread:
    criterion: object
    counts: list[int]            # graders per level, lowest level first
    lowest: int | None           # rank of the lowest level chosen
    highest: int | None
    mean_points: Fraction | None

    @property
    def spread(self) -> int | None:
        return None if self.lowest is None else self.highest - self.lowest


def calibration_spread(calibration: CalibrationSession) -> tuple[list[CriterionSpread],
                                                                 list[Grade]]:
    """The spread of the released calibration grades per criterion, and those grades."""
    grades = [g for g in calibration.submission.grades
              if g.role == "calibration" and g.state == "released"]
    rows = []
    for criterion in calibration.submission.rubric_version.criteria:
        chosen = [r.level for g in grades for r in g.ratings
                  if r.criterion_id == criterion.id and r.level is not None]
        counts = [sum(1 for lv in chosen if lv.id == level.id) for level in criterion.levels]
        ranks = [lv.position for lv in chosen]
        rows.append(CriterionSpread(
            criterion, counts, min(ranks) if ranks else None, max(ranks) if ranks else None,
            sum((Fraction(lv.points) for lv in chosen), Fraction(0)) / len(chosen)
            if chosen else None))
    return rows, grades
