"""The audit log in words: object types in plain language, each object by its name, and the
details as "Manager: 王芳 → David Okafor" instead of `manager_id: 4`.

The log stores class names, ids and raw values (it must not change when a name does); the
words are looked up when the page is read, a page of entries at a time (one query per object
type or id kind on the page).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from assessments.quiz.models import Attempt, Question, QuestionCategory, Quiz
from assessments.review360.models import Cycle, Questionnaire, Subject
from assessments.roleplay.models import Rubric, Scenario, Submission
from certificates.models import Certificate, CertificateBatch
from courses.models import Course, Enrollment
from lms.competencies.models import Competency, CompetencyArea
from lms.core.audit import AuditEntry
from lms.paths.models import AssessmentSlot, CertificationPath
from lms.people.models import Person, Team

# The types an entry can name, in the reader's words (the type filter offers these only).
OBJECT_TYPES = {
    "AssessmentSlot": _l("Path assessment"),
    "Attempt": _l("Quiz attempt"),
    "Certificate": _l("Certificate"),
    "CertificateBatch": _l("Certificate batch"),
    "CertificateDesign": _l("Certificate design"),
    "CertificationPath": _l("Certification path"),
    "CertificationSettings": _l("Certification rules"),
    "Competency": _l("Competency"),
    "CompetencyArea": _l("Competency area"),
    "Course": _l("Course"),
    "Cycle": _l("360 cycle"),
    "Enrollment": _l("Enrolment"),
    "ApiToken": _l("API token"),
    "Person": _l("Person"),
    "ProficiencyLevel": _l("Proficiency level"),
    "Question": _l("Question"),
    "QuestionCategory": _l("Question category"),
    "Questionnaire": _l("360 questionnaire"),
    "Quiz": _l("Quiz or exam"),
    "QuizOverride": _l("Quiz accommodation"),
    "RecertificationSlot": _l("Recertification assessment"),
    "Rubric": _l("Rubric"),
    "Scenario": _l("Role-play scenario"),
    "Subject": _l("Person in a 360 cycle"),
    "Submission": _l("Role-play submission"),
    "CalibrationSession": _l("Calibration session"),
    "Team": _l("Team"),
}

def _joined(relationship):
    """`relationship` joined into the query, without what its model would load besides."""
    return joinedload(relationship).lazyload("*")


class _Namer(NamedTuple):
    """How a type is named: its model, a function from a loaded row to its name, and the
    loader options that bring what the name reads in the same query (never one per entry).
    Nothing else is loaded: the models' own eager loads (a person's roles, a course's links)
    are turned off, here as in `_names_of`."""

    model: type
    name: Callable[[object], str]
    loads: tuple = ()


# How each named type is called.
_NAMERS = {
    "Person": _Namer(Person, lambda p: p.name),
    "Team": _Namer(Team, lambda t: t.name),
    "CertificationPath": _Namer(CertificationPath, lambda p: p.tr("name")),
    "AssessmentSlot": _Namer(AssessmentSlot, lambda s: s.tr("label")),
    "Competency": _Namer(Competency, lambda c: c.tr("name")),
    "CompetencyArea": _Namer(CompetencyArea, lambda a: a.tr("name")),
    "Course": _Namer(Course, lambda c: c.tr("title")),
    "Enrollment": _Namer(Enrollment, lambda e: f"{e.person.name} · {e.course.tr('title')}",
                         (_joined(Enrollment.person), _joined(Enrollment.course))),
    "Quiz": _Namer(Quiz, lambda q: q.tr("title")),
    "Attempt": _Namer(Attempt, lambda a: _("%(quiz)s, attempt %(number)d",
                                           quiz=a.quiz.tr("title"), number=a.number),
                      (_joined(Attempt.quiz),)),
    "Question": _Namer(Question, lambda q: q.versions[-1].name if q.versions else "",
                       (selectinload(Question.versions).lazyload("*"),)),
    "QuestionCategory": _Namer(QuestionCategory, lambda c: c.name),
    "Scenario": _Namer(Scenario, lambda s: s.display_title()),
    "Rubric": _Namer(Rubric, lambda r: r.tr("title")),
    "Submission": _Namer(Submission,
                         lambda s: f"{s.person.name} · {s.scenario.display_title()}",
                         (_joined(Submission.person), _joined(Submission.scenario))),
    "Cycle": _Namer(Cycle, lambda c: c.tr("title")),
    "Subject": _Namer(Subject, lambda s: s.person.name, (_joined(Subject.person),)),
    "Questionnaire": _Namer(Questionnaire, lambda q: q.tr("title")),
    "Certificate": _Namer(Certificate, lambda c: f"{c.serial} · {c.holder_name}"),
    "CertificateBatch": _Namer(CertificateBatch, lambda b: _("Batch %(id)d", id=b.id)),
}

# Detail keys in words; keys ending in _id name an object of the type given here.
DETAIL_LABELS = {
    "reason": _l("Reason"), "roles": _l("Roles"), "manager_id": _l("Manager"),
    "mentor_id": _l("Mentor"), "tier_id": _l("Tier"), "team_id": _l("Team"),
    "person_id": _l("Person"), "course_id": _l("Course"), "quiz_id": _l("Quiz"),
    "path_id": _l("Path"), "rater_id": _l("Rater"), "employee_id": _l("Employee ID"),
    "name": _l("Name"), "title": _l("Title"), "code": _l("Code"), "count": _l("How many"),
    "version": _l("Version"), "number": _l("Number"), "group": _l("Rater group"),
    "competency": _l("Competency"), "level": _l("Level"), "required_level": _l("Required level"),
    "allowed": _l("Allowed"), "due_date": _l("Due date"), "previous": _l("Before"),
    "subjects": _l("People evaluated"), "raters": _l("Raters"), "qtype": _l("Question type"),
    "path": _l("Path"), "course": _l("Course"), "module": _l("Module"), "lesson": _l("Lesson"),
    "filename": _l("File"), "score": _l("Score"), "pass_mark": _l("Pass mark"),
    "validity_months": _l("Validity (months)"), "weight": _l("Weight"),
    "description": _l("Description"), "active": _l("Active"), "position": _l("Position"),
    "scopes": _l("Scopes"), "status": _l("Status"), "serial": _l("Serial number"),
}
_ID_TYPES = {"manager_id": "Person", "mentor_id": "Person", "person_id": "Person",
             "tier_id": "CertificationPath", "path_id": "CertificationPath", "team_id": "Team",
             "course_id": "Course", "quiz_id": "Quiz"}


def type_label(object_type: str) -> str:
    """The type in the reader's words; an unknown type as stored."""
    label = OBJECT_TYPES.get(object_type)
    return str(label) if label is not None else object_type


def type_choices() -> list[tuple[str, str]]:
    """(class name, words) for the type filter, alphabetical in the reader's language."""
    return sorted(((key, str(label)) for key, label in OBJECT_TYPES.items()),
                  key=lambda pair: pair[1].casefold())


def _names_of(session, object_type: str, ids: Iterable[int]) -> dict[int, str]:
    namer = _NAMERS.get(object_type)
    ids = sorted(set(ids))
    if namer is None or not ids:
        return {}
    rows = session.scalars(select(namer.model).where(namer.model.id.in_(ids))
                           .options(lazyload("*"), *namer.loads)).unique()
    return {row.id: namer.name(row) for row in rows}


def _ids_in_details(details: dict) -> dict[str, set[int]]:
    """Every id a detail names, by the type it names (in changes, before/after too)."""
    found: dict[str, set[int]] = defaultdict(set)

    def visit(key: str, value) -> None:
        kind = _ID_TYPES.get(key)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if kind and isinstance(item, int):
                found[kind].add(item)

    for key, value in (details or {}).items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                visit(inner, inner_value)
        else:
            visit(key, value)
    return found


class AuditWords:
    """The names a page of entries needs, looked up once for the page."""

    def __init__(self, session, entries: list[AuditEntry]):
        wanted: dict[str, set[int]] = defaultdict(set)
        for entry in entries:
            if entry.object_id.isdigit():
                wanted[entry.object_type].add(int(entry.object_id))
            for kind, ids in _ids_in_details(entry.details).items():
                wanted[kind] |= ids
        self.names = {kind: _names_of(session, kind, ids) for kind, ids in wanted.items()}

    def object_name(self, entry: AuditEntry) -> str:
        """ "Person: 王芳"; an object since deleted (or without a name) by its id."""
        name = (self.names.get(entry.object_type, {}).get(int(entry.object_id))
                if entry.object_id.isdigit() else None)
        return name or _("No. %(id)s", id=entry.object_id)

    def _value(self, key: str, value) -> str:
        kind = _ID_TYPES.get(key)
        if value is None or value == "" or value == []:
            return _("(none)")
        if kind and isinstance(value, int):
            return self.names.get(kind, {}).get(value) or _("No. %(id)s", id=value)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, list):
            return ", ".join(self._value(key, item) for item in value)
        return str(value)

    def details(self, details: dict | None, hide) -> list[tuple[str, str]]:
        """The details as (label, text) lines: changes as "before → after", ids as names,
        anything under a secret-sounding key hidden by `hide`."""
        details = hide(details)
        lines: list[tuple[str, str]] = []
        before, after = details.pop("before", None), details.pop("after", None)
        if isinstance(before, dict) and isinstance(after, dict):
            for key in sorted(set(before) | set(after)):
                if before.get(key) != after.get(key):
                    lines.append((label(key), f"{self._value(key, before.get(key))} → "
                                              f"{self._value(key, after.get(key))}"))
        elif before is not None or after is not None:
            details.update({k: v for k, v in (("before", before), ("after", after)) if v})
        changes = details.pop("changes", None)
        if isinstance(changes, dict):
            for key, pair in changes.items():
                if isinstance(pair, list) and len(pair) == 2:
                    lines.append((label(key), f"{self._value(key, pair[0])} → "
                                              f"{self._value(key, pair[1])}"))
                else:
                    lines.append((label(key), self._value(key, pair)))
        for key, value in details.items():
            lines.append((label(key), self._value(key, value)))
        return lines


def label(key: str) -> str:
    """A detail key in words ("manager_id" -> "Manager"); unknown keys made readable."""
    known = DETAIL_LABELS.get(key)
    if known is not None:
        return str(known)
    if key.endswith("_zh"):
        return _("%(field)s (Chinese)", field=label(key[:-3]))
    return key.replace("_", " ").capitalize()
