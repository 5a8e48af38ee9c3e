"""What makes the engine run: a recorded assessment result, a completed course, a tier
change. Each receiver evaluates the people concerned inside the sender's transaction (it
flushes, never commits). Imported once by the app factory.

Bulk work (the demo seed) defers them with `evaluations_deferred`: each person concerned is
then evaluated once at the end instead of on every result."""

from contextlib import contextmanager

from certificates.services.awards import evaluate_person
from courses.signals import course_completed
from lms.core.signals import result_recorded
from lms.people.models import Person
from lms.people.signals import tier_changed

_DEFERRED = "certificates.deferred_evaluations"


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
    for person_id in sorted(pending):
        _evaluate(session, person_id)


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


@course_completed.connect
def _on_course(session, person_id=None, course_id=None, **_extra) -> None:
    if person_id is not None:
        _evaluate(session, person_id)


@tier_changed.connect
def _on_tier(session, actor=None, people=(), **_extra) -> None:
    for person in people:
        _evaluate(session, person.id, actor)
