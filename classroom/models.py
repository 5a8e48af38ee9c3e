"""Classroom and live training: events with dated sessions, enrolment with a waitlist,
attendance, and each person's calendar feed.

Times are stored as aware UTC (`UTCDateTime`) with the session's IANA zone beside them: the
zone says how the session is shown and written into calendars, so a session at 09:00 in
Europe/Berlin stays at 09:00 local time on both sides of a daylight-saving change.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db
from lms.core.i18n import Translated

ENROLMENT_STATES = ("enrolled", "waitlisted", "cancelled")
ATTENDANCE_STATES = ("present", "late", "absent", "excused")

session_trainer = Table(
    "training_session_trainer", db.metadata,
    Column("session_id", ForeignKey("training_session.id", ondelete="CASCADE"),
           primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
)


class TrainingEvent(Translated, db.Model):
    """A classroom or live programme ("New-hire programme, cohort 2026-12") of one or more
    sessions, tied to a course or a certification path. `capacity` is the number of seats;
    more sign-ups wait in line and move up, in order, when a seat frees."""

    __tablename__ = "training_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"))
    path_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_path.id", ondelete="SET NULL"), index=True)
    capacity: Mapped[int] = mapped_column(default=20)
    self_signup: Mapped[bool] = mapped_column(default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    sessions: Mapped[list["TrainingSession"]] = relationship(
        back_populates="event", order_by="TrainingSession.starts_at",
        cascade="all, delete-orphan")
    enrolments: Mapped[list["EventEnrolment"]] = relationship(
        back_populates="event", cascade="all, delete-orphan")
    course = relationship("Course")
    path = relationship("CertificationPath")

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def seats(self) -> int:
        """Seats on offer: the event's, or fewer where a session's room holds fewer."""
        return min([self.capacity] + [s.capacity for s in self.sessions if s.capacity])


class TrainingSession(db.Model):
    """One dated meeting of an event: start and end (aware, stored in UTC) with the IANA zone
    it is held in, a room or an online link, its trainers. `checkin_secret` makes the QR
    codes; `confirmed_at` makes its attendance final."""

    __tablename__ = "training_session"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("training_event.id", ondelete="CASCADE"),
                                          index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    room: Mapped[str] = mapped_column(String(200), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    checkin_secret: Mapped[str] = mapped_column(String(64))
    # Seats in this session's room (None: the event's); the event seats no more people than
    # its smallest session holds, since everyone enrolled attends every session.
    capacity: Mapped[int | None] = mapped_column(Integer)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id",
                                                                   ondelete="SET NULL"))

    event: Mapped[TrainingEvent] = relationship(back_populates="sessions")
    trainers = relationship("Person", secondary=session_trainer, order_by="Person.sort_name")
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="session", cascade="all, delete-orphan")

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class EventEnrolment(db.Model):
    """A person's place on an event: enrolled (holds a seat), waitlisted (in line, by
    `requested_at` then id) or cancelled (with the reason)."""

    __tablename__ = "event_enrolment"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id"),
        CheckConstraint("status IN ('enrolled', 'waitlisted', 'cancelled')",
                        name="known_enrolment_status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("training_event.id", ondelete="CASCADE"),
                                          index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           index=True)
    status: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id",
                                                                  ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[TrainingEvent] = relationship(back_populates="enrolments")
    person = relationship("Person", foreign_keys=[person_id])


class Attendance(db.Model):
    """Whether a person attended a session (present, late, absent, excused) and for how many
    minutes; `method` says who wrote it (the trainer's register or a QR check-in) and
    `checkin_step` which 30-second code was used, so a code is never taken twice."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id"),
        CheckConstraint("status IN ('present', 'late', 'absent', 'excused')",
                        name="known_attendance_status"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id",
                                                       ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           index=True)
    status: Mapped[str] = mapped_column(String(20))
    minutes: Mapped[int] = mapped_column(default=0)
    method: Mapped[str] = mapped_column(String(20), default="register")
    checkin_step: Mapped[int | None]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id",
                                                                  ondelete="SET NULL"))

    session: Mapped[TrainingSession] = relationship(back_populates="attendance")
    person = relationship("Person", foreign_keys=[person_id])


class CalendarFeed(db.Model):
    """A person's personal calendar address. Only the token's SHA-256 is kept: the address is
    shown once when made, and making a new one revokes the old."""

    __tablename__ = "calendar_feed"
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MentoringMeeting(db.Model):
    """A meeting of a mentor and their mentee: planned (a date ahead), then logged (when it
    was held, how long, topics, competencies worked on, agreed actions). It counts towards
    mentoring hours once both have confirmed it; whoever logs it confirms it by logging."""

    __tablename__ = "mentoring_meeting"
    __table_args__ = (CheckConstraint("minutes >= 0", name="minutes_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           index=True)
    planned_on: Mapped[date | None]
    held_on: Mapped[date | None]
    minutes: Mapped[int] = mapped_column(default=0)
    topics: Mapped[str] = mapped_column(Text, default="")
    competency_ids: Mapped[list] = mapped_column(JSON, default=list)
    actions: Mapped[str] = mapped_column(Text, default="")
    mentor_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mentee_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    mentor = relationship("Person", foreign_keys=[mentor_id])
    mentee = relationship("Person", foreign_keys=[mentee_id])

    @property
    def confirmed(self) -> bool:
        return self.mentor_confirmed_at is not None and self.mentee_confirmed_at is not None


class RotationShift(db.Model):
    """A manager's shift on the front line (job rotation): the day, hours, the team worked
    with and what was learned; it counts once a supervisor of that team confirms it."""

    __tablename__ = "rotation_shift"
    __table_args__ = (CheckConstraint("minutes > 0", name="minutes_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    worked_on: Mapped[date]
    minutes: Mapped[int]
    learned: Mapped[str] = mapped_column(Text, default="")
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id",
                                                                   ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person = relationship("Person", foreign_keys=[person_id])
    team = relationship("Team")
    confirmed_by = relationship("Person", foreign_keys=[confirmed_by_id])


class TrainingSettings(db.Model):
    """Run-time settings of training hours (one row, id 1; defaults when absent): the yearly
    target per person (120 h by default, from the plans)."""

    __tablename__ = "training_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_hours: Mapped[int] = mapped_column(default=120)
