"""Who may see and manage people and teams, and the reporting line every other package's rules
lean on (a manager sees everyone below them; a mentor their mentees)."""

from sqlalchemy import Integer, Select, literal, select, true, union
from sqlalchemy.orm import aliased

from lms.core import policy
from lms.people.models import Person, ReportingLine

# The roles that read other people's records at all (lists, progress tables, reports, results);
# which people each of them sees is `visible_people_filter`.
LINE_READERS = ("admin", "hr", "manager", "mentor")


def reporting_line_ids(manager_id: int) -> Select:
    """A SELECT of the ids of everyone below `manager_id`: their reports, their reports'
    reports, and so on (the stored line, lms.people.services.reporting_line: one index range,
    which the planner estimates right, where it misjudged a recursive walk by orders of
    magnitude)."""
    return select(ReportingLine.person_id).where(ReportingLine.manager_id == manager_id)


def is_in_reporting_line(person, manager) -> bool:
    """True when `manager` is `person`'s manager, or their manager's manager, and so on.
    Walks the objects, not the stored line: it must answer for changes not flushed yet, and
    the managers are usually loaded already (no query)."""
    seen = set()
    current = person.manager
    while current is not None and current.id not in seen:
        if current.id == manager.id:
            return True
        seen.add(current.id)
        current = current.manager
    return False


def may_view_person(actor, person) -> bool:
    """Self, HR and admins; a manager for anyone below them; a mentor for their mentees."""
    if actor.id == person.id or actor.has_role("admin", "hr"):
        return True
    if actor.has_role("mentor") and person.mentor_id == actor.id:
        return True
    if actor.has_role("manager"):
        return is_in_reporting_line(person, actor)
    return False


def visible_people_filter(actor):
    """A SQL condition on Person selecting whom `actor` may see in lists (the person.view
    rule as SQL)."""
    if actor.has_role("admin", "hr"):
        return true()
    # One IN over a UNION of ids, not an OR of conditions: an OR beside the
    # reporting line keeps PostgreSQL from hashing it (10 s a query at 100,000 people).
    ids = [select(literal(actor.id, Integer).label("id"))]
    if actor.has_role("mentor"):
        mentee = aliased(Person)
        ids.append(select(mentee.id).where(mentee.mentor_id == actor.id))
    if actor.has_role("manager"):
        ids.append(reporting_line_ids(actor.id))
    return Person.id.in_(union(*ids) if len(ids) > 1 else ids[0])


def report_scope(actor):
    """A SQL condition on Person selecting whom `actor` may see in reports, exports, review
    packs and the API: HR and admins everyone, managers their reporting line, mentors their
    mentees, anyone themselves (the person.view rule, one place)."""
    return visible_people_filter(actor)


def _view_person(actor, action, person) -> bool:
    return person is not None and may_view_person(actor, person)


# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    (("people.manage", "people.import", "teams.manage", "people.invite"),
     policy.roles("admin", "hr")),
    (("people.reset_password", "people.set_roles"), policy.roles("admin")),
    # People lists and learning-progress tables: managers (their line), mentors (mentees), HR and
    # admins (everyone).
    (("people.list", "team.progress"), policy.roles(*LINE_READERS)),
    ("account.manage", policy.signed_in),
    ("person.view", _view_person),
)
