"""People, their roles and teams."""

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from lms.core import clock
from lms.core.database import UTCDateTime
from lms.core.extensions import db
from lms.core.i18n import Translated

ROLES = ("agent", "mentor", "manager", "hr", "admin")
# Werkzeug's scrypt; the test suite swaps in a cheap method through monkeypatch.
PASSWORD_HASH_METHOD = "scrypt"


class Team(Translated, db.Model):
    """A team or department. Departments hold teams through `parent`. Its name in other
    languages lives in `translations` (the column holds the default language's)."""

    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped["Team | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class PersonRole(db.Model):
    """One role held by one person; a person may hold several."""

    __tablename__ = "person_role"
    __table_args__ = (
        CheckConstraint(
            "role IN ('agent', 'mentor', 'manager', 'hr', 'admin')", name="known_role"
        ),
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


def sort_name(name: str) -> str:
    """How lists sort a name: casefolded, so "alice" sits beside "Alice"."""
    return (name or "").casefold()


def _sort_name_of_row(context) -> str:
    # Inserts that give no sort name (bulk imports, benchmarks) get it from the name.
    return sort_name(context.get_current_parameters().get("name") or "")


class Person(UserMixin, db.Model):
    """Anyone with an account. `employee_id` is the key HR systems use."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("email"), UniqueConstraint("employee_id"),
                      Index("ix_person_sort_name", "sort_name", "id"),
                      # Per-team totals and head-counts read this index alone, in team order.
                      Index("ix_person_team", "team_id", "active", "tier_id"),
                      # A reporting line is a recursive walk down manager_id.
                      Index("ix_person_manager", "manager_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    # The name as lists sort it (casefolded; compared by code point on both databases), kept
    # with the name so that a page of 100,000 people sorted by name walks an index.
    sort_name: Mapped[str] = mapped_column(
        String(200).with_variant(String(200, collation="C"), "postgresql"),
        default=_sort_name_of_row)
    email: Mapped[str] = mapped_column(String(254))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    hire_date: Mapped[date | None]
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("certification_path.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # The author right: mentors (and admins, always) who may create and edit courses.
    can_author: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Bumped on logout, password change and deactivation: every older session cookie then
    # carries a stale version and is refused by the user loader.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Any change to the row (the API's `updated_since` reads it).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now,
                                                 onupdate=clock.now, index=True)

    @validates("name")
    def _keep_sort_name(self, _key, name: str) -> str:
        self.sort_name = sort_name(name)
        return name

    team: Mapped[Team | None] = relationship()
    manager: Mapped["Person | None"] = relationship(
        remote_side=[id], foreign_keys=[manager_id]
    )
    mentor: Mapped["Person | None"] = relationship(remote_side=[id], foreign_keys=[mentor_id])
    tier = relationship("CertificationPath")
    role_rows: Mapped[list[PersonRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        """True when the person holds any of `roles`."""
        return any(r.role in roles for r in self.role_rows)

    def set_roles(self, roles: set[str] | list[str]) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        keep = [r for r in self.role_rows if r.role in roles]
        have = {r.role for r in keep}
        self.role_rows = keep + [PersonRole(role=r) for r in ROLES if r in roles and r not in have]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    # Flask-Login: the session stores "id:version", so bumping the version ends old sessions.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self) -> str:
        return f"<Person {self.employee_id}>"


class ReportingLine(db.Model):
    """One person below one manager, directly or through others: the reporting line stored
    as a closure of `Person.manager_id`, so a manager's scope is one index range instead of
    a recursive walk (lms.people.services.reporting_line keeps it on every flush that
    changes a manager; `flask --app lms check-derived` proves it). A manager_id cycle, which
    the forms refuse, still gives a finite line: everyone on the cycle is below everyone."""

    __tablename__ = "reporting_line"
    manager_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                            primary_key=True)
    # "Whose line is this person in" (moving someone reads and rewrites their rows).
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)


class LoginFailure(db.Model):
    """A failed login, kept for the throttle when no Redis is configured (shared by all
    workers through the database)."""

    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SignInSettings(db.Model):
    """How people of this organisation sign in (one row; absent means the defaults).

    With local passwords off, people sign in through the identity provider only; holders of
    the administrator role keep their password as the break-glass way in."""

    __tablename__ = "sign_in_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    local_passwords: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now,
                                                 onupdate=clock.now)


class PersonPreference(db.Model):
    """A choice a person made about how pages show things to them (e.g. the HR table's
    columns), kept per person and key so it follows them to every browser."""

    __tablename__ = "person_preference"
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now,
                                                 onupdate=clock.now)
