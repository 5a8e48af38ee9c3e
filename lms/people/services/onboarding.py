"""Bulk onboarding from CSV: a dry run that reports every bad line, then all-or-nothing import.

Columns (header row required, order free): employee_id, name, email, team, manager_employee_id,
mentor_employee_id, hire_date (YYYY-MM-DD), tier (path code), roles (e.g. "agent;mentor").
Only employee_id, name and email are required.
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.core import audit
from lms.core.errors import DomainError
from lms.core.uploads import UploadProblem, check_lines, csv_records, read_text
from lms.paths.models import CertificationPath
from lms.people.models import ROLES, Person, Team
from lms.people.services.directory import PersonData, apply_person_data, is_email, normalise_email
from lms.people.services.invitations import send_first_sign_in
from lms.people.signals import tier_changed

REQUIRED_COLUMNS = ("employee_id", "name", "email")
OPTIONAL_COLUMNS = ("team", "manager_employee_id", "mentor_employee_id", "hire_date", "tier",
                    "roles")


@dataclass
class RowProblem:
    line: int
    message: str


@dataclass
class ImportPlan:
    """What an import would do: the rows that are ready, and every problem by line number."""

    rows: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def decode_csv(raw: bytes, max_bytes: int) -> str:
    """The file's text; refuses oversized and non-UTF-8 files and over-long lines, with the
    line number (`lms.core.uploads.read_text`; a UTF-8 BOM is allowed)."""
    return read_text(raw, max_bytes)


def plan_import(session, text: str) -> ImportPlan:
    """Check every line against the database and the rest of the file; changes nothing."""
    plan = ImportPlan()
    try:
        check_lines(text)
        header, records = csv_records(text)
    except UploadProblem as problem:
        plan.problems.append(RowProblem(problem.line, problem.problem))
        return plan
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        plan.problems.append(RowProblem(1, _("Missing column(s): %(cols)s.",
                                             cols=", ".join(missing))))
        return plan
    unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        plan.problems.append(RowProblem(1, _("Unknown column(s): %(cols)s.",
                                             cols=", ".join(unknown))))
        return plan
    teams = {t.name.lower(): t for t in session.scalars(select(Team).where(Team.active))}

    tiers = {p.code.lower(): p for p in session.scalars(select(CertificationPath))}
    # One query each instead of several per line: a 500-line file stays a handful of queries.
    known = _KnownPeople(
        ids=set(session.scalars(select(Person.employee_id))),
        emails=set(session.scalars(select(func.lower(Person.email)))),
        active_ids=set(session.scalars(select(Person.employee_id).where(Person.active))),
    )
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    file_people: dict[str, dict] = {}
    try:
        for row in records:
            line, record = row.line, row.values
            if None in record:
                plan.problems.append(RowProblem(
                    line, _("This line has more fields than the header.")))
                continue
            values = {k: (v or "").strip() for k, v in record.items()}
            if not any(values.values()):
                continue
            errors = _row_errors(known, values, teams, tiers, seen_ids, seen_emails)
            if errors:
                plan.problems.extend(RowProblem(line, e) for e in errors)
            else:
                plan.rows.append((line, values))
                file_people[values["employee_id"]] = values
            seen_ids.setdefault(values["employee_id"], line)
            seen_emails.setdefault(normalise_email(values["email"]), line)
    except UploadProblem as problem:
        # The rest of the file cannot be read: report where, and import nothing.
        plan.problems.append(RowProblem(problem.line, problem.problem))
        plan.rows.clear()
        return plan
    # Managers and mentors may be existing people or people earlier or later in the same file.
    for line, values in plan.rows:
        for column in ("manager_employee_id", "mentor_employee_id"):
            ref = values.get(column, "")
            if ref and ref not in file_people and ref not in known.active_ids:
                plan.problems.append(RowProblem(
                    line, _("%(column)s %(ref)s is not an active person or a row of this file.",
                            column=column, ref=ref)))
            if ref and ref == values["employee_id"]:
                plan.problems.append(RowProblem(line, _("A person cannot be their own manager "
                                                        "or mentor.")))
    plan.problems.extend(_manager_loops(plan.rows))
    plan.problems.sort(key=lambda p: p.line)
    if not plan.rows and not plan.problems:
        plan.problems.append(RowProblem(1, _("The file has no people in it.")))
    return plan


@dataclass(frozen=True)
class _KnownPeople:
    ids: set[str]
    emails: set[str]
    active_ids: set[str]


def _row_errors(known, values, teams, tiers, seen_ids, seen_emails) -> list[str]:
    errors = []
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            errors.append(_("%(column)s is empty.", column=column))
    eid, email = values.get("employee_id", ""), normalise_email(values.get("email", ""))
    if len(eid) > 40 or len(values.get("name", "")) > 200 or len(email) > 254:
        errors.append(_("A value is too long."))
    if eid in seen_ids:
        errors.append(_("Employee ID %(id)s also appears on line %(line)d.", id=eid,
                        line=seen_ids[eid]))
    elif eid and eid in known.ids:
        errors.append(_("Employee ID %(id)s already exists.", id=eid))
    if email and not is_email(email):
        errors.append(_("%(email)s is not an email address.", email=values["email"]))
    elif email in seen_emails:
        errors.append(_("Email %(email)s also appears on line %(line)d.", email=email,
                        line=seen_emails[email]))
    elif email and email in known.emails:
        errors.append(_("Email %(email)s already exists.", email=email))
    if values.get("team") and values["team"].lower() not in teams:
        errors.append(_("Unknown team %(team)s.", team=values["team"]))
    if values.get("tier") and values["tier"].lower() not in tiers:
        errors.append(_("Unknown tier %(tier)s.", tier=values["tier"]))
    if values.get("hire_date"):
        try:
            date.fromisoformat(values["hire_date"])
        except ValueError:
            errors.append(_("hire_date %(value)s is not a date like 2026-03-01.",
                            value=values["hire_date"]))
    roles = _roles(values)
    if set(roles) - set(ROLES):
        errors.append(_("Unknown role(s): %(roles)s.",
                        roles=", ".join(sorted(set(roles) - set(ROLES)))))
    elif set(roles) & {"admin", "hr"}:
        errors.append(_("The HR and administrator roles cannot be granted by import."))
    return errors


def _roles(values) -> tuple[str, ...]:
    raw = values.get("roles", "") or "agent"
    return tuple(r.strip().lower() for r in raw.replace(",", ";").split(";") if r.strip())


def _manager_loops(rows) -> list[RowProblem]:
    """Rows whose manager chain inside the file comes back to them."""
    manager_of = {v["employee_id"]: v.get("manager_employee_id", "") for _, v in rows}
    problems = []
    for line, values in rows:
        seen, current = set(), values["employee_id"]
        while manager_of.get(current):
            current = manager_of[current]
            if current == values["employee_id"]:
                problems.append(RowProblem(line, _("The managers in this file form a loop.")))
                break
            if current in seen:
                break
            seen.add(current)
    return problems


def run_import(session, actor, text: str, invite: tuple[str, int] | None = None) -> int:
    """Import every row or none: re-plans (the file may have been tampered with, or the
    database changed since the preview), refuses on any problem, then adds everyone with one
    flush. The plan has checked each row as create_person would. With `invite` (secret key,
    link lifetime in seconds) everyone imported gets the first sign-in e-mail."""
    plan = plan_import(session, text)
    if not plan.ok:
        raise DomainError(_("The file has problems; nothing was imported."))
    teams = {t.name.lower(): t.id for t in session.scalars(select(Team))}

    tiers = {p.code.lower(): p.id for p in session.scalars(select(CertificationPath))}
    created: dict[str, Person] = {}
    for _line, values in plan.rows:
        person = Person()
        apply_person_data(person, PersonData(
            employee_id=values["employee_id"], name=values["name"], email=values["email"],
            team_id=teams[values["team"].lower()] if values.get("team") else None,
            hire_date=date.fromisoformat(values["hire_date"]) if values.get("hire_date") else None,
            tier_id=tiers[values["tier"].lower()] if values.get("tier") else None,
            roles=_roles(values),
        ))
        created[values["employee_id"]] = person
    session.add_all(created.values())
    session.flush()
    refs = {v.get(c) for _, v in plan.rows for c in ("manager_employee_id", "mentor_employee_id")}
    existing = dict(session.execute(
        select(Person.employee_id, Person.id).where(Person.employee_id.in_(refs - {"", None}))
    ).all())
    for _line, values in plan.rows:
        person = created[values["employee_id"]]
        for column, attribute in (("manager_employee_id", "manager_id"),
                                  ("mentor_employee_id", "mentor_id")):
            ref = values.get(column)
            if ref:
                setattr(person, attribute, existing[ref])
    session.flush()
    for person in created.values():
        audit.record(actor, "person.create", person, employee_id=person.employee_id,
                     via="csv-import")
    audit.record(actor, "people.import", actor, count=len(created))
    session.flush()
    placed = [person for person in created.values() if person.tier_id is not None]
    if placed:
        tier_changed.send(session, actor=actor, people=placed)
    if invite is not None:
        for person in created.values():
            send_first_sign_in(session, actor, person, *invite)
    return len(created)
