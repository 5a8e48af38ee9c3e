"""The 360 evaluation as an assessment kind: what paths and certification rules read.

`result(session, subject_id)` is one subject's result in a closed cycle: the weighted
overall score 0–100 (see `results` for the conversion of the rating scale: on 1–5, 1 → 0,
3 → 50, 5 → 100), passed when it reaches the cycle's pass mark (default 80), and the weighted
per-competency scores. `person_result(session, reference, person_id)` reads the person's
latest closed cycle: reference "" or None → the weighted overall; a rater-group key
("customer", "peer", "manager", "self", "direct_report") → that group's score, only when the
group met its anonymity threshold (None otherwise). The senior path's customer evaluation
reads "customer", the manager path's team evaluation "direct_report".
"""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assessments.review360.models import Cycle, Subject, SubjectScore
from assessments.review360.services.groups import GROUP_LABELS, GROUPS
from lms.competencies.models import Competency
from lms.core.database import among
from lms.core.kinds import AssessmentKind, AssessmentResult

_SLICE = 900  # people per IN list (under SQLite's variable limit)


def _scores(session, subject: Subject, group: str) -> AssessmentResult | None:
    rows = session.execute(
        select(SubjectScore.competency_id, SubjectScore.score, Competency.code)
        .outerjoin(Competency, Competency.id == SubjectScore.competency_id)
        .where(SubjectScore.subject_id == subject.id, SubjectScore.group == group)).all()
    overall = next((score for cid, score, _ in rows if cid is None), None)
    if overall is None:
        return None
    return AssessmentResult(
        score=Decimal(overall), passed=Decimal(overall) >= subject.cycle.pass_mark,
        competency_scores={code: Decimal(score) for cid, score, code in rows
                           if cid is not None})


class Review360Kind(AssessmentKind):
    key = "review360"
    label = _l("360-degree evaluation")

    def result(self, session, source_id: int) -> AssessmentResult | None:
        """A subject's weighted result; None while the cycle is open or no group qualified."""
        subject = session.get(Subject, source_id)
        if subject is None or not subject.cycle.closed:
            return None
        return _scores(session, subject, "")

    def person_result(self, session, reference, person_id: int) -> AssessmentResult | None:
        """The person's latest closed cycle, overall or one group's (see the module)."""
        group = reference or ""
        if group and group not in GROUPS:
            return None
        subject = session.scalar(
            select(Subject).join(Cycle).where(Subject.person_id == person_id,
                                              Cycle.closed_at.is_not(None))
            .order_by(Cycle.closed_at.desc(), Subject.id.desc()).limit(1))
        if subject is None:
            return None
        return _scores(session, subject, group)

    def people_results(self, session, reference, person_ids):
        """None for people never a subject of a closed cycle (one read); the others one at a
        time."""
        closed = set()
        for first in range(0, len(person_ids), _SLICE):
            closed.update(session.scalars(
                select(Subject.person_id).join(Cycle).where(
                    among(session, Subject.person_id, person_ids[first:first + _SLICE]),
                    Cycle.closed_at.is_not(None)).distinct()))
        return {pid: self.person_result(session, reference, pid) if pid in closed else None
                for pid in person_ids}

    def references(self, session) -> list[tuple[str, str]]:
        """The weighted overall, then each rater group."""
        return [("", str(_l("Weighted overall (all rater groups)")))] + [
            (group, str(GROUP_LABELS[group])) for group in GROUPS]
