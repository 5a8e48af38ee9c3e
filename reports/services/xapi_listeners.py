"""What becomes an xAPI statement: the listeners that turn the packages' signals into outbox
rows (`reports.services.xapi`), only when an LRS is configured (XAPI_ENDPOINT).

- a quiz attempt submitted: one "answered" per question the learner answered, then
  "completed" and "passed" or "failed" with the score once it is final; an essay graded
  later: only its "scored" (nothing resent for the other questions), then the outcome;
- a role-play grade released or a 360 cycle closed: "scored" with the score, and "passed" or
  "failed";
- a SCORM package opened: "launched"; a SCORM attempt finished: "completed" (and "passed" or
  "failed" when the package says), with its score;
- an xAPI package's own statements, as its learner's launch sent them to `/xapi/`;
- a certificate issued: "earned".
"""

import json

from flask import current_app, has_app_context
from sqlalchemy import select

from assessments.quiz.models import Attempt, AttemptQuestion
from assessments.quiz.signals import attempt_finished as quiz_attempt_finished
from assessments.quiz.signals import essay_graded
from assessments.scorm.signals import attempt_finished, attempt_launched, statement_received
from certificates.models import Certificate
from certificates.signals import certificate_issued
from lms.core.kinds import UnknownAssessmentKind, get_kind
from lms.core.signals import result_recorded
from lms.paths.models import CertificationPath
from lms.people.models import Person
from reports.models import XapiStatement
from reports.services import xapi

QUESTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"


def _enabled() -> bool:
    return has_app_context() and bool(current_app.config.get("XAPI_ENDPOINT"))


def activity(path: str) -> str:
    """The IRI of one of our activities: the site's public address + `path`."""
    base = (current_app.config.get("PUBLIC_URL") or "http://localhost").rstrip("/")
    return f"{base}/{path.lstrip('/')}"


def _quiz_outcome(session, person, attempt: Attempt, quiz_iri: str) -> None:
    result = xapi.score_result(attempt.score, bool(attempt.passed), True)
    for verb in ("completed", "passed" if attempt.passed else "failed"):
        xapi.record(session, xapi.statement(person, verb, quiz_iri, attempt.quiz.title,
                                            result=result, activity_type=ASSESSMENT_TYPE,
                                            extensions={activity("xapi/attempt"): attempt.id}))


def _question(session, person, verb: str, attempt: Attempt, aq: AttemptQuestion,
              quiz_iri: str, result: dict) -> None:
    xapi.record(session, xapi.statement(
        person, verb, f"{quiz_iri}/questions/{aq.version.question_id}", aq.version.name,
        result=result, activity_type=QUESTION_TYPE,
        extensions={activity("xapi/attempt"): attempt.id}))


@quiz_attempt_finished.connect
def on_quiz_finished(session, attempt: Attempt, **_extra) -> None:
    """Once per attempt, when it is submitted: one "answered" per answered question (an essay
    not graded yet without a score), then the outcome if the score is already final."""
    if not _enabled():
        return
    person = session.get(Person, attempt.person_id)
    quiz_iri = activity(f"quizzes/{attempt.quiz_id}")
    for aq in session.scalars(select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.slot)):
        if aq.response is None:
            continue
        result = {"response": json.dumps(aq.response, ensure_ascii=False)[:2000]}
        if aq.fraction is not None:
            result.update(xapi.score_result(aq.fraction * 100))
        _question(session, person, "answered", attempt, aq, quiz_iri, result)
    if attempt.score is not None:
        _quiz_outcome(session, person, attempt, quiz_iri)


@essay_graded.connect
def on_essay_graded(session, attempt: Attempt, question: AttemptQuestion, finalised: bool,
                    **_extra) -> None:
    """An essay graded later: only that essay's "scored" (the other answers were told at
    submission), then the attempt's outcome when this grade made its score final."""
    if not _enabled():
        return
    person = session.get(Person, attempt.person_id)
    quiz_iri = activity(f"quizzes/{attempt.quiz_id}")
    _question(session, person, "scored", attempt, question, quiz_iri,
              xapi.score_result(question.fraction * 100))
    if finalised and attempt.score is not None:
        _quiz_outcome(session, person, attempt, quiz_iri)


def _other_kind(session, kind_key: str, person_id: int, source_id) -> None:
    try:
        kind = get_kind(kind_key)()
    except UnknownAssessmentKind:
        return
    result = kind.result(session, source_id)
    if result is None:
        return
    person = session.get(Person, person_id)
    iri = activity(f"{kind_key}/{source_id}")
    outcome = xapi.score_result(result.score, result.passed)
    for verb in ("scored", "passed" if result.passed else "failed"):
        xapi.record(session, xapi.statement(person, verb, iri, str(kind.label), result=outcome,
                                            activity_type=ASSESSMENT_TYPE))


@result_recorded.connect
def on_result(kind_key, session, person_id, source_id, **_extra) -> None:
    if not _enabled():
        return
    if kind_key != "quiz":  # quizzes are told by their own signals (above)
        _other_kind(session, kind_key, person_id, source_id)


@attempt_launched.connect
def on_scorm_launch(session, attempt, **_extra) -> None:
    if not _enabled():
        return
    person = session.get(Person, attempt.person_id)
    xapi.record(session, xapi.statement(
        person, "launched", activity(f"scorm/{attempt.package_id}"), attempt.package.title,
        activity_type=MODULE_TYPE, extensions={activity("xapi/attempt"): attempt.id}))


@attempt_finished.connect
def on_scorm_finish(session, attempt, **_extra) -> None:
    if not _enabled():
        return
    person = session.get(Person, attempt.person_id)
    success = {"passed": True, "failed": False}.get(attempt.success_status)
    result = xapi.score_result(attempt.score, success, attempt.completion_status == "completed")
    result["duration"] = f"PT{attempt.total_seconds}S"
    verbs = ["completed"] + (["passed" if success else "failed"] if success is not None else [])
    for verb in verbs:
        xapi.record(session, xapi.statement(
            person, verb, activity(f"scorm/{attempt.package_id}"), attempt.package.title,
            result=result, activity_type=MODULE_TYPE,
            extensions={activity("xapi/attempt"): attempt.id}))


@statement_received.connect
def on_package_statement(session, attempt, statement: dict, **_extra) -> None:
    """An xAPI package's own statement (checked by the LMS's endpoint) goes on to the LRS in
    order with ours; one the outbox holds already (a package resending it) is not doubled."""
    if not _enabled():
        return
    if session.scalar(select(XapiStatement.id).where(
            XapiStatement.statement_id == statement["id"])) is None:
        xapi.record(session, statement)


@certificate_issued.connect
def on_certificate(session, certificate: Certificate, **_extra) -> None:
    if not _enabled():
        return
    person = session.get(Person, certificate.person_id)
    path = session.get(CertificationPath, certificate.path_id)
    xapi.record(session, xapi.statement(
        person, "earned", activity(f"certificates/{certificate.serial}"),
        f"{path.name} ({certificate.serial})",
        activity_type="https://w3id.org/xapi/tla/activity-types/credential"))
