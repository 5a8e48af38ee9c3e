"""Enrolment: by path (when a person is placed on a tier), by assignment, by oneself.

Enrolment is idempotent: a person has at most one Enrollment per course; enrolling again keeps
it (a new due date replaces the old one), and a withdrawn enrolment is re-activated with its
history. Prerequisites stop self-enrolment and starting a course (reading and completing its
lessons), not assignment: HR may assign a whole path at once. Callers own the commit.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, lazyload, selectinload

from courses.models import Course, CourseCompetency, Enrollment, PathCourse
from lms.core import audit, clock, policy
from lms.core.database import insert_rows
from lms.core.errors import DomainError
from lms.notifications.services import notify, notify_many, reminder_source
from lms.people.models import Person, Team
from lms.people.signals import tier_changed

# A due-soon reminder goes out this many days before the due date.
DUE_SOON_DAYS = 3


def course_link(course_id: int) -> str:
    """The learner's page of a course, as a site path (services have no request for url_for)."""
    return f"/courses/{course_id}"


@dataclass
class EnrolmentResult:
    """What a bulk enrolment did, person by person."""

    created: list[Enrollment] = field(default_factory=list)
    reactivated: list[Enrollment] = field(default_factory=list)
    unchanged: list[Enrollment] = field(default_factory=list)
    refused: list[Person] = field(default_factory=list)

    @property
    def enrolled(self) -> list[Enrollment]:
        return self.created + self.reactivated


def _require_published(course: Course) -> None:
    if not course.published_version or course.status != "published":
        raise DomainError(_("%(course)s is not published, so nobody can be enrolled yet.",
                            course=course.tr("title")))


def unmet_prerequisites(session, person_id: int, course: Course) -> list[Course]:
    """The courses `course` requires that the person has not completed (in history: a course
    completed once stays completed)."""
    required = [link.requires for link in course.prerequisite_links]
    if not required:
        return []
    done = set(session.scalars(select(Enrollment.course_id).where(
        Enrollment.person_id == person_id,
        Enrollment.course_id.in_([c.id for c in required]),
        Enrollment.completed_at.is_not(None),
    )))
    return [c for c in required if c.id not in done]


def prerequisite_message(missing: list[Course]) -> str:
    """"Complete New-hire basics first." for the courses still to complete."""
    return _("Complete %(courses)s first.", courses=", ".join(c.tr("title") for c in missing))


def enrol_people(session, actor, people: list[Person], course: Course,
                 due_date: date | None = None, source: str = "assigned",
                 send_notice: bool = True) -> EnrolmentResult:
    """Enrol each active person in `course` (one query for the existing enrolments) and tell
    them (unless `send_notice` is off, for recorded history). A person already enrolled keeps
    the enrolment; a new due date replaces the old one if not yet completed. Refuses
    unpublished courses and due dates in the past."""
    _require_published(course)
    if due_date is not None and due_date < clock.today():
        raise DomainError(_("The due date is in the past."), "due_date")
    result = EnrolmentResult()
    people = [p for p in people if p.active]
    existing = {e.person_id: e for e in session.scalars(select(Enrollment).where(
        Enrollment.course_id == course.id,
        Enrollment.person_id.in_([p.id for p in people]),
    ))} if people else {}
    fresh = []
    for person in people:
        enrollment = existing.get(person.id)
        if enrollment is None:
            fresh.append(person)
        elif enrollment.withdrawn:
            enrollment.withdrawn = False
            enrollment.source = source
            enrollment.assigned_by_id = actor.id if actor is not None else None
            enrollment.due_date = due_date
            result.reactivated.append(enrollment)
        else:
            if (due_date is not None and enrollment.due_date != due_date
                    and enrollment.completed_at is None):
                audit.record(actor, "enrolment.due_date", enrollment,
                             before=_iso(enrollment.due_date), after=_iso(due_date))
                enrollment.due_date = due_date
            result.unchanged.append(enrollment)
    session.flush()
    result.created = _create_enrollments(session, actor, fresh, course, due_date, source)
    for action, enrollments in (("enrolment.create", result.created),
                                ("enrolment.reactivate", result.reactivated)):
        audit.record_many(actor, action, "Enrollment", [
            (e.id, {"course": course.code, "person_id": e.person_id, "source": source,
                    "due_date": _iso(e.due_date)}) for e in enrollments])
    if send_notice:
        _notify_each(session, {p.id: p for p in people},
                     {e.person_id: [e] for e in result.enrolled})
    return result


def _create_enrollments(session, actor, people: list[Person], course: Course,
                        due_date: date | None, source: str) -> list[Enrollment]:
    """New enrolments of `people` in `course`, in their order: one batched insert and one
    read back, so a plan or a team enrolling thousands sends no statement per person."""
    if not people:
        return []
    insert_rows(session.connection(), Enrollment.__table__, [
        {"person_id": person.id, "course_id": course.id, "source": source,
         "assigned_by_id": actor.id if actor is not None and source != "self" else None,
         "due_date": due_date, "enrolled_at": clock.now(), "withdrawn": False}
        for person in people])
    # The course is in the session already: no join (and no loading of its links) per row.
    made = {e.person_id: e for e in session.scalars(select(Enrollment).where(
        Enrollment.course_id == course.id,
        Enrollment.person_id.in_([person.id for person in people]))
        .options(lazyload(Enrollment.course)))}
    return [made[person.id] for person in people]


def enrol(session, actor, person: Person, course: Course, due_date: date | None = None,
          source: str = "assigned") -> Enrollment:
    """Enrol one person (see enrol_people); refuses a deactivated person."""
    if not person.active:
        raise DomainError(_("%(name)s is deactivated.", name=person.name))
    result = enrol_people(session, actor, [person], course, due_date, source)
    return (result.enrolled + result.unchanged)[0]


def enrol_team(session, actor, team: Team, course: Course,
               due_date: date | None = None) -> EnrolmentResult:
    """Enrol the team's active members whom `actor` may enrol (policy courses.enrol_others);
    the others are listed as refused."""
    members = list(session.scalars(
        select(Person).where(Person.team_id == team.id, Person.active.is_(True))
        .order_by(Person.name)
    ))
    allowed = [p for p in members if policy.may(actor, "courses.enrol_others", p)]
    result = enrol_people(session, actor, allowed, course, due_date)
    result.refused = [p for p in members if p not in allowed]
    return result


def self_enrol(session, person: Person, course: Course) -> Enrollment:
    """Enrol oneself in a course open to self-enrolment; refuses other courses and courses
    whose prerequisites the person has not completed, saying which."""
    if not policy.may(person, "courses.self_enrol", course):
        raise DomainError(_("%(course)s is not open for self-enrolment; ask your manager or "
                            "mentor.", course=course.tr("title")))
    missing = unmet_prerequisites(session, person.id, course)
    if missing:
        raise DomainError(prerequisite_message(missing))
    return enrol(session, person, person, course, source="self")


def withdraw(session, actor, enrollment: Enrollment, reason: str = "") -> None:
    """Withdraw an enrolment; its progress and history stay (a later enrolment re-activates
    it)."""
    if enrollment.withdrawn:
        return
    enrollment.withdrawn = True
    session.flush()
    audit.record(actor, "enrolment.withdraw", enrollment, reason, course_id=enrollment.course_id,
                 person_id=enrollment.person_id)


def enrol_in_path_courses(session, actor, people: list[Person]) -> int:
    """Enrol people in the required courses of their tier, due `due_days` after today.
    One query for the tiers' courses and one for the existing enrolments, whatever the number
    of people; returns how many enrolments were made or re-activated."""
    people = [p for p in people if p.active and p.tier_id is not None]
    if not people:
        return 0
    links = list(session.scalars(
        select(PathCourse).join(Course)
        .where(PathCourse.path_id.in_({p.tier_id for p in people}),
               PathCourse.required.is_(True), Course.status == "published",
               Course.published_version > 0)
        .options(contains_eager(PathCourse.course))
        .order_by(PathCourse.path_id, PathCourse.position)
    ))
    if not links:
        return 0
    existing = {(e.person_id, e.course_id): e for e in session.scalars(
        select(Enrollment).where(Enrollment.person_id.in_([p.id for p in people]),
                                 Enrollment.course_id.in_({link.course_id for link in links}))
    )}
    today = clock.today()
    made: dict[int, list[Enrollment]] = {}
    for person in people:
        for link in links:
            if link.path_id != person.tier_id:
                continue
            due = today + timedelta(days=link.due_days) if link.due_days is not None else None
            enrollment = existing.get((person.id, link.course_id))
            if enrollment is not None and not enrollment.withdrawn:
                continue
            if enrollment is None:
                enrollment = Enrollment(person_id=person.id, course_id=link.course_id,
                                        course=link.course, enrolled_at=clock.now())
                session.add(enrollment)
            enrollment.withdrawn = False
            enrollment.source = "path"
            enrollment.assigned_by_id = actor.id if actor is not None else None
            enrollment.due_date = due
            made.setdefault(person.id, []).append(enrollment)
    session.flush()
    for person in people:
        enrollments = made.get(person.id)
        if enrollments:
            audit.record(actor, "enrolment.path", person, tier_id=person.tier_id,
                         courses=[e.course_id for e in enrollments])
    _notify_each(session, {p.id: p for p in people}, made)
    return sum(len(e) for e in made.values())


def _on_tier_changed(session, actor=None, people=()) -> None:
    enrol_in_path_courses(session, actor, list(people))


tier_changed.connect(_on_tier_changed)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _notify_each(session, people: dict[int, Person],
                 made: dict[int, list[Enrollment]]) -> None:
    """Tell each person (id → Person) of their new enrolments (id → enrolments): one message
    per person, queued together for everyone enrolled in the same courses by the same dates
    (a plan or a tier enrolling thousands sends no statement per person)."""
    alike: dict[tuple, list[int]] = {}
    for person_id, enrollments in made.items():
        alike.setdefault(tuple((e.course_id, e.due_date) for e in enrollments),
                         []).append(person_id)
    for ids in alike.values():
        _notify_enrolled(session, [people[pid] for pid in ids], made[ids[0]])


def _notify_enrolled(session, people: list[Person], enrollments: list[Enrollment]) -> None:
    """One message to each of `people` about the same `enrollments` (theirs alike): "You
    have been enrolled in …, due …"."""

    def message() -> tuple[str, str]:
        lines = [_enrolled_line(e) for e in enrollments]
        if len(enrollments) == 1:
            return lines[0], lines[0]
        return ngettext("You have been enrolled in %(num)d course",
                        "You have been enrolled in %(num)d courses", len(enrollments)), \
            "\n".join(lines)

    link = course_link(enrollments[0].course_id) if len(enrollments) == 1 else "/my-path"
    notify_many(session, people, "enrolment", message, link=link)


def _due_message(enrollment: Enrollment, overdue: bool) -> tuple[str, str]:
    title = enrollment.course.tr("title")
    when = format_date(enrollment.due_date)
    if overdue:
        return (_("Overdue: %(course)s was due %(date)s", course=title, date=when),
                _("%(course)s was due on %(date)s. Please complete it as soon as you can.",
                  course=title, date=when))
    return (_("Reminder: %(course)s is due %(date)s", course=title, date=when),
            _("%(course)s is due on %(date)s.", course=title, date=when))


def _enrolled_line(enrollment: Enrollment) -> str:
    title = enrollment.course.tr("title")
    if enrollment.due_date is None:
        return _("You have been enrolled in %(course)s.", course=title)
    return _("You have been enrolled in %(course)s, due %(date)s.", course=title,
             date=format_date(enrollment.due_date))


@reminder_source
def due_date_reminders(session, today: date) -> int:
    """Due-soon (DUE_SOON_DAYS before) and overdue reminders for unfinished enrolments, each
    sent once per enrolment and due date."""
    rows = session.scalars(
        select(Enrollment)
        .join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.withdrawn.is_(False), Enrollment.completed_at.is_(None),
               Enrollment.due_date.is_not(None),
               Enrollment.due_date <= today + timedelta(days=DUE_SOON_DAYS),
               Person.active.is_(True))
        .options(selectinload(Enrollment.person))
        .order_by(Enrollment.id)
    ).all()
    sent = 0
    for enrollment in rows:
        overdue = enrollment.due_date < today
        kind = "overdue" if overdue else "due-soon"
        person = enrollment.person
        made = notify(session, person, kind, lambda e=enrollment, o=overdue: _due_message(e, o),
                      link=course_link(enrollment.course_id),
                      dedupe_key=f"{kind}:{enrollment.id}:{enrollment.due_date.isoformat()}")
        sent += made is not None
    return sent



# The catalogue

CATALOGUE_STATUSES = ("not_enrolled", "enrolled", "completed")


def catalogue_query(person, text: str = "", tier_id: int | None = None,
                    competency_id: int | None = None, status: str | None = None) -> Select:
    """A statement for the published courses matching a search (title or code) and filters,
    by title. `status` is the person's: not_enrolled, enrolled (not completed), completed."""
    stmt = select(Course).where(Course.status == "published", Course.published_version > 0)
    text = text.strip().lower()
    if text:
        stmt = stmt.where(or_(func.lower(Course.title).contains(text, autoescape=True),
                              func.lower(Course.code).contains(text, autoescape=True)))
    if tier_id is not None:
        stmt = stmt.where(Course.id.in_(
            select(PathCourse.course_id).where(PathCourse.path_id == tier_id)))
    if competency_id is not None:
        stmt = stmt.where(Course.id.in_(select(CourseCompetency.course_id).where(
            CourseCompetency.competency_id == competency_id)))
    mine = select(Enrollment.course_id).where(Enrollment.person_id == person.id,
                                              Enrollment.withdrawn.is_(False))
    completed = select(Enrollment.course_id).where(Enrollment.person_id == person.id,
                                                   Enrollment.completed_at.is_not(None))
    if status == "completed":
        stmt = stmt.where(Course.id.in_(completed))
    elif status == "enrolled":
        stmt = stmt.where(Course.id.in_(mine), Course.id.not_in(completed))
    elif status == "not_enrolled":
        stmt = stmt.where(Course.id.not_in(mine), Course.id.not_in(completed))
    return stmt.order_by(func.lower(Course.title), Course.id)
