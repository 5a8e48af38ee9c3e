"""The role-play as an assessment kind: what paths and certification rules read.

`result(session, submission_id)` is one submission's final grade (the released primary grade,
or the moderated one). `person_result(session, reference, person_id)`:
- "scenario:<id>" → the person's latest final grade on that scenario;
- "tier:<PATH CODE>" → their latest final grade on any scenario of that tier (path);
- None or "" → their latest final grade on any scenario.
"Latest" is by release time of the final grade. Calibration references never count.

A result is observed when the agent performed it (the submission's hand-in, else its start),
not when a mentor got round to grading it: the recertification route counts a role-play only
inside its window before expiry, as it does a re-exam, and the agent's performance is what
must fall inside it.
"""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assessments.roleplay.models import Grade, Scenario, Submission
from assessments.roleplay.services import grading
from lms.core.database import among
from lms.core.kinds import AssessmentKind, AssessmentResult
from lms.paths.models import CertificationPath

_SLICE = 900  # people per IN list (under SQLite's variable limit)


def _result(grade: Grade) -> AssessmentResult:
    submission = grade.submission
    return AssessmentResult(
        score=grade.score, passed=bool(grade.passed),
        competency_scores={code: score for code, score in grading.competency_scores(grade)
                           .items() if score is not None},
        observed_at=submission.submitted_at or submission.started_at)


class RoleplayKind(AssessmentKind):
    key = "roleplay"
    label = _l("Role-play")

    def result(self, session, source_id: int) -> AssessmentResult | None:
        """The final grade of one submission; None before it is released."""
        grade = session.scalar(select(Grade).join(Submission).where(
            Grade.submission_id == source_id, Grade.final.is_(True),
            Submission.is_reference.is_(False)))
        if grade is None or grade.score is None:
            return None
        return _result(grade)

    def person_result(self, session, reference, person_id: int) -> AssessmentResult | None:
        """See the module docstring; None for an unknown reference or no final grade."""
        return self.people_results(session, reference, [person_id])[person_id]

    def people_results(self, session, reference, person_ids):
        """Each person's latest final grade (see the module) in one read per slice."""
        found = dict.fromkeys(person_ids)
        stmt = (select(Grade, Submission.person_id).join(Submission).join(Scenario)
                .where(Submission.is_reference.is_(False), Grade.final.is_(True),
                       Grade.score.is_not(None))
                .order_by(Grade.released_at.desc(), Grade.id.desc()))
        reference = (reference or "").strip()
        if reference.startswith("scenario:"):
            try:
                stmt = stmt.where(Scenario.id == int(reference.partition(":")[2]))
            except ValueError:
                return found
        elif reference.startswith("tier:"):
            stmt = stmt.join(CertificationPath, CertificationPath.id == Scenario.path_id).where(
                CertificationPath.code == reference.partition(":")[2])
        elif reference:
            return found
        for first in range(0, len(person_ids), _SLICE):
            for grade, person_id in session.execute(stmt.where(
                    among(session, Submission.person_id, person_ids[first:first + _SLICE]))):
                if found[person_id] is None:  # latest first
                    found[person_id] = _result(grade)
        return found

    def references(self, session) -> list[tuple[str, str]]:
        """Every tier that has scenarios, then every scenario."""
        scenarios = session.scalars(select(Scenario).order_by(Scenario.title, Scenario.id)).all()
        path_ids = {s.path_id for s in scenarios if s.path_id is not None}
        paths = session.scalars(select(CertificationPath).where(
            CertificationPath.id.in_(path_ids)).order_by(CertificationPath.position)).all() \
            if path_ids else []
        return [(f"tier:{p.code}", gettext("Latest role-play of the tier %(name)s",
                                           name=p.tr("name"))) for p in paths] + \
               [(f"scenario:{s.id}", s.title) for s in scenarios]
