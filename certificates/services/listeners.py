"""What makes the engine run: a recorded assessment result, a started or completed course, a
tier change, KPI values, a change of rules (certificates.services.reevaluation). Each
receiver evaluates the people concerned inside the sender's transaction (it flushes, never
commits); many people at once go through the set-based engine
(certificates.services.evaluation). Imported once by the app factory.

Bulk work (the demo seed) defers them with `evaluations_deferred`: each person concerned is
then evaluated once at the end instead of on every result."""

from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from certificates.services import evaluation, reevaluation
from certificates.services.awards import evaluate_person
from certificates.services.batches import queue_name
from courses.signals import course_completed, course_started
from lms.core.background import start_job
from lms.core.database import writing
from lms.core.extensions import db
from lms.core.signals import result_recorded, rules_changed
from lms.kpis.signals import kpi_values_recorded
from lms.people.models import Person
from lms.people.signals import tier_changed

_DEFERRED = "certificates.deferred_evaluations"
# session.info key: people a large KPI import concerned, evaluated by a job after the commit.
_AFTER_COMMIT = "certificates.evaluate_after_commit"
# Up to this many people a KPI import evaluates in its own transaction (an API call of
# 10,000 rows concerns at most 10,000 people: about a second with the set-based engine); a
# larger file is evaluated by a background job once it has committed.
INLINE_EVALUATIONS = 10_000
_JOB_SLICE = 5_000


@contextmanager
def evaluations_deferred(session):
    """Within the block the receivers only note whom to evaluate; at its end each person noted
    (and anyone the caller adds to the yielded set of ids) is evaluated once, in id order."""
    pending: set[int] = set()
    session.info[_DEFERRED] = pending
    try:
        yield pending
    finally:
        session.info.pop(_DEFERRED, None)
    evaluation.evaluate_people(session, pending)


def _evaluate(session, person_id: int, actor=None) -> None:
    deferred = session.info.get(_DEFERRED)
    if deferred is not None:
        deferred.add(person_id)
        return
    person = session.get(Person, person_id)
    if person is not None:
        evaluate_person(session, person, actor)


@result_recorded.connect
def _on_result(kind_key, session=None, person_id=None, source_id=None, **_extra) -> None:
    if session is not None and person_id is not None:
        _evaluate(session, person_id)


@course_started.connect
@course_completed.connect
def _on_course(session, person_id=None, course_id=None, **_extra) -> None:
    if person_id is not None:
        _evaluate(session, person_id)


def _evaluate_many(session, person_ids, actor=None) -> None:
    deferred = session.info.get(_DEFERRED)
    if deferred is not None:
        deferred.update(person_ids)
    elif len(person_ids) == 1:
        _evaluate(session, next(iter(person_ids)), actor)
    else:
        evaluation.evaluate_people(session, person_ids, actor)


@tier_changed.connect
def _on_tier(session, actor=None, people=(), **_extra) -> None:
    _evaluate_many(session, [person.id for person in people], actor)


@kpi_values_recorded.connect
def _on_kpis(session, person_ids=(), **_extra) -> None:
    if session.info.get(_DEFERRED) is not None or len(person_ids) <= INLINE_EVALUATIONS:
        _evaluate_many(session, person_ids)
        return
    session.info.setdefault(_AFTER_COMMIT, set()).update(person_ids)


@rules_changed.connect
def _on_rules(session, actor=None, entry=None, path_ids=(), person_ids=(), **_extra):
    return reevaluation.reevaluate_after_change(session, actor, entry, path_ids, person_ids)


@event.listens_for(Session, "after_commit")
def _start_pending_evaluations(session) -> None:
    people = session.info.pop(_AFTER_COMMIT, None)
    if people:
        start_job(f"{__name__}:evaluate_people", sorted(people), queue=queue_name(),
                  timeout_seconds=6 * 3600)
    reevaluation.start_pending(session)


@event.listens_for(Session, "after_rollback")
def _forget_pending_evaluations(session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
    session.info.pop(reevaluation.AFTER_COMMIT, None)


def evaluate_people(person_ids: list[int]) -> None:
    """Background job: evaluate `person_ids` with the set-based engine (committing every
    few thousand people)."""
    with writing():
        for start in range(0, len(person_ids), _JOB_SLICE):
            evaluation.evaluate_people(db.session, person_ids[start:start + _JOB_SLICE])
            db.session.commit()
