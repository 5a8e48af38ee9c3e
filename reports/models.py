"""Report tables: personal access tokens for the read API, review-pack jobs, the xAPI outbox,
and the counters of levels per team and tier the heat map reads (`services.level_tally`)."""

from datetime import date, datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db


class ApiToken(db.Model):
    """A personal access token for /api/v1, created by an admin for a person: it reads exactly
    what that person may see (`policy.report_scope`), limited to its scopes. Only the SHA-256
    of the token is stored; the plaintext is shown once, when it is created."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # Space-separated scope names ("people:read certifications:read").
    scopes: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's last characters, so an admin can tell tokens apart ("lms_pat_…x7Qa").
    hint: Mapped[str] = mapped_column(String(8))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written at most once a minute per token (see tokens.touch), never on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person = relationship("Person", foreign_keys=[person_id])
    created_by = relationship("Person", foreign_keys=[created_by_id])

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def valid_until(self) -> date | None:
        """The last day the token works (it expires at the midnight after it, UTC)."""
        return (self.expires_at - timedelta(microseconds=1)).date() if self.expires_at else None

    def status(self, now: datetime) -> str:
        """"revoked", "expired" or "active" at `now`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class ReviewPackJob(db.Model):
    """A team's review packs (one PDF per person, zipped) prepared by a background job for
    the person who asked: the people are those of the team within their `report_scope` when
    the job runs, rendered in the language they asked in. Only they may follow or download
    it (`reports.pack_job`)."""

    __tablename__ = "review_pack_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    locale: Mapped[str] = mapped_column(String(20), default="en")
    status: Mapped[str] = mapped_column(String(20), default="queued")  # running, done, failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    # The download's name; emptied when a newer pack of the same team replaced the file.
    file_name: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team = relationship("Team")
    requested_by = relationship("Person")


class XapiStatement(db.Model):
    """An xAPI statement waiting for (or delivered to) the Learning Record Store. Sent in `id`
    order; a statement is marked sent only once the LRS has accepted it, so nothing is lost
    while the LRS is down."""

    __tablename__ = "xapi_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    statement: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    tries: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class LevelTally(db.Model):
    """Active people holding `level` in a competency, per team and tier (0: none), kept by
    database triggers on every write of a stored level or of a person's team, tier or active
    flag (`reports.services.level_tally`). No foreign keys: a counter outlives nothing, and
    check-derived recounts it."""

    __tablename__ = "level_tally"
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tier_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    competency_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    people: Mapped[int] = mapped_column(Integer, default=0)


class LevelTallyChange(db.Model):
    """On PostgreSQL, what each statement moved, appended by the triggers so that writers
    never wait on one another's counters; readers add them up and fold them in."""

    __tablename__ = "level_tally_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer)
    tier_id: Mapped[int] = mapped_column(Integer)
    competency_id: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    delta: Mapped[int] = mapped_column(Integer)


@event.listens_for(db.metadata, "after_create")
def _keep_the_tally(_metadata, connection, **_kw) -> None:
    """Tables made from the models (tests, benchmarks) get the triggers the migration makes."""
    from sqlalchemy import inspect

    from reports.services.level_tally import install_triggers

    present = inspect(connection)
    if all(present.has_table(t) for t in ("person", "competency_level", "level_tally",
                                          "level_tally_change")):
        install_triggers(connection)
