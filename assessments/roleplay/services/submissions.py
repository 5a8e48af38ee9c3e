"""Performing a role-play: typed chats (scripted or mentor-played customer), uploaded
recordings and live sessions; retry rules; assignment to mentors; the blind second grade;
the feedback SLA. Services take the actor explicitly and never commit.

Assignment (on submit): the agent's own mentor when they are an active mentor; otherwise the
least-loaded mentor of the agent's team (mentors who are in the team or mentor someone in it;
load = submissions assigned and not yet graded, primary or second), ties by id. With no such
mentor the submission waits unassigned for a lead. The same rule picks the second mentor of a
calibration sample, excluding the first one; it falls back to any active mentor.

Calibration share: with share s %, a submission is sampled for a blind second grade when it is
the scenario's n-th submitted one and ⌊n·s/100⌋ > ⌊(n−1)·s/100⌋, so exactly s % of them are
(every tenth at 10 %); a lead may also ask for a second grade on any submission.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from math import floor
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from assessments.roleplay.models import ChatMessage, Grade, Scenario, Submission
from assessments.roleplay.services import script
from lms.core import audit, clock, eligibility, policy, uploads
from lms.core.eligibility import Eligibility
from lms.core.errors import DomainError, NotFound
from lms.core.i18n import current_language
from lms.notifications.services import notify
from lms.people.models import Person, PersonRole

MESSAGE_MAX = 4000
NOTES_MAX = 5000
# Recordings: extension → (stored content type, kinds filetype may recognise)
RECORDINGS = uploads.FileRules(types={
    "mp3": ("audio/mpeg", frozenset({"mp3"})),
    "m4a": ("audio/mp4", frozenset({"m4a", "mp4"})),
    "wav": ("audio/wav", frozenset({"wav"})),
    "ogg": ("audio/ogg", frozenset({"ogg"})),
    "webm": ("video/webm", frozenset({"webm"})),
    "mp4": ("video/mp4", frozenset({"mp4", "m4v"})),
}, allowed="m4a, mp3, mp4, ogg, wav, webm", field="recording", what="recording", name_max=200)
OPEN_STATES = ("in_progress", "submitted")


# Retry rules


@dataclass(frozen=True)
class Availability:
    allowed: bool
    reason: str = ""
    open_submission: Submission | None = None


def submissions_of(session, scenario: Scenario, person_id: int) -> list[Submission]:
    return list(session.scalars(select(Submission).where(
        Submission.scenario_id == scenario.id, Submission.person_id == person_id,
        Submission.is_reference.is_(False)).order_by(Submission.number)))


def final_grade(submission: Submission) -> Grade | None:
    return next((g for g in submission.grades if g.final), None)


def scenario_eligibility(scenario: Scenario) -> Eligibility:
    """Who may take the scenario, as lms.core.eligibility reads it."""
    tier = scenario.path if scenario.tier_only else None
    return Eligibility(
        tier_id=tier.id if tier else None, tier_name=tier.tr("name") if tier else "",
        certificate_path_id=scenario.certificate_path_id,
        certificate_path_name=(scenario.certificate_path.tr("name")
                               if scenario.certificate_path else ""),
        certificate_rule=scenario.certificate_rule or "", stage_path_id=scenario.stage_path_id,
        stage_path_name=scenario.stage_path.tr("name") if scenario.stage_path else "",
        stage=scenario.stage or "")


def availability(session, scenario: Scenario, person) -> Availability:
    """Whether `person` may start a new attempt now, and why not: one open at a time, no
    retry after a pass, the scenario's attempt limit and its wait after a failed attempt."""
    not_for_you = eligibility.refusal(session, person, scenario_eligibility(scenario),
                                      clock.today())
    if not_for_you:
        return Availability(False, not_for_you)
    past = submissions_of(session, scenario, person.id)
    open_one = next((s for s in past if s.state in OPEN_STATES), None)
    if open_one is not None:
        return Availability(False, _("Finish or wait for the grade of your current attempt."),
                            open_one)
    grades = [final_grade(s) for s in past]
    if any(g is not None and g.passed for g in grades):
        return Availability(False, _("You have passed this role-play."))
    if scenario.attempts_allowed and len(past) >= scenario.attempts_allowed:
        return Availability(False, _("You have used all %(n)d attempts.",
                                     n=scenario.attempts_allowed))
    released = [g.released_at for g in grades if g is not None and g.released_at]
    if released and scenario.retry_wait_hours:
        ready = max(released) + timedelta(hours=scenario.retry_wait_hours)
        if clock.now() < ready:
            return Availability(False, _("You may try again after %(hours)d hours.",
                                         hours=scenario.retry_wait_hours))
    return Availability(True)


def _new_submission(session, scenario: Scenario, person, mode: str, actor) -> Submission:
    if not scenario.published:
        raise NotFound(_("This role-play is not available."))
    allowed = {"chat": scenario.allow_chat, "upload": scenario.allow_upload,
               "live": scenario.allow_live}[mode]
    if not allowed:
        raise DomainError(_("This role-play cannot be performed this way."))
    state = availability(session, scenario, person)
    if not state.allowed:
        raise DomainError(state.reason)
    number = (session.scalar(select(func.max(Submission.number)).where(
        Submission.scenario_id == scenario.id, Submission.person_id == person.id)) or 0) + 1
    submission = Submission(scenario=scenario, person_id=person.id, number=number, mode=mode,
                            rubric_version_id=scenario.rubric.current.id,
                            started_at=clock.now(), created_by_id=actor.id)
    session.add(submission)
    return submission


# Typed chat


def start_chat(session, actor, scenario: Scenario, customer_side: str,
               language: str | None = None) -> Submission:
    """Open a typed chat for `actor`: the scenario's opening customer message first, in
    `language` (default: the page's). With a
    mentor-played customer the submission is assigned at once (the mentor writes the
    customer's side). Refuses unpublished scenarios and attempts the retry rules forbid."""
    if customer_side not in ("script", "mentor"):
        raise DomainError(_("Choose who plays the customer."), "customer_side")
    if customer_side == "script" and not scenario.script:
        raise DomainError(_("This role-play has no scripted customer; ask a mentor to play "
                            "the customer."), "customer_side")
    submission = _new_submission(session, scenario, actor, "chat", actor)
    submission.customer_side = customer_side
    if scenario.opening_message:
        submission.messages.append(ChatMessage(position=1, sender="customer",
                                               text=script.opening_line(
                                                   scenario, language or current_language()),
                                               sent_at=clock.now()))
    session.flush()
    if customer_side == "mentor":
        mentor = choose_mentor(session, actor)
        if mentor is None:
            raise DomainError(_("No mentor is available to play the customer; practise with "
                                "the scripted customer."), "customer_side")
        _assign(session, submission, mentor, None)
    audit.record(actor, "roleplay.start", submission, mode="chat", customer_side=customer_side)
    return submission


def scripted_reply(scenario: Scenario, agent_turn: int, text: str,
                   language: str | None = None) -> str | None:
    """The scripted customer's answer to the agent's `agent_turn`-th message (1-based) when
    every earlier message was answered in turn (see assessments.roleplay.services.script); None when
    the script has no more turns."""
    reply = script.next_reply(scenario, list(range(agent_turn - 1)), text,
                              language or script.message_language(text))
    return reply.text if reply else None


def post_message(session, actor, submission: Submission, text: str,
                 expected_count: int | None = None) -> ChatMessage:
    """Add a line to an open chat: the agent's, or the customer's from the mentor who plays
    them. A scripted customer answers at once. `expected_count` (the number of messages the
    poster saw) refuses a replayed or stale post. Refuses empty and over-long messages."""
    if submission.mode != "chat" or submission.state != "in_progress":
        raise DomainError(_("This chat is closed."))
    if actor.id == submission.person_id:
        sender = "agent"
    elif policy.may(actor, "roleplay.customer", submission):
        sender = "customer"
    else:
        raise NotFound(_("This chat is not yours."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write a message first."), "text")
    if len(text) > MESSAGE_MAX:
        raise DomainError(_("A message has at most %(n)d characters.", n=MESSAGE_MAX), "text")
    count = len(submission.messages)
    if expected_count is not None and expected_count != count:
        raise DomainError(_("The chat changed since you opened it; your message was not sent. "
                            "Read the new lines and send it again."), "text")
    message = ChatMessage(position=count + 1, sender=sender, text=text, sent_at=clock.now(),
                          author_id=actor.id)
    submission.messages.append(message)
    if sender == "agent" and submission.customer_side == "script":
        answered = [m.script_turn for m in submission.messages if m.script_turn is not None]
        reply = script.next_reply(submission.scenario, answered, text,
                                  script.message_language(text))
        if reply:
            submission.messages.append(ChatMessage(position=count + 2, sender="customer",
                                                   text=reply.text, script_turn=reply.turn,
                                                   sent_at=clock.now()))
    elif sender == "agent" and submission.mentor is not None:
        notify(session, submission.mentor, "roleplay.chat", lambda: (
            _("%(name)s wrote in the role-play chat", name=submission.person.name), text[:300]),
            link=f"/roleplays/submissions/{submission.id}",
            dedupe_key=f"roleplay-chat-{submission.id}-{count + 1}")
    session.flush()
    return message


def submit(session, actor, submission: Submission) -> Submission:
    """Hand in an open chat: it joins the grading queue. Refuses someone else's chat, a
    closed one, and a chat in which the agent wrote nothing."""
    if actor.id != submission.person_id:
        raise NotFound(_("This chat is not yours."))
    if submission.state != "in_progress":
        raise DomainError(_("This role-play is already submitted."))
    if not any(m.sender == "agent" for m in submission.messages):
        raise DomainError(_("Write at least one message before you submit."))
    _hand_in(session, actor, submission)
    return submission


def _hand_in(session, actor, submission: Submission) -> None:
    submission.state = "submitted"
    submission.submitted_at = clock.now()
    session.flush()
    if submission.mentor_id is None:
        mentor = choose_mentor(session, submission.person)
        if mentor is not None:
            _assign(session, submission, mentor, None)
    else:
        _notify_assigned(session, submission, submission.mentor)
    if _sampled(session, submission):
        ask_second_grade(session, None, submission)
    audit.record(actor, "roleplay.submit", submission, mode=submission.mode,
                 mentor_id=submission.mentor_id)


# Recordings and live sessions


def store_recording(storage_dir: str, filename: str, stream: BinaryIO,
                    max_bytes: int) -> uploads.Upload:
    """Store an uploaded recording. Refuses oversized, mistyped and mismatched files;
    nothing is kept when it refuses."""
    return uploads.store_upload(storage_dir, filename, stream, max_bytes, RECORDINGS)


def upload_limit(scenario: Scenario, request_max_bytes: int | None = None) -> int:
    """The largest recording accepted for `scenario`, in bytes: its own limit, never more
    than the deployment lets a request carry (MAX_CONTENT_LENGTH less room for the form)."""
    limit = scenario.upload_max_mb * 1024 * 1024
    if request_max_bytes:
        limit = min(limit, request_max_bytes - 64 * 1024)
    return limit


def submit_recording(session, actor, scenario: Scenario, filename: str, stream: BinaryIO,
                     notes: str, storage_dir: str,
                     request_max_bytes: int | None = None) -> Submission:
    """An uploaded recording with optional notes, handed in at once. Refuses what the retry
    rules forbid, files over the scenario's limit and files that are not recordings."""
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise DomainError(_("The notes have at most %(n)d characters.", n=NOTES_MAX), "notes")
    state = availability(session, scenario, actor)
    if scenario.published and scenario.allow_upload and not state.allowed:
        raise DomainError(state.reason)
    recording = store_recording(storage_dir, filename, stream,
                                upload_limit(scenario, request_max_bytes))
    submission = _new_submission(session, scenario, actor, "upload", actor)
    submission.notes = notes
    submission.recording_filename = recording.filename
    submission.recording_sha256 = recording.sha256
    submission.recording_type = recording.content_type
    submission.recording_size = recording.size
    session.flush()
    _hand_in(session, actor, submission)
    return submission


def record_live_session(session, actor, scenario: Scenario, agent: Person,
                        notes: str = "") -> Submission:
    """A live role-play the mentor (`actor`) observes and scores: submitted and assigned to
    them at once. Refuses agents the actor may not assess and themselves."""
    if not policy.may(actor, "roleplay.live", agent):  # admins, and the agent's own mentor
        raise NotFound(_("You may not assess this person."))
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise DomainError(_("The notes have at most %(n)d characters.", n=NOTES_MAX), "notes")
    submission = _new_submission(session, scenario, agent, "live", actor)
    submission.notes = notes
    submission.state = "submitted"
    submission.submitted_at = clock.now()
    submission.mentor_id, submission.assigned_at = actor.id, clock.now()
    session.flush()
    if _sampled(session, submission):
        ask_second_grade(session, None, submission)
    audit.record(actor, "roleplay.live", submission, agent_id=agent.id)
    return submission


# Assignment


def _mentor_load(session, mentor_ids: list[int]) -> dict[int, int]:
    if not mentor_ids:
        return {}
    load = dict.fromkeys(mentor_ids, 0)
    for column in (Submission.mentor_id, Submission.second_mentor_id):
        rows = session.execute(select(column, func.count()).where(
            column.in_(mentor_ids), Submission.state.in_(OPEN_STATES))
            .group_by(column)).all()
        for mentor_id, count in rows:
            load[mentor_id] += count
    return load


def _active_mentors(session):
    return (select(Person).join(PersonRole, PersonRole.person_id == Person.id)
            .where(PersonRole.role == "mentor", Person.active.is_(True)))


def choose_mentor(session, agent: Person, exclude: set[int] = frozenset(),
                  anyone: bool = False) -> Person | None:
    """The mentor a submission of `agent` goes to (see the module docstring)."""
    excluded = set(exclude) | {agent.id}
    own = agent.mentor
    if own is not None and own.active and own.has_role("mentor") and own.id not in excluded:
        return own
    candidates: list[Person] = []
    if agent.team_id is not None:
        mentees_team = select(Person.mentor_id).where(Person.team_id == agent.team_id,
                                                      Person.mentor_id.is_not(None))
        candidates = list(session.scalars(_active_mentors(session).where(
            or_(Person.team_id == agent.team_id, Person.id.in_(mentees_team)))))
    candidates = [p for p in candidates if p.id not in excluded]
    if not candidates and anyone:
        candidates = [p for p in session.scalars(_active_mentors(session))
                      if p.id not in excluded]
    if not candidates:
        return None
    load = _mentor_load(session, [p.id for p in candidates])
    return min(candidates, key=lambda p: (load[p.id], p.id))


def _notify_assigned(session, submission: Submission, mentor: Person, second=False) -> None:
    scenario = submission.scenario
    due = due_at(submission)
    def message() -> tuple[str, str]:
        title = scenario.display_title()
        subject = _("Role-play to grade: %(title)s", title=title) if not second else \
            _("Blind second grade requested: %(title)s", title=title)
        return subject, _("%(name)s's role-play is waiting for your grade. Feedback is due "
                          "by %(due)s (UTC).", name=submission.person.name,
                          due=due.strftime("%Y-%m-%d %H:%M") if due else "–")

    notify(session, mentor, "roleplay.assigned", message,
           link=f"/roleplays/submissions/{submission.id}/grade",
           dedupe_key=f"roleplay-assign-{submission.id}-{mentor.id}-{'2' if second else '1'}")


def _assign(session, submission: Submission, mentor: Person, actor) -> None:
    submission.mentor_id, submission.assigned_at = mentor.id, clock.now()
    submission.mentor = mentor
    session.flush()
    if submission.state == "submitted":
        _notify_assigned(session, submission, mentor)


def reassign(session, actor, submission: Submission, mentor: Person, reason: str = "") -> None:
    """A lead hands a submission to another mentor. Refuses non-leads, non-mentors, the agent
    themselves, the second grader, and submissions already graded; a started draft of the
    previous mentor stays (not shown to the new one)."""
    if not policy.may(actor, "roleplay.lead", submission):
        raise NotFound(_("You may not reassign this submission."))
    if submission.state == "graded":
        raise DomainError(_("This role-play is already graded."))
    if not mentor.active or not mentor.has_role("mentor") or mentor.id == submission.person_id \
            or mentor.id == submission.second_mentor_id:
        raise DomainError(_("Choose an active mentor other than the agent and the second "
                            "grader."), "mentor_id")
    before = submission.mentor_id
    _assign(session, submission, mentor, actor)
    audit.record(actor, "roleplay.reassign", submission, reason.strip()[:500],
                 before=before, after=mentor.id)


def _sampled(session, submission: Submission) -> bool:
    share = Decimal(submission.scenario.calibration_share or 0)
    if share <= 0:
        return False
    n = session.scalar(select(func.count()).select_from(Submission).where(
        Submission.scenario_id == submission.scenario_id, Submission.is_reference.is_(False),
        Submission.submitted_at.is_not(None), Submission.id <= submission.id)) or 0
    return floor(n * share / 100) > floor((n - 1) * share / 100)


def ask_second_grade(session, actor, submission: Submission,
                     mentor: Person | None = None) -> Person | None:
    """Ask a second mentor for a blind grade (the sample, or a lead's request). Refuses
    non-leads (when `actor` is given), a submission that already has one, and the first
    mentor or the agent as the second. Returns the mentor, or None when nobody is free."""
    if actor is not None and not policy.may(actor, "roleplay.lead", submission):
        raise NotFound(_("You may not ask for a second grade here."))
    if submission.second_mentor_id is not None:
        raise DomainError(_("A second mentor is already grading this role-play."))
    if submission.state == "in_progress":
        raise DomainError(_("This role-play is not submitted yet."))
    exclude = {submission.person_id} | ({submission.mentor_id} if submission.mentor_id else set())
    if mentor is None:
        mentor = choose_mentor(session, submission.person, exclude, anyone=True)
        if mentor is None:
            return None
    elif mentor.id in exclude or not mentor.has_role("mentor") or not mentor.active:
        raise DomainError(_("Choose an active mentor other than the agent and the first "
                            "grader."), "mentor_id")
    submission.second_mentor_id = mentor.id
    session.flush()
    _notify_assigned(session, submission, mentor, second=True)
    audit.record(actor, "roleplay.second_grade", submission, mentor_id=mentor.id)
    return mentor


# The feedback SLA


def due_at(submission: Submission) -> datetime | None:
    """When feedback is due: submitted + the scenario's SLA hours."""
    if submission.submitted_at is None:
        return None
    return submission.submitted_at + timedelta(hours=submission.scenario.sla_hours)


def is_overdue(submission: Submission, now: datetime | None = None) -> bool:
    """Submitted, not graded yet and past its due time (by the clock)."""
    due = due_at(submission)
    return submission.state == "submitted" and due is not None and (now or clock.now()) > due


def age_hours(submission: Submission, now: datetime | None = None) -> Decimal | None:
    if submission.submitted_at is None:
        return None
    seconds = Decimal(int(((now or clock.now()) - submission.submitted_at).total_seconds()))
    return seconds / 3600
