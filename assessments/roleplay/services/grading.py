"""Grading role-plays: drafts, release, changes to a released grade (with a reason), the blind
second grade, moderation, calibration grades, and the competency evidence of the final grade.
Callers own the commit. Numbers: see `scoring`.

The final grade (what the agent's result rests on) is the released primary grade, or the
moderated one where a lead moderated. A second (calibration) grade is blind: neither grader
sees the other's grade; when both are released and their scores differ by more than the
scenario's agreement threshold, the submission waits for a lead's moderation. Until then the
primary grade stands (feedback is not held back beyond the SLA).
"""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from assessments.roleplay.models import Grade, GradeRating, Submission
from assessments.roleplay.services import plans as plan_hook
from assessments.roleplay.services import scoring
from lms.competencies.models import Competency, Evidence, ProficiencyLevel
from lms.competencies.services.evidence import Observation, record_evidence
from lms.core import audit, clock, policy
from lms.core.errors import DomainError, NotFound
from lms.core.numbers import display_score
from lms.core.signals import result_recorded
from lms.notifications.services import notify

EVIDENCE_KIND = "roleplay"
COMMENT_MAX = 5000


@dataclass
class RatingInput:
    level_id: int | None
    comment: str = ""


def grader_role(actor, submission: Submission) -> str | None:
    """The role the actor grades this submission in, or None if they may not grade it."""
    if not policy.may(actor, "roleplay.grade", submission):
        return None
    if submission.is_reference:
        return "calibration"
    if actor.id == submission.mentor_id:
        return "primary"
    if actor.id == submission.second_mentor_id:
        return "second"
    return None


def grade_of(session, submission: Submission, grader_id: int, role: str) -> Grade | None:
    return session.scalar(select(Grade).where(
        Grade.submission_id == submission.id, Grade.grader_id == grader_id, Grade.role == role))


def _levels(grade: Grade) -> dict[int, object]:
    return {r.criterion_id: r.level for r in grade.ratings if r.level is not None}


def _apply(grade: Grade, submission: Submission, ratings: dict[int, RatingInput],
           comment: str, note: str) -> None:
    """Check and write ratings onto `grade` (refusing levels outside the rubric)."""
    criteria = {c.id: c for c in grade.rubric_version.criteria}
    unknown = set(ratings) - set(criteria)
    if unknown:
        raise DomainError(_("The form names a criterion that is not in this rubric. Reload "
                            "the page and grade again."))
    for criterion_id, given in ratings.items():
        if given.level_id is not None and given.level_id not in {
                lv.id for lv in criteria[criterion_id].levels}:
            raise DomainError(_("“%(criterion)s” has no such level.",
                                criterion=criteria[criterion_id].title), f"c{criterion_id}")
        if len(given.comment or "") > COMMENT_MAX:
            raise DomainError(_("A comment has at most %(n)d characters.", n=COMMENT_MAX),
                              f"c{criterion_id}")
    for text, name in ((comment, "comment"), (note, "improvement_note")):
        if len(text or "") > COMMENT_MAX:
            raise DomainError(_("A comment has at most %(n)d characters.", n=COMMENT_MAX), name)
    existing = {r.criterion_id: r for r in grade.ratings}
    for criterion_id, given in ratings.items():
        level = next((lv for lv in criteria[criterion_id].levels if lv.id == given.level_id),
                     None)
        row = existing.get(criterion_id)
        if row is None:
            row = GradeRating(criterion_id=criterion_id)
            grade.ratings.append(row)
        row.level_id, row.level = (level.id if level else None), level
        row.comment = (given.comment or "").strip()
    grade.comment = (comment or "").strip()
    grade.improvement_note = (note or "").strip()
    levels = _levels(grade)
    grade.score = scoring.score_of(grade.rubric_version.criteria, levels)
    grade.passed = grade.score >= submission.scenario.pass_mark if grade.score is not None \
        else None
    grade.updated_at = clock.now()


def _check_complete(grade: Grade) -> None:
    levels = _levels(grade)
    missing = [c.title for c in grade.rubric_version.criteria if c.required and c.id not in levels]
    if missing:
        raise DomainError(_("Choose a level for every required criterion: %(names)s.",
                            names=", ".join(missing)))
    if not levels:
        raise DomainError(_("Choose a level for at least one criterion."))
    if grade.role != "calibration" and not grade.passed and not grade.improvement_note:
        raise DomainError(_("A failed role-play needs an improvement note for the agent."),
                          "improvement_note")


def _snapshot(grade: Grade) -> dict:
    return {"score": str(grade.score) if grade.score is not None else None,
            "passed": grade.passed,
            "levels": {str(r.criterion_id): r.level_id for r in grade.ratings}}


def save_grade(session, actor, submission: Submission, ratings: dict[int, RatingInput],
               comment: str = "", note: str = "", release: bool = False) -> Grade:
    """Save the actor's grade as a draft, or release it. Refuses people who may not grade
    this submission (the agent themselves, mentors it is not assigned to), a chat still open,
    levels outside the rubric, missing required criteria on release, and changes to a
    released grade (those go through `change_released_grade`, with a reason)."""
    role = grader_role(actor, submission)
    if role is None:
        raise NotFound(_("This role-play is not assigned to you."))
    if submission.state == "in_progress":
        raise DomainError(_("This role-play is not submitted yet."))
    grade = grade_of(session, submission, actor.id, role)
    if grade is None:
        grade = Grade(submission=submission, grader_id=actor.id, role=role,
                      rubric_version=submission.rubric_version, created_at=clock.now())
        session.add(grade)
    elif grade.state == "released":
        raise DomainError(_("This grade is released; changing it needs a reason."))
    _apply(grade, submission, ratings, comment, note)
    if release:
        _check_complete(grade)
        grade.state, grade.released_at = "released", clock.now()
    session.flush()
    audit.record(actor, "roleplay.grade_release" if release else "roleplay.grade_draft",
                 submission, role=role, grade_id=grade.id, **_snapshot(grade))
    if release:
        _after_release(session, actor, submission, grade)
    return grade


def _after_release(session, actor, submission: Submission, grade: Grade) -> None:
    if grade.role == "primary":
        submission.state = "graded"
        if not any(g.final for g in submission.grades if g.role == "moderation"):
            grade.final = True
        session.flush()
        if grade.final:
            write_evidence(session, submission)
            _tell_agent(session, submission, grade)
    _check_agreement(session, submission)


def _check_agreement(session, submission: Submission) -> None:
    primary = next((g for g in submission.grades if g.role == "primary"
                    and g.state == "released"), None)
    second = next((g for g in submission.grades if g.role == "second"
                   and g.state == "released"), None)
    moderated = any(g.role == "moderation" for g in submission.grades)
    if primary is None or second is None or moderated:
        submission.needs_moderation = False
    else:
        gap = abs(primary.score - second.score)
        submission.needs_moderation = gap > submission.scenario.agreement_threshold
    session.flush()


def _tell_agent(session, submission: Submission, grade: Grade) -> None:
    def message() -> tuple[str, str]:
        title = submission.scenario.display_title()
        if grade.passed:
            subject = _("Role-play passed: %(title)s", title=title)
        else:
            subject = _("Role-play feedback: %(title)s", title=title)
        return subject, _("Your role-play has been graded: %(score)s (pass mark %(mark)s). "
                          "Open it to read the breakdown and the feedback.",
                          score=display_score(grade.score),
                          mark=display_score(submission.scenario.pass_mark))

    notify(session, submission.person, "roleplay.graded", message,
           link=f"/roleplays/submissions/{submission.id}")


def change_released_grade(session, actor, grade: Grade, ratings: dict[int, RatingInput],
                          comment: str, note: str, reason: str) -> Grade:
    """Change a released grade: its grader or a lead, with a reason (audited with before and
    after). Refuses a missing reason and anyone else; rewrites evidence if it is final."""
    submission = grade.submission
    if actor.id != grade.grader_id and not policy.may(actor, "roleplay.lead", submission):
        raise NotFound(_("You may not change this grade."))
    if actor.id == submission.person_id:
        raise NotFound(_("You may not change this grade."))
    if grade.state != "released":
        raise DomainError(_("This grade is not released yet."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the grade changes (it goes in the audit log)."), "reason")
    before = _snapshot(grade)
    _apply(grade, submission, ratings, comment, note)
    _check_complete(grade)
    session.flush()
    audit.record(actor, "roleplay.grade_change", submission, reason[:1000], grade_id=grade.id,
                 role=grade.role, before=before, after=_snapshot(grade))
    if grade.final:
        write_evidence(session, submission)
        _tell_agent(session, submission, grade)
    if grade.role in ("primary", "second"):
        _check_agreement(session, submission)
    return grade


def moderate(session, actor, submission: Submission, ratings: dict[int, RatingInput],
             comment: str, note: str, reason: str) -> Grade:
    """A lead's moderated grade, which becomes final. Refuses non-leads, the graders
    themselves, submissions without two released grades and a missing reason."""
    if not policy.may(actor, "roleplay.moderate", submission):
        raise NotFound(_("You may not moderate this role-play."))
    released = {g.role for g in submission.grades if g.state == "released"}
    if not {"primary", "second"} <= released:
        raise DomainError(_("Moderation needs both mentors' released grades."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why this is the final grade (it goes in the audit log)."),
                          "reason")
    grade = grade_of(session, submission, actor.id, "moderation")
    before = _snapshot(grade) if grade is not None else None
    if grade is None:
        grade = Grade(submission=submission, grader_id=actor.id, role="moderation",
                      rubric_version=submission.rubric_version, created_at=clock.now())
        session.add(grade)
    _apply(grade, submission, ratings, comment, note)
    _check_complete(grade)
    grade.state, grade.released_at = "released", clock.now()
    for other in submission.grades:
        other.final = other is grade
    submission.needs_moderation = False
    session.flush()
    audit.record(actor, "roleplay.moderate", submission, reason[:1000], grade_id=grade.id,
                 before=before, after=_snapshot(grade))
    write_evidence(session, submission)
    _tell_agent(session, submission, grade)
    return grade


# Evidence


def competency_scores(grade: Grade) -> dict[str, Decimal]:
    """{competency code: score 0–100} of a grade."""
    return scoring.competency_scores(grade.rubric_version.criteria, _levels(grade))


def weak_competencies(session, grade: Grade, pass_mark: Decimal,
                      limit: int = 5) -> list[tuple[Competency, Decimal]]:
    """The (at most `limit`) competencies a grade scores lowest below the pass mark, weakest
    first: the improvement plan's focus."""
    scores = {code: s for code, s in competency_scores(grade).items()
              if s is not None and s < pass_mark}
    if not scores:
        return []
    found = session.scalars(select(Competency).where(Competency.code.in_(scores))).all()
    return sorted(((c, scores[c.code]) for c in found),
                  key=lambda pair: (pair[1], pair[0].code))[:limit]


def write_evidence(session, submission: Submission) -> list[Evidence]:
    """Replace the submission's evidence with rows from its final grade; announce it."""
    grade = next((g for g in submission.grades if g.final), None)
    observations = []
    if grade is not None and grade.score is not None:
        scores = competency_scores(grade)
        codes = dict(session.execute(select(Competency.code, Competency.id).where(
            Competency.code.in_(scores))).all())
        low, high = session.execute(select(func.min(ProficiencyLevel.level),
                                           func.max(ProficiencyLevel.level))).one()
        low, high = low or 1, high or 5
        observations = [Observation(competency_id=codes[code],
                                    level=scoring.level_for(score, low, high),
                                    score=scoring.cut_level(score),
                                    observed_at=grade.released_at)
                        for code, score in sorted(scores.items())
                        if code in codes and score is not None]
    rows = record_evidence(session, person_id=submission.person_id, source_kind=EVIDENCE_KIND,
                           source_id=submission.id, observations=observations)
    result_recorded.send(EVIDENCE_KIND, session=session, person_id=submission.person_id,
                         source_id=submission.id)
    if grade is not None:
        plan_hook.report_outcome(session, submission, grade, weak_competencies(
            session, grade, submission.scenario.pass_mark, limit=10))
    return rows
