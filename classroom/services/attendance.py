"""Attendance: the trainer's register, QR check-in and confirmation.

QR check-in: the trainer's screen shows a code that changes every 30 seconds, an HMAC of the
session's secret and the number of the 30-second step. A scan is accepted only while the
session runs (from 15 minutes before its start to its end), only for the current step or the
one before (a scan at the turn of a step still works), only from someone with a seat, and
only once per person: a code photographed and sent on later, or a second check-in, is
refused.

Once the trainer confirms the register it is final; a change afterwards needs a reason and
is written to the audit log. Confirming (and every later change) tells the certification
rules through `result_recorded`, so a path's "what is missing" follows the register.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from classroom.models import ATTENDANCE_STATES, Attendance, EventEnrolment, TrainingSession
from lms.core import audit, clock
from lms.core.errors import DomainError
from lms.core.signals import result_recorded
from lms.people.models import Person

STEP_SECONDS = 30
OPENS_BEFORE = timedelta(minutes=15)
LATE_AFTER = timedelta(minutes=10)
KIND_KEY = "programme"


def step_at(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def code_for(row: TrainingSession, step: int) -> str:
    """The check-in code of one 30-second step (8 characters, case-insensitive)."""
    digest = hmac.new(row.checkin_secret.encode(), f"{row.id}:{step}".encode(),
                      hashlib.sha256).hexdigest()
    return digest[:8].upper()


def current_code(row: TrainingSession, at: datetime | None = None) -> tuple[str, int]:
    """(code, seconds until it changes) at `at` (now by default)."""
    at = at or clock.now()
    step = step_at(at)
    return code_for(row, step), STEP_SECONDS - int(at.timestamp()) % STEP_SECONDS


def checkin_open(row: TrainingSession, at: datetime | None = None) -> bool:
    at = at or clock.now()
    return row.starts_at - OPENS_BEFORE <= at <= row.ends_at


def seat_holders(session, row: TrainingSession) -> list[Person]:
    """People with a seat on the session's event, by name."""
    return list(session.scalars(
        select(Person).join(EventEnrolment, EventEnrolment.person_id == Person.id)
        .where(EventEnrolment.event_id == row.event_id, EventEnrolment.status == "enrolled")
        .order_by(Person.sort_name, Person.id)))


def _record_of(session, row: TrainingSession, person_id: int) -> Attendance | None:
    return session.scalar(select(Attendance).where(Attendance.session_id == row.id,
                                                   Attendance.person_id == person_id))


def check_in(session, person: Person, row: TrainingSession, code: str) -> Attendance:
    """Check `person` in with a scanned code (see the module for what is refused)."""
    now = clock.now()
    if row.event.cancelled:
        raise DomainError(_("This event is cancelled."))
    if not checkin_open(row, now):
        raise DomainError(_("Check-in is open only during the session (from 15 minutes "
                            "before it starts until it ends)."))
    step = step_at(now)
    given = (code or "").strip().upper()
    matched = next((s for s in (step, step - 1)
                    if hmac.compare_digest(given, code_for(row, s))), None)
    if matched is None:
        raise DomainError(_("This code has expired or is wrong: scan the code on the "
                          "trainer's screen again."), field="code")
    if person.id not in {p.id for p in seat_holders(session, row)}:
        raise DomainError(_("You do not have a seat on this training."))
    record = _record_of(session, row, person.id)
    if record is not None and record.status in ("present", "late"):
        raise DomainError(_("You are already checked in."))
    if row.confirmed_at is not None:
        raise DomainError(_("The register of this session is already confirmed; ask the "
                            "trainer."))
    late = now > row.starts_at + LATE_AFTER
    minutes = int((row.ends_at - max(now, row.starts_at)).total_seconds() // 60)
    if record is None:
        record = Attendance(session_id=row.id, person_id=person.id)
        session.add(record)
    record.status = "late" if late else "present"
    record.minutes, record.method, record.checkin_step = minutes, "qr", matched
    record.recorded_at, record.recorded_by_id = now, person.id
    session.flush()
    audit.record(person, "classroom.checkin", record, session_id=row.id, status=record.status)
    return record


@dataclass(frozen=True)
class Mark:
    """One line of the register as the trainer posts it."""

    person_id: int
    status: str
    minutes: int


def save_register(session, actor: Person, row: TrainingSession, marks: list[Mark],
                  reason: str = "") -> int:
    """Write the trainer's register; returns how many lines changed. Before confirmation no
    reason is needed; after it, a reason is required and each change is audited with the
    old and new values. Refuses unknown states, minutes beyond the session's length and
    people without a seat."""
    holders = {p.id for p in seat_holders(session, row)}
    confirmed = row.confirmed_at is not None
    reason = reason.strip()
    changed = 0
    for mark in marks:
        if mark.status not in ATTENDANCE_STATES:
            raise DomainError(_("Unknown attendance state %(state)s.", state=mark.status))
        if mark.person_id not in holders:
            raise DomainError(_("Only people with a seat can be on the register."))
        minutes = 0 if mark.status in ("absent", "excused") else mark.minutes
        if not 0 <= minutes <= row.minutes:
            raise DomainError(_("Minutes attended must be between 0 and %(most)d.",
                                most=row.minutes), field="minutes")
        record = _record_of(session, row, mark.person_id)
        if record is not None and (record.status, record.minutes) == (mark.status, minutes):
            continue
        if confirmed and not reason:
            raise DomainError(_("The register is confirmed: give a reason for the change."),
                              field="reason")
        old = None if record is None else {"status": record.status, "minutes": record.minutes}
        if record is None:
            record = Attendance(session_id=row.id, person_id=mark.person_id)
            session.add(record)
        record.status, record.minutes, record.method = mark.status, minutes, "register"
        record.recorded_at, record.recorded_by_id = clock.now(), actor.id
        session.flush()
        changed += 1
        audit.record(actor, "classroom.attendance_change" if confirmed
                     else "classroom.attendance", record, reason=reason if confirmed else "",
                     session_id=row.id, person_id=mark.person_id, old=old,
                     new={"status": mark.status, "minutes": minutes})
        if confirmed:
            result_recorded.send(KIND_KEY, session=session, person_id=mark.person_id,
                                 source_id=row.id)
    return changed


def confirm_register(session, actor: Person, row: TrainingSession) -> TrainingSession:
    """Make the register final: everyone with a seat and no line is marked absent; the
    certification rules are told. Refuses a session that has not started or is confirmed."""
    if row.confirmed_at is not None:
        raise DomainError(_("The register is already confirmed."))
    if clock.now() < row.starts_at:
        raise DomainError(_("The register can be confirmed once the session has started."))
    people = seat_holders(session, row)
    for person in people:
        if _record_of(session, row, person.id) is None:
            session.add(Attendance(session_id=row.id, person_id=person.id, status="absent",
                                   minutes=0, method="register", recorded_at=clock.now(),
                                   recorded_by_id=actor.id))
    row.confirmed_at, row.confirmed_by_id = clock.now(), actor.id
    session.flush()
    audit.record(actor, "classroom.register_confirm", row, people=len(people))
    for person in people:
        result_recorded.send(KIND_KEY, session=session, person_id=person.id, source_id=row.id)
    return row


def register_lines(session, row: TrainingSession) -> list[tuple[Person, Attendance | None]]:
    """Each seat holder with their attendance line (None when not marked yet)."""
    records = {a.person_id: a for a in session.scalars(
        select(Attendance).where(Attendance.session_id == row.id))}
    return [(person, records.get(person.id)) for person in seat_holders(session, row)]
