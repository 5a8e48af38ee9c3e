"""Attempts that never lose an answer: start or resume, save answers, submit, and the deadline.

The rules, in one place:

- Starting is idempotent: while a person has an attempt in progress on a quiz, "start" resumes
  it. The person's row is locked first, so two requests racing to start make one attempt.
- Every answer carries the `sequence` the page saw. A save is applied only when that equals the
  stored sequence (which then rises by one); an older one comes from an out-of-date page or a
  second tab and is refused, so it never overwrites a newer answer. Re-posting the stored
  answer unchanged is not a change and always passes.
- A post is all or nothing: if any answer in it is refused, none is saved. Every refusal leaves
  an audit entry (`quiz.answer_refused`); nothing else about the attempt changes.
- The server owns the clock. `deadline_at` is fixed at the start (time limit and close date,
  overrides applied). When the deadline passes, what happens follows the quiz's
  `overdue_handling`: "autosubmit" finishes the attempt with the answers saved so far;
  "grace" refuses further changes but lets the learner submit for `grace_seconds`, after which
  the saved answers are submitted anyway; "abandon" ends the attempt ungraded. Whatever touches
  an overdue attempt applies this first: the learner's next request, the quiz and review pages,
  the `finish-overdue-attempts` sweeper, the assessment kind's result().
- A save the attempt accepts (nearly every autosave) costs two SQL statements
  (`quick_save`): one read of the posted questions, the attempt and its owner, and one
  UPDATE per answer that checks the sequence and that the attempt is still open in the same
  statement. Anything else (a refusal, the deadline) goes through `save_answers`.
- Submitting twice, or from two tabs, grades once; a finished attempt never changes, except by
  a deliberate regrade or an essay grade (see grading).

Responses are stored as `responses` describes (the shape `scoring` reads). Callers own the
commit; when `AnswerRefused` is raised, commit anyway (it keeps the audit entry and any overdue
finish, and nothing else changed).
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, exists, func, or_, select, update
from sqlalchemy.orm import contains_eager, joinedload, load_only, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from assessments.quiz.models import (
    Attempt,
    AttemptQuestion,
    QuestionVersion,
    Quiz,
)
from assessments.quiz.services import grading
from assessments.quiz.services.quizzes import Rules, drawable_pools, rules_for
from assessments.quiz.services.quizzes import eligibility as quiz_eligibility
from assessments.quiz.services.responses import normalise_response, option_order
from assessments.quiz.signals import attempt_finished
from lms.core import audit, clock, eligibility, policy
from lms.core.errors import DomainError, NotFound
from lms.people.models import Person

OPEN_STATES = ("in_progress", "overdue")


class AnswerRefused(DomainError):
    """A post the attempt refuses (tampered, stale, too late). `reason` is a short code for the
    audit log; the message is for the learner."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PostedAnswer:
    """One answer as posted: the question's slot, the sequence the page saw, and the raw value
    (a string, a list of strings, or {pair id: pair id} for matching)."""

    slot: int
    sequence: int
    raw: object


# Starting


def _lock_person(session, person_id: int) -> None:
    # PostgreSQL: serialise a person's attempt starts (SQLite writers are serialised already).
    session.execute(select(Person.id).where(Person.id == person_id)
                    .with_for_update(key_share=True))


def _lock_attempt(session, attempt_id: int) -> Attempt | None:
    return session.scalar(
        select(Attempt).where(Attempt.id == attempt_id).with_for_update(key_share=True)
        .execution_options(populate_existing=True))


def attempts_of(session, quiz: Quiz, person_id: int) -> list[Attempt]:
    """A person's attempts at a quiz, oldest first."""
    return list(session.scalars(select(Attempt).where(
        Attempt.quiz_id == quiz.id, Attempt.person_id == person_id).order_by(Attempt.number)))


def current_attempt(session, quiz: Quiz, person_id: int) -> Attempt | None:
    """The person's attempt still open (in progress or in its grace period), if any."""
    return session.scalar(select(Attempt).where(
        Attempt.quiz_id == quiz.id, Attempt.person_id == person_id,
        Attempt.state.in_(OPEN_STATES)).order_by(Attempt.number.desc()).limit(1))


@dataclass(frozen=True)
class Availability:
    """Whether a person may start a new attempt now, and if not, why (`message`)."""

    allowed: bool
    message: str = ""
    attempts_used: int = 0
    attempts_allowed: int = 0
    rules: Rules | None = None


def availability(session, quiz: Quiz, person: Person, now: datetime | None = None) \
        -> Availability:
    """May `person` start a new attempt at `quiz` now? (Resuming one is always allowed.)"""
    now = now or clock.now()
    rules = rules_for(session, quiz, person)
    past = attempts_of(session, quiz, person.id)
    used = len(past)

    def refuse(message: str) -> Availability:
        return Availability(False, message, used, rules.attempts_allowed, rules)

    if not quiz.published:
        return refuse(_("This quiz is not open to learners."))
    not_for_you = eligibility.refusal(session, person, quiz_eligibility(quiz), now.date())
    if not_for_you:
        return refuse(not_for_you)
    if rules.opens_at is not None and now < rules.opens_at:
        return refuse(_("This quiz opens on %(when)s.", when=_when(rules.opens_at)))
    if rules.closes_at is not None and now >= rules.closes_at:
        return refuse(_("This quiz closed on %(when)s.", when=_when(rules.closes_at)))
    if rules.attempts_allowed and used >= rules.attempts_allowed:
        return refuse(ngettext("You have used your %(num)d attempt.",
                               "You have used all %(num)d attempts.", rules.attempts_allowed))
    finished = [a.finished_at for a in past if a.finished_at is not None]
    if quiz.attempt_wait_seconds and finished:
        ready = max(finished) + timedelta(seconds=quiz.attempt_wait_seconds)
        if now < ready:
            return refuse(_("You may start your next attempt on %(when)s.", when=_when(ready)))
    return Availability(True, "", used, rules.attempts_allowed, rules)


def _when(moment: datetime) -> str:
    from flask_babel import format_datetime

    return format_datetime(moment, "medium")


def start_attempt(session, person: Person, quiz: Quiz, rng: random.Random | None = None) \
        -> Attempt:
    """Resume the person's open attempt, or start a new one (questions drawn, options
    shuffled, deadline fixed). Refuses what `availability` refuses."""
    _lock_person(session, person.id)
    now = clock.now()
    for attempt in session.scalars(select(Attempt).where(
            Attempt.quiz_id == quiz.id, Attempt.person_id == person.id,
            Attempt.state.in_(OPEN_STATES))):
        finish_if_overdue(session, attempt, now)
    resumed = current_attempt(session, quiz, person.id)
    if resumed is not None:
        return resumed
    if not policy.may(person, "quiz.take", quiz):
        raise NotFound(_("This quiz is not open to learners."))
    allowed = availability(session, quiz, person, now)
    if not allowed.allowed:
        raise DomainError(allowed.message)
    rules = allowed.rules
    deadline = None
    if rules.time_limit_seconds:
        deadline = now + timedelta(seconds=rules.time_limit_seconds)
    if rules.closes_at is not None:
        deadline = rules.closes_at if deadline is None else min(deadline, rules.closes_at)
    number = (session.scalar(select(func.max(Attempt.number)).where(
        Attempt.quiz_id == quiz.id, Attempt.person_id == person.id)) or 0) + 1
    attempt = Attempt(quiz_id=quiz.id, person_id=person.id, number=number,
                      state="in_progress", started_at=now, deadline_at=deadline)
    attempt.questions = _draw_questions(session, quiz, rng or random.Random(),
                                        _seen_questions(session, quiz, person.id))
    session.add(attempt)
    session.flush()
    audit.record(person, "quiz.attempt_start", attempt, quiz_id=quiz.id, number=number)
    return attempt


def _latest_versions(session, question_ids: list[int]) -> dict[int, QuestionVersion]:
    latest: dict[int, QuestionVersion] = {}
    for version in session.scalars(select(QuestionVersion).where(
            QuestionVersion.question_id.in_(question_ids))):
        held = latest.get(version.question_id)
        if held is None or version.number > held.number:
            latest[version.question_id] = version
    return latest


def _seen_questions(session, quiz: Quiz, person_id: int) -> set[int]:
    """The questions the person's earlier attempts of the quiz showed."""
    return set(session.scalars(
        select(QuestionVersion.question_id)
        .join(AttemptQuestion, AttemptQuestion.question_version_id == QuestionVersion.id)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.person_id == person_id)))


def _draw_questions(session, quiz: Quiz, rng: random.Random,
                    seen: frozenset[int] | set[int] = frozenset()) -> list[AttemptQuestion]:
    """The attempt's questions: fixed ones, then each draw from what is not taken yet —
    questions `seen` in the person's earlier attempts only when the pool has too few others
    (quizzes.pool_warnings tells the author)."""
    fixed = {item.question_id for item in quiz.items if item.question_id is not None}
    taken: set[int] = set(fixed)
    picks: list[tuple[int, object]] = []  # (question id, quiz item)
    pools = drawable_pools(session, [item for item in quiz.items if item.question_id is None])
    for item in quiz.items:
        if item.question_id is not None:
            picks.append((item.question_id, item))
            continue
        pool = [qid for qid in pools[item.id] if qid not in taken]
        if len(pool) < item.draw_count:
            raise DomainError(_("This quiz cannot be started: one of its random draws has too "
                                "few questions. Please tell the quiz's author."))
        fresh = [qid for qid in pool if qid not in seen]
        if len(fresh) >= item.draw_count:
            chosen = rng.sample(fresh, item.draw_count)
        else:
            chosen = fresh + rng.sample([qid for qid in pool if qid in seen],
                                        item.draw_count - len(fresh))
        taken.update(chosen)
        picks.extend((qid, item) for qid in chosen)
    if quiz.shuffle_questions:
        rng.shuffle(picks)
    versions = _latest_versions(session, [qid for qid, _item in picks])
    questions = []
    for slot, (qid, item) in enumerate(picks, start=1):
        version = versions.get(qid)
        if version is None:
            raise DomainError(_("This quiz cannot be started: a question has no content. "
                                "Please tell the quiz's author."))
        questions.append(AttemptQuestion(
            slot=slot, question_version_id=version.id, version=version,
            mark=item.mark if item.mark is not None else version.default_mark,
            option_order=option_order(version, quiz.shuffle_options, rng), sequence=0))
    return questions


# The deadline


def grace_ends(attempt: Attempt) -> datetime | None:
    if attempt.deadline_at is None:
        return None
    if attempt.quiz.overdue_handling == "grace":
        return attempt.deadline_at + timedelta(seconds=attempt.quiz.grace_seconds)
    return attempt.deadline_at


def finish_if_overdue(session, attempt: Attempt, now: datetime | None = None) -> bool:
    """Apply the quiz's overdue handling to an attempt whose deadline has passed; True when the
    attempt changed. Call with the attempt locked (or from a serialised writer)."""
    if attempt.state not in OPEN_STATES or attempt.deadline_at is None:
        return False
    now = now or clock.now()
    if now < attempt.deadline_at:
        return False
    handling = attempt.quiz.overdue_handling
    if handling == "abandon":
        attempt.state = "abandoned"
        attempt.finished_at = attempt.deadline_at
        session.flush()
        audit.record(None, "quiz.attempt_abandon", attempt, "time ran out")
        return True
    if handling == "grace" and now < grace_ends(attempt):
        if attempt.state == "overdue":
            return False
        attempt.state = "overdue"
        session.flush()
        return True
    _finish(session, attempt, attempt.deadline_at, actor=None)
    return True


def overdue_attempt_ids(session, now: datetime | None = None, person_id: int | None = None,
                        quiz_id: int | None = None) -> list[int]:
    """Open attempts whose deadline has passed (candidates for `finish_if_overdue`)."""
    stmt = select(Attempt.id).where(Attempt.state.in_(OPEN_STATES),
                                    Attempt.deadline_at <= (now or clock.now()))
    if person_id is not None:
        stmt = stmt.where(Attempt.person_id == person_id)
    if quiz_id is not None:
        stmt = stmt.where(Attempt.quiz_id == quiz_id)
    return list(session.scalars(stmt.order_by(Attempt.id)))


def finish_overdue(session, attempt_ids: list[int], now: datetime | None = None) -> int:
    """Apply `finish_if_overdue` to each attempt (locked one by one); returns how many
    changed."""
    changed = 0
    for attempt_id in attempt_ids:
        attempt = _lock_attempt(session, attempt_id)
        if attempt is not None and finish_if_overdue(session, attempt, now):
            changed += 1
    return changed


# Saving answers


def _refuse(session, person: Person, attempt: Attempt, message: str, reason: str,
            **details) -> AnswerRefused:
    audit.record(person, "quiz.answer_refused", attempt, reason, **details)
    session.flush()
    return AnswerRefused(message, reason)


def _open_attempt(session, person: Person, attempt_id: int, what: str) -> Attempt:
    """Lock the attempt, refuse other people's, and apply the deadline first."""
    attempt = _lock_attempt(session, attempt_id)
    if attempt is None:
        raise NotFound(_("That attempt does not exist."))
    if not policy.may(person, "quiz.attempt", attempt):
        raise _refuse(session, person, attempt,
                      _("That attempt is not yours; nothing was saved."), "not_yours",
                      attempted=what)
    finish_if_overdue(session, attempt)
    return attempt


def save_answers(session, person: Person, attempt_id: int,
                 answers: list[PostedAnswer]) -> dict[int, int]:
    """Save the posted answers of an attempt in progress; returns {slot: new sequence} for
    every posted slot. Refuses (AnswerRefused, all or nothing) other people's attempts,
    questions not in the attempt, options of other questions, stale sequences, and any
    change once the attempt is finished or its time is up."""
    attempt = _open_attempt(session, person, attempt_id, "save")
    if attempt.state != "in_progress":
        if attempt.state == "overdue":
            message = _("Time is up: answers can no longer be changed. Submit the attempt to "
                        "have your saved answers graded.")
        else:
            message = _("This attempt has been submitted; its answers can no longer change.")
        raise _refuse(session, person, attempt, message,
                      "time_up" if attempt.state != "finished" else "finished",
                      slots=[a.slot for a in answers])
    slots = sorted({a.slot for a in answers})
    by_slot = {aq.slot: aq for aq in session.scalars(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id,
                                      AttemptQuestion.slot.in_(slots))
        .options(joinedload(AttemptQuestion.version)))}
    changes: list[tuple[AttemptQuestion, dict | None]] = []
    stale: list[int] = []
    for answer in answers:
        aq = by_slot.get(answer.slot)
        if aq is None:
            raise _refuse(session, person, attempt,
                          _("An answer was sent for a question that is not part of this "
                            "attempt; nothing was saved. Reload the page and try again."),
                          "unknown_question", slot=answer.slot)
        try:
            response = normalise_response(aq, answer.raw)
        except DomainError as error:
            raise _refuse(session, person, attempt, error.message, "invalid_answer",
                          slot=answer.slot) from None
        if response == aq.response:
            continue
        if answer.sequence != aq.sequence:
            stale.append(aq.slot)
            continue
        changes.append((aq, response))
    if stale:
        raise _refuse(
            session, person, attempt,
            ngettext("Question %(slots)s was changed in another tab or window after this page "
                     "was loaded, so nothing was saved. Reload the page to see your latest "
                     "answers.",
                     "Questions %(slots)s were changed in another tab or window after this "
                     "page was loaded, so nothing was saved. Reload the page to see your "
                     "latest answers.", len(stale), slots=", ".join(map(str, stale))),
            "stale", slots=stale)
    now = clock.now()
    for aq, response in changes:
        aq.response = response
        aq.sequence += 1
        aq.saved_at = now
    session.flush()
    return {answer.slot: by_slot[answer.slot].sequence for answer in answers}


# The quick save: what nearly every autosave is


class SaveRaced(DomainError):
    """A quick save's write found the answer or the attempt changed since it read them
    (another tab's save, a submit, the deadline): nothing may be kept from this transaction;
    roll back and save with `save_answers`, which decides and says why."""

    def __init__(self):
        super().__init__(_("Your answer could not be saved; please try again."))


@dataclass(frozen=True)
class QuickSave:
    """A quick save's outcome: the attempt's owner as read with the answers (for the caller
    to confirm as the signed-in person before anything is written) and a `write()` that
    stores the answers and returns {slot: new sequence}."""

    person: Person
    write: object  # () -> dict[int, int]


def quick_save(session, person_id: int, attempt_id: int, answers: list[PostedAnswer]) \
        -> QuickSave | None:
    """Prepare a save that `save_answers` would accept, in one read: the posted slots with
    their question versions, the attempt and its owner (who must be `person_id`, with their
    roles). `write()` then sends one UPDATE per changed answer, which also checks the
    sequence and that the attempt is still open (locking it against a submit on PostgreSQL)
    in the same statement; it raises SaveRaced when that finds otherwise.

    Returns None, having written and locked nothing, for anything `save_answers` would refuse
    or has more to do for (another person's attempt, a question not in it, an invalid
    answer, a stale sequence, a finished or overdue attempt): the caller then uses
    `save_answers`, which refuses with its audit entry or applies the deadline."""
    slots = sorted({answer.slot for answer in answers})
    if not answers or len(slots) != len(answers):
        return None
    found = session.execute(_quick_read(), {
        "q_attempt": attempt_id, "q_slots": slots, "q_person": person_id}).unique().all()
    if len(found) != len(slots):
        return None
    attempt, person = found[0][1], found[0][2]
    now = clock.now()
    if attempt.state != "in_progress" or (attempt.deadline_at is not None
                                          and now >= attempt.deadline_at):
        return None
    by_slot = {aq.slot: aq for aq, _attempt, _person in found}
    changes: list[tuple[AttemptQuestion, dict | None]] = []
    for answer in answers:
        aq = by_slot[answer.slot]
        try:
            response = normalise_response(aq, answer.raw)
        except DomainError:
            return None
        if response == aq.response:
            continue
        if answer.sequence != aq.sequence:
            return None
        changes.append((aq, response))

    def write() -> dict[int, int]:
        for aq, response in sorted(changes, key=lambda change: change[0].slot):
            stored = session.scalar(_guarded_update_statement(),
                                    _guarded_update(attempt.id, aq, response, now))
            if stored is None:
                raise SaveRaced()
            set_committed_value(aq, "response", response)
            set_committed_value(aq, "sequence", stored)
            set_committed_value(aq, "saved_at", now)
        return {answer.slot: by_slot[answer.slot].sequence for answer in answers}

    return QuickSave(person, write)


@cache
def _quick_read():
    # Built once: on the hottest request, building the expression costs more than the
    # database's answer (the compiled SQL is cached by SQLAlchemy either way).
    return (select(AttemptQuestion, Attempt, Person)
            .join(AttemptQuestion.version)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .join(Person, Person.id == Attempt.person_id)
            .outerjoin(Person.role_rows)
            .where(AttemptQuestion.attempt_id == bindparam("q_attempt"),
                   AttemptQuestion.slot.in_(bindparam("q_slots", expanding=True)),
                   Attempt.person_id == bindparam("q_person"))
            # Only what the checks read (the person whole: they become current_user).
            .options(load_only(AttemptQuestion.attempt_id, AttemptQuestion.slot,
                               AttemptQuestion.option_order, AttemptQuestion.response,
                               AttemptQuestion.sequence),
                     contains_eager(AttemptQuestion.version).load_only(
                         QuestionVersion.qtype, QuestionVersion.data),
                     load_only(Attempt.person_id, Attempt.state, Attempt.deadline_at),
                     contains_eager(Person.role_rows)))


def _guarded_update(attempt_id: int, aq: AttemptQuestion, response: dict | None,
                    now: datetime) -> dict:
    """The parameters of `_guarded_update_statement` for one answer."""
    return {"g_attempt": attempt_id, "g_id": aq.id, "g_sequence": aq.sequence,
            "g_response": response, "g_now": now}


@cache
def _guarded_update_statement():
    """UPDATE the answer only if its sequence is still the one read and the attempt is still
    open, RETURNING the new sequence (no row: something changed meanwhile). On PostgreSQL
    the attempt is locked FOR SHARE by the same statement: a submit (which locks it for
    update) either waits for this save to commit and grades it, or finishes first and this
    statement, re-checking the attempt once the submit commits, writes nothing."""
    table = AttemptQuestion.__table__
    now = bindparam("g_now", type_=table.c.saved_at.type)
    still_open = select(Attempt.id).where(
        Attempt.id == bindparam("g_attempt"), Attempt.state == "in_progress",
        or_(Attempt.deadline_at.is_(None), Attempt.deadline_at > now)).with_for_update(read=True)
    return (update(table)
            .where(table.c.id == bindparam("g_id"),
                   table.c.sequence == bindparam("g_sequence"), exists(still_open))
            .values(response=bindparam("g_response", type_=table.c.response.type),
                    sequence=table.c.sequence + 1, saved_at=now)
            .returning(table.c.sequence))


# Submitting


def submit(session, person: Person, attempt_id: int) -> tuple[Attempt, bool]:
    """Finish the attempt with its saved answers and grade it; returns (attempt, whether
    this call finished it). A second submit (another tab, a double click) changes nothing."""
    attempt = _open_attempt(session, person, attempt_id, "submit")
    if attempt.state not in OPEN_STATES:
        return attempt, False
    _finish(session, attempt, clock.now(), actor=person)
    return attempt, True


def _finish(session, attempt: Attempt, at: datetime, actor) -> None:
    attempt.state = "finished"
    attempt.finished_at = at
    session.flush()
    audit.record(actor, "quiz.attempt_finish", attempt, "" if actor else "time ran out")
    grading.grade_attempt(session, attempt)
    attempt_finished.send(session, attempt=attempt)


def touch(session, person: Person, quiz: Quiz | None = None) -> int:
    """Finish the person's overdue attempts (of one quiz, or all); returns how many changed.
    Pages call this before showing attempts."""
    ids = overdue_attempt_ids(session, person_id=person.id,
                              quiz_id=quiz.id if quiz is not None else None)
    return finish_overdue(session, ids) if ids else 0


def load_attempt(session, attempt_id: int) -> Attempt:
    """The attempt with its questions and their versions (one round trip each)."""
    attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id).options(
        selectinload(Attempt.questions).selectinload(AttemptQuestion.version)))
    if attempt is None:
        raise NotFound(_("That attempt does not exist."))
    return attempt
