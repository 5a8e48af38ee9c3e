"""The SCORM run-time: attempts, the CMI data a package reads at start, what it commits, and
what a finished attempt means for the course (lesson completion, competency evidence).

A package may write any `cmi.` element the run-time lets it set (read-only ones such as
`cmi.core.student_id` or `cmi.learner_name` are the LMS's); values are strings of bounded
length. 1.2's `cmi.core.lesson_status` and 2004's `cmi.completion_status` /
`cmi.success_status` give the attempt's standing; a 1.2 package with a mastery score passes
or fails by its `cmi.core.score.raw`, as the SCORM 1.2 run-time says. An attempt that is
completed (or passed) completes the lesson it is the content of, and evidences the package's
competency with its score. Callers own the commit.
"""

import re
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from assessments.scorm.models import ScormAttempt, ScormPackage
from assessments.scorm.signals import attempt_finished
from courses.models import Course
from courses.services import progress
from lms.competencies.models import ProficiencyLevel
from lms.competencies.services.evidence import Observation, record_evidence
from lms.core import clock
from lms.core.errors import DomainError, NotFound

ELEMENT = re.compile(r"^cmi\.[A-Za-z0-9_.]{1,250}$")
READ_ONLY = re.compile(
    r"^cmi\.(core\.(student_id|student_name|credit|entry|total_time|lesson_mode)|launch_data"
    r"|learner_id|learner_name|credit|entry|total_time|mode|completion_threshold"
    r"|scaled_passing_score|max_time_allowed|time_limit_action)$|\._count$|\._children$")
VALUE_MAX = 64000
ELEMENTS_MAX = 5000
DATA_MAX = 1024 * 1024
TOKEN_MAX_AGE = 12 * 3600
EVIDENCE_KIND = "scorm"
DONE_12 = ("completed", "passed", "failed")


def attempts_of(session, package: ScormPackage, person_id: int) -> list[ScormAttempt]:
    return list(session.scalars(select(ScormAttempt).where(
        ScormAttempt.package_id == package.id, ScormAttempt.person_id == person_id)
        .order_by(ScormAttempt.number)))


def current_attempt(session, package: ScormPackage, person) -> ScormAttempt:
    """The attempt a launch continues: the latest one not completed, else a new one."""
    attempts = attempts_of(session, package, person.id)
    if attempts and attempts[-1].completed_at is None:
        return attempts[-1]
    attempt = ScormAttempt(package_id=package.id, person_id=person.id,
                           number=attempts[-1].number + 1 if attempts else 1, cmi={},
                           started_at=clock.now(), updated_at=clock.now())
    session.add(attempt)
    session.flush()
    return attempt


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="scorm-content")


def content_token(secret_key: str, attempt: ScormAttempt) -> str:
    """The capability the sandboxed content uses (it has no cookies): this attempt only."""
    return _serializer(secret_key).dumps({"a": attempt.id, "p": attempt.person_id})


def attempt_for_token(session, secret_key: str, token: str) -> ScormAttempt:
    """The attempt a content token grants; NotFound when forged or older than 12 hours."""
    try:
        data = _serializer(secret_key).loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature:
        raise NotFound(_("This content link is not valid any more; launch it again.")) \
            from None
    attempt = session.get(ScormAttempt, data.get("a"))
    if attempt is None or attempt.person_id != data.get("p"):
        raise NotFound(_("This content link is not valid any more; launch it again."))
    return attempt


def _duration_12(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours:04d}:{rest // 60:02d}:{rest % 60:02d}"


def _duration_2004(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"PT{hours}H{rest // 60}M{rest % 60}S"


_ISO = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?"
                  r"(?:(\d+(?:\.\d+)?)S)?)?$")
_HMS = re.compile(r"^(\d{2,4}):(\d{2}):(\d{2}(?:\.\d{1,2})?)$")


def parse_duration(text: str) -> int:
    """Seconds in a SCORM 1.2 (HHHH:MM:SS.SS) or 2004 (ISO 8601, PT1H2M3S) time; 0 when
    it is neither."""
    text = (text or "").strip()
    match = _HMS.match(text)
    if match:
        return int(match.group(1)) * 3600 + int(match.group(2)) * 60 + int(
            float(match.group(3)))
    match = _ISO.match(text)
    if match and text not in ("P", "PT"):
        years, months, days, hours, minutes, seconds = (float(g) if g else 0
                                                        for g in match.groups())
        return int(((years * 365 + months * 30 + days) * 24 + hours) * 3600 + minutes * 60
                   + seconds)
    return 0


def launch_data(package: ScormPackage, attempt: ScormAttempt, person) -> dict:
    """What the run-time starts with: the stored elements and the LMS's read-only ones."""
    stored = dict(attempt.cmi or {})
    resume = bool(stored)
    if package.version == "1.2":
        stored.update({
            "cmi.core.student_id": str(person.id), "cmi.core.student_name": person.name,
            "cmi.core.credit": "credit", "cmi.core.lesson_mode": "normal",
            "cmi.core.entry": "resume" if resume else "ab-initio",
            "cmi.core.total_time": _duration_12(attempt.total_seconds),
            "cmi.launch_data": ""})
        stored.setdefault("cmi.core.lesson_status", "not attempted")
        if package.mastery_score is not None:
            stored["cmi.student_data.mastery_score"] = str(package.mastery_score)
    else:
        stored.update({
            "cmi.learner_id": str(person.id), "cmi.learner_name": person.name,
            "cmi.credit": "credit", "cmi.mode": "normal",
            "cmi.entry": "resume" if resume else "ab-initio",
            "cmi.total_time": _duration_2004(attempt.total_seconds), "cmi.launch_data": ""})
        stored.setdefault("cmi.completion_status", "unknown")
        stored.setdefault("cmi.success_status", "unknown")
    return {"version": package.version, "cmi": stored}


def _clean(values) -> dict[str, str]:
    if not isinstance(values, dict) or len(values) > ELEMENTS_MAX:
        raise DomainError(_("The package sent data this run-time cannot keep."))
    cleaned = {}
    for key, value in values.items():
        if not isinstance(key, str) or not ELEMENT.match(key) or READ_ONLY.search(key):
            continue  # an element the package may not set: ignored, as the API refused it
        value = "" if value is None else str(value)
        if len(value) > VALUE_MAX:
            raise DomainError(_("%(element)s is longer than %(n)d characters.", element=key,
                                n=VALUE_MAX))
        cleaned[key] = value
    return cleaned


def _number(text: str | None) -> Decimal | None:
    try:
        number = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _score(cmi: dict, prefix: str) -> Decimal | None:
    scaled = _number(cmi.get(f"{prefix}score.scaled"))
    if scaled is not None:
        return max(min(scaled * 100, Decimal(100)), Decimal(0))
    raw = _number(cmi.get(f"{prefix}score.raw"))
    if raw is None:
        return None
    low = _number(cmi.get(f"{prefix}score.min")) or Decimal(0)
    high = _number(cmi.get(f"{prefix}score.max")) or Decimal(100)
    if high <= low:
        return None
    return max(min((raw - low) / (high - low) * 100, Decimal(100)), Decimal(0))


def _standing(package: ScormPackage, attempt: ScormAttempt) -> None:
    cmi = attempt.cmi
    if package.version == "1.2":
        attempt.location = cmi.get("cmi.core.lesson_location", "")
        attempt.score = _score(cmi, "cmi.core.")
        status = cmi.get("cmi.core.lesson_status", "not attempted")
        raw = _number(cmi.get("cmi.core.score.raw"))
        if package.mastery_score is not None and raw is not None and status in DONE_12:
            status = "passed" if raw >= package.mastery_score else "failed"
            cmi["cmi.core.lesson_status"] = status
        attempt.completion_status = ("completed" if status in DONE_12 else
                                     "incomplete" if status in ("incomplete", "browsed")
                                     else "not attempted")
        attempt.success_status = status if status in ("passed", "failed") else "unknown"
    else:
        attempt.location = cmi.get("cmi.location", "")
        attempt.score = _score(cmi, "cmi.")
        attempt.completion_status = cmi.get("cmi.completion_status", "unknown")[:20]
        attempt.success_status = cmi.get("cmi.success_status", "unknown")[:20]
    if attempt.score is not None:
        attempt.score = attempt.score.quantize(Decimal("0.0001"), rounding=ROUND_DOWN)


def commit(session, person, attempt: ScormAttempt, values: dict, finish: bool = False) -> bool:
    """Keep what the package sent (LMSCommit / Commit; `finish` for LMSFinish / Terminate):
    stored elements updated, the standing recomputed, session time added on finish. Returns
    True when this commit completed the attempt (then the lesson is completed and evidence
    written). Refuses another person's attempt and data over the limits."""
    if attempt.person_id != person.id:
        raise NotFound(_("This attempt is not yours."))
    package = attempt.package
    cmi = {**(attempt.cmi or {}), **_clean(values)}
    if len(str(cmi)) > DATA_MAX:
        raise DomainError(_("The package stored more data than this run-time keeps."))
    if finish:
        session_key = "cmi.core.session_time" if package.version == "1.2" else \
            "cmi.session_time"
        attempt.total_seconds += parse_duration(cmi.pop(session_key, ""))
    attempt.cmi = cmi
    _standing(package, attempt)
    attempt.commits += 1
    attempt.updated_at = clock.now()
    completed = _finish_if_done(session, person, attempt)
    session.flush()
    return completed


def _finish_if_done(session, person, attempt: ScormAttempt) -> bool:
    completed = attempt.completed_at is None and (
        attempt.completion_status == "completed" or attempt.success_status == "passed")
    if completed:
        attempt.completed_at = clock.now()
        _complete_lesson(session, person, attempt.package)
        _write_evidence(session, attempt.package, attempt)
        session.flush()
        attempt_finished.send(session, attempt=attempt)
    return completed


def finish_from_statement(session, person, attempt: ScormAttempt, completed: bool,
                          success: str, score: Decimal | None) -> bool:
    """What an xAPI package's completed/passed/failed statement about itself means: the
    attempt's standing, and (completed or passed) the attempt done as a SCORM one is."""
    if score is not None:
        attempt.score = min(score, Decimal(100)).quantize(Decimal("0.0001"),
                                                          rounding=ROUND_DOWN)
    attempt.success_status = success
    if completed:
        attempt.completion_status = "completed"
    elif attempt.completion_status == "not attempted":
        attempt.completion_status = "incomplete"
    attempt.updated_at = clock.now()
    return _finish_if_done(session, person, attempt)


def _complete_lesson(session, person, package: ScormPackage) -> None:
    if package.course_id is None or not package.lesson_key:
        return
    course = session.get(Course, package.course_id)
    try:
        progress.complete_lesson(session, person, course, package.lesson_key, method="scorm")
    except (DomainError, NotFound):
        # Not enrolled, or the lesson left the course: the attempt still counts as done.
        return


def _write_evidence(session, package: ScormPackage, attempt: ScormAttempt) -> None:
    if package.competency_id is None or attempt.score is None:
        return
    low, high = session.execute(select(func.min(ProficiencyLevel.level),
                                       func.max(ProficiencyLevel.level))).one()
    low, high = low or 1, high or 5
    level = (Decimal(low) + attempt.score / 100 * (high - low)).quantize(
        Decimal("0.01"), rounding=ROUND_DOWN)
    record_evidence(session, person_id=attempt.person_id, source_kind=EVIDENCE_KIND,
                    source_id=attempt.id, observations=[Observation(
                        competency_id=package.competency_id, level=level,
                        score=attempt.score.quantize(Decimal("0.01"), rounding=ROUND_DOWN),
                        observed_at=attempt.completed_at)])


def seconds_text(seconds: int) -> str:
    return str(timedelta(seconds=seconds))
