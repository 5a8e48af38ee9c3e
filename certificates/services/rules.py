"""The rules of a path, as a versioned snapshot, and their answer for one person.

A path's rules are data held by the packages that own them: required courses (courses'
`PathCourse.required`), assessment slots with pass marks and weights, a composite pass mark
(lms.paths), required matrix levels (lms.competencies), a prerequisite certificate (the path's
prerequisite), plus this package's recertification route. `snapshot` gathers them into one
JSON document; `rules_version` numbers each distinct snapshot, so a certificate can say which
rules it was issued under.

Scores are exact Decimals; a score passes a mark only when score >= mark (79.995 does not pass
80, however it displays). The composite is sum(score × weight) / 100 over the weighted slots;
while any weighted slot has no result the composite is unknown and its rule unmet.

Missing items are {"code": …, "params": {…}} (see certificates.services.missing for the wording), so
they render in the reader's language. A slot whose kind is not installed is "not available",
never an error.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from certificates.models import (
    Certificate,
    CertificationSettings,
    RecertificationSlot,
    RulesVersion,
)
from courses.models import Course, Enrollment, LessonCompletion, PathCourse
from lms.competencies.models import Competency, MatrixRequirement
from lms.competencies.services.evidence import profiles
from lms.core import clock
from lms.core.database import insert_if_absent
from lms.core.i18n import ZH
from lms.core.kinds import UnknownAssessmentKind, get_kind
from lms.kpis import periods as kpi_periods
from lms.kpis.models import KpiDefinition
from lms.kpis.services import requirements as kpi_requirements
from lms.paths.models import CertificationPath

HUNDRED = Decimal(100)


def _zh(obj, field_name: str) -> str:
    return ((obj.translations or {}).get(ZH) or {}).get(field_name, "")


def _mark(value: Decimal | None, places: int = 2) -> str | None:
    """A mark as its column stores it (`places` decimals): a value set in this session
    (Decimal("80")) and the same value read back ("80.00") make one digest, not two rules
    versions of the same rules."""
    return None if value is None else str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def settings_for(session, path: CertificationPath) -> CertificationSettings:
    """The path's certification settings (defaults when none were saved; not added)."""
    found = session.get(CertificationSettings, path.id)
    return found if found is not None else CertificationSettings(
        path_id=path.id, require_approval=False, approver_id=None, recert_window_days=90,
        recert_grace_days=90, recert_requires_matrix=True)


def snapshot(session, path: CertificationPath) -> dict:
    """Every rule of `path` as plain JSON values (the versioned document)."""
    settings = settings_for(session, path)
    courses = session.scalars(
        select(Course).join(PathCourse, PathCourse.course_id == Course.id)
        .where(PathCourse.path_id == path.id, PathCourse.required.is_(True),
               Course.status == "published", Course.published_version > 0)
        .order_by(PathCourse.position, Course.code)).all()
    matrix = session.execute(
        select(Competency, MatrixRequirement.required_level)
        .join(MatrixRequirement, MatrixRequirement.competency_id == Competency.id)
        .where(MatrixRequirement.path_id == path.id, Competency.active.is_(True))
        .order_by(Competency.area_id, Competency.position, Competency.code)).all()
    recert = session.scalars(select(RecertificationSlot)
                             .where(RecertificationSlot.path_id == path.id)
                             .order_by(RecertificationSlot.position,
                                       RecertificationSlot.code)).all()
    prerequisite = path.prerequisite
    kpis = [{"id": r.kpi.id, "code": r.kpi.code, "name": r.kpi.name,
             "name_zh": _zh(r.kpi, "name"), "unit": r.kpi.unit, "direction": r.kpi.direction,
             "period": r.kpi.period, "threshold": _mark(r.threshold, 4), "periods": r.periods}
            for r in kpi_requirements.for_path(session, path.id)]
    document = {
        "path": path.code,
        "validity_months": path.validity_months,
        "prerequisite": None if prerequisite is None else {
            "id": prerequisite.id, "code": prerequisite.code, "name": prerequisite.name,
            "name_zh": _zh(prerequisite, "name")},
        "courses": [{"id": c.id, "code": c.code, "title": c.title, "title_zh": _zh(c, "title")}
                    for c in courses],
        "slots": [{"code": s.code, "label": s.label, "label_zh": _zh(s, "label"),
                   "kind": s.kind, "reference": s.reference or "", "weight": _mark(s.weight),
                   "pass_mark": _mark(s.pass_mark)} for s in path.slots],
        "composite_pass_mark": _mark(path.composite_pass_mark),
        "matrix": [{"id": c.id, "code": c.code, "name": c.name, "name_zh": _zh(c, "name"),
                    "level": level} for c, level in matrix],
        "approval": bool(settings.require_approval),
        "recert": {
            "window_days": settings.recert_window_days,
            "grace_days": settings.recert_grace_days,
            "requires_matrix": bool(settings.recert_requires_matrix),
            # label_zh only when there is one: rules versions made before recertification
            # labels had languages keep their digest.
            "slots": [{"code": s.code, "label": s.label, "kind": s.kind,
                       "reference": s.reference or "", "weight": None,
                       "pass_mark": _mark(s.pass_mark),
                       **({"label_zh": _zh(s, "label")} if _zh(s, "label") else {})}
                      for s in recert],
        },
    }
    if kpis:  # only then: the documents (and versions) of paths without KPI rules stay as they were
        document["kpis"] = kpis
    return document


def digest_of(document: dict) -> str:
    """The SHA-256 of a snapshot's canonical JSON (sorted keys): equal rules, equal digest."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False)
                          .encode()).hexdigest()


def rules_version(session, path: CertificationPath, document: dict | None = None) -> RulesVersion:
    """The version of `path`'s current rules: the existing one with the same content, or a new
    number. Safe against a concurrent writer creating the same version (two people finishing
    their first exam at the same moment): the later one uses the earlier one's row."""
    document = document if document is not None else snapshot(session, path)
    digest = digest_of(document)
    found = _version_with_digest(session, path.id, digest)
    for _try in range(CREATE_TRIES):
        if found is not None:
            return found
        number = (session.scalar(select(func.max(RulesVersion.number))
                                 .where(RulesVersion.path_id == path.id)) or 0) + 1
        # Nothing is inserted when another transaction created this digest (or took this
        # number for other rules) first; the select then finds its row, or the next number
        # is tried.
        insert_if_absent(session.connection(), RulesVersion.__table__, {
            "path_id": path.id, "number": number, "digest": digest, "snapshot": document,
            "created_at": clock.now()})
        found = _version_with_digest(session, path.id, digest)
    if found is None:
        raise RuntimeError(f"rules version of path {path.id}: {CREATE_TRIES} numbers taken "
                           "by concurrent writers")
    return found


CREATE_TRIES = 5


def _version_with_digest(session, path_id: int, digest: str) -> RulesVersion | None:
    return session.scalar(select(RulesVersion).where(RulesVersion.path_id == path_id,
                                                     RulesVersion.digest == digest))


@dataclass
class Answer:
    """The rules' answer for one person and path."""

    route: str
    met: int = 0
    total: int = 0
    missing: list[dict] = field(default_factory=list)
    composite: Decimal | None = None
    components: dict[str, Decimal | None] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)
    # The last day this answer holds with nothing written (a KPI period or a quarter ends, a
    # prerequisite certificate expires, a recertification window opens); None: until
    # something is written. `stale_evaluations` finds the answers past it.
    valid_until: date | None = None
    # Lessons done in the path's courses: someone 28 % through a course has met no rule yet
    # but is in training, not "not started" (HR's filter and My path say so).
    studying: bool = False

    @property
    def started(self) -> bool:
        """Anything towards the path: a rule met, a result in, or a lesson done."""
        return (self.percent > 0 or self.studying
                or any(v is not None for v in self.components.values()))

    @property
    def eligible(self) -> bool:
        return self.met == self.total

    @property
    def percent(self) -> int:
        """Rounded down: 100 only when every rule is met."""
        return 100 if not self.total else self.met * 100 // self.total

    def rule(self, ok: bool, code: str | None = None, **params) -> None:
        self.total += 1
        if ok:
            self.met += 1
        elif code is not None:
            self.missing.append({"code": code, "params": params})

    def holds_until(self, day: date | None) -> None:
        """The answer may change after `day` by time alone."""
        if day is not None and (self.valid_until is None or day < self.valid_until):
            self.valid_until = day


@dataclass(frozen=True)
class HeldCertificate:
    """What the rules read of a certificate: when it was issued and when it ends."""

    issued_on: date
    expires_on: date


@dataclass
class Facts:
    """Everything the rules of one path read about one person, gathered before they are
    answered: by `gather` for one person, or for thousands at once by
    certificates.services.evaluation (the same answer either way)."""

    held: HeldCertificate | None            # latest unrevoked certificate of the path
    prerequisite_until: date | None = None  # expiry of a valid prerequisite certificate
    courses_done: set[int] = field(default_factory=set)
    studying: bool = False                  # a lesson done in one of the path's courses
    results: dict[str, object] = field(default_factory=dict)  # slot code -> AssessmentResult
    levels: dict[int, int] = field(default_factory=dict)       # competency id -> level
    kpi_held: dict[int, int] = field(default_factory=dict)     # KPI id -> periods held


def valid_certificate(session, person_id: int, path_id: int, today: date) -> Certificate | None:
    """The person's latest certificate of the path that is valid today (not revoked, not
    expired), or None."""
    return session.scalar(
        select(Certificate).where(Certificate.person_id == person_id,
                                  Certificate.path_id == path_id,
                                  Certificate.status == "valid",
                                  Certificate.expires_on >= today)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc()).limit(1))


def latest_certificate(session, person_id: int, path_id: int) -> Certificate | None:
    """The person's latest unrevoked certificate of the path, expired or not."""
    return session.scalar(
        select(Certificate).where(Certificate.person_id == person_id,
                                  Certificate.path_id == path_id,
                                  Certificate.status == "valid")
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc()).limit(1))


def route_for(document: dict, held, today: date) -> str:
    """"recert" inside the recertification window of a held certificate (when the path has a
    recertification route), else "initial"."""
    recert = document["recert"]
    if held is None or not recert["slots"]:
        return "initial"
    opens = (held.expires_on.toordinal() - recert["window_days"])
    closes = (held.expires_on.toordinal() + recert["grace_days"])
    return "recert" if opens <= today.toordinal() <= closes else "initial"


def _route_holds_until(document: dict, held, today: date) -> date | None:
    """The last day the route stays what it is today (None: for good)."""
    recert = document["recert"]
    if held is None or not recert["slots"]:
        return None
    opens = held.expires_on.toordinal() - recert["window_days"]
    closes = held.expires_on.toordinal() + recert["grace_days"]
    if today.toordinal() < opens:
        return date.fromordinal(opens - 1)
    if today.toordinal() <= closes:
        return date.fromordinal(closes)
    return None


def _slot_names(slot: dict) -> dict:
    """A slot's label for a missing item, with its Chinese one when it has one."""
    names = {"slot": slot["label"]}
    if slot.get("label_zh"):
        names["slot_zh"] = slot["label_zh"]
    return names


def installed(slot: dict) -> bool:
    """Whether the slot's assessment kind is installed."""
    try:
        get_kind(slot["kind"])
    except UnknownAssessmentKind:
        return False
    return True


def _slot_rules(answer: Answer, slots: list[dict], results: dict,
                since: date | None = None) -> None:
    """A rule per slot: its result meets the pass mark. With `since` (the recertification
    route: the day its window opened), a result obtained before it does not count."""
    for slot in slots:
        if not installed(slot):
            answer.components[slot["code"]] = None
            answer.rule(False, "kind_missing", **_slot_names(slot), kind=slot["kind"])
            continue
        result = results.get(slot["code"])
        if result is not None:
            answer.holds_until(result.valid_until)
        if (since is not None and result is not None and result.observed_at is not None
                and result.observed_at.date() < since):
            answer.components[slot["code"]] = None
            answer.rule(False, "too_early", **_slot_names(slot), since=since.isoformat())
            continue
        score = None if result is None else Decimal(result.score)
        answer.components[slot["code"]] = score
        mark = None if slot["pass_mark"] is None else Decimal(slot["pass_mark"])
        if mark is None:
            if score is None:  # weighted only: the composite rule counts it; say why it waits
                answer.missing.append({"code": "unavailable", "params": _slot_names(slot)})
            continue
        if score is None:
            answer.rule(False, "unavailable", **_slot_names(slot))
        else:
            answer.rule(score >= mark, "below", **_slot_names(slot), score=str(score),
                        mark=str(mark))


def _composite_rule(answer: Answer, document: dict) -> None:
    mark = document["composite_pass_mark"]
    if mark is None:
        return
    weighted = [s for s in document["slots"] if s["weight"] is not None]
    scores = [answer.components.get(s["code"]) for s in weighted]
    if not weighted or any(score is None for score in scores):
        answer.rule(False)
        return
    composite = sum((score * Decimal(s["weight"]) for s, score in zip(weighted, scores,
                                                                     strict=True)),
                    Decimal(0)) / HUNDRED
    answer.composite = composite
    answer.rule(composite >= Decimal(mark), "composite_below", score=str(composite),
                mark=mark)


def _matrix_rules(answer: Answer, document: dict, levels: dict[int, int]) -> None:
    for item in document["matrix"]:
        level = levels.get(item["id"], 0)
        answer.levels[item["id"]] = level
        answer.rule(level >= item["level"], "level", competency=item["name"],
                    competency_zh=item["name_zh"], level=level, required=item["level"])


def _kpi_rules(answer: Answer, document: dict, kpi_held: dict[int, int], today: date) -> None:
    for item in document.get("kpis", ()):
        wanted = item["periods"]
        held = kpi_held.get(item["id"], 0)
        # A streak counts only up to the current or the previous period: it moves when the
        # current period ends.
        answer.holds_until(kpi_periods.last_day(today, item["period"]))
        answer.rule(held >= wanted, "kpi", kpi=item["name"], kpi_zh=item["name_zh"],
                    op="≥" if item["direction"] == "higher" else "≤",
                    threshold=item["threshold"], unit=item["unit"], period=item["period"],
                    periods=wanted, held=held)


def answer_from(document: dict, facts: Facts, today: date) -> Answer:
    """Answer `document` (a path's snapshot) from the facts gathered about one person: the
    one place every rule is decided."""
    route = route_for(document, facts.held, today)
    answer = Answer(route=route)
    answer.holds_until(_route_holds_until(document, facts.held, today))
    prerequisite = document["prerequisite"]
    if prerequisite is not None:
        answer.holds_until(facts.prerequisite_until)
        answer.rule(facts.prerequisite_until is not None, "prerequisite",
                    path=prerequisite["name"], path_zh=prerequisite["name_zh"])
    if route == "initial":
        answer.studying = facts.studying
        for course in document["courses"]:
            answer.rule(course["id"] in facts.courses_done, "course", course=course["title"],
                        course_zh=course["title_zh"])
        _slot_rules(answer, document["slots"], facts.results)
        _composite_rule(answer, document)
        _matrix_rules(answer, document, facts.levels)
        _kpi_rules(answer, document, facts.kpi_held, today)
    else:
        opens = date.fromordinal(facts.held.expires_on.toordinal()
                                 - document["recert"]["window_days"])
        _slot_rules(answer, document["recert"]["slots"], facts.results, since=opens)
        if document["recert"]["requires_matrix"]:
            _matrix_rules(answer, document, facts.levels)
    return answer


def slots_of(document: dict, route: str) -> list[dict]:
    """The slots the route reads."""
    return document["slots"] if route == "initial" else document["recert"]["slots"]


def needs_levels(document: dict, route: str) -> bool:
    return bool(document["matrix"]) and (route == "initial"
                                         or document["recert"]["requires_matrix"])


def gather(session, person_id: int, path: CertificationPath, document: dict,
           today: date) -> Facts:
    """The facts `answer_from` reads, for one person (a few queries each)."""
    latest = latest_certificate(session, person_id, path.id)
    held = None if latest is None else HeldCertificate(latest.issued_on, latest.expires_on)
    facts = Facts(held=held)
    route = route_for(document, held, today)
    prerequisite = document["prerequisite"]
    if prerequisite is not None:
        found = valid_certificate(session, person_id, prerequisite["id"], today)
        facts.prerequisite_until = None if found is None else found.expires_on
    if route == "initial" and document["courses"]:
        course_ids = [c["id"] for c in document["courses"]]
        facts.courses_done = set(session.scalars(select(Enrollment.course_id).where(
            Enrollment.person_id == person_id, Enrollment.completed_at.is_not(None),
            Enrollment.course_id.in_(course_ids))))
        facts.studying = session.scalar(select(LessonCompletion.id).where(
            LessonCompletion.person_id == person_id,
            LessonCompletion.course_id.in_(course_ids)).limit(1)) is not None
    for slot in slots_of(document, route):
        if installed(slot):
            facts.results[slot["code"]] = get_kind(slot["kind"])().person_result(
                session, slot["reference"] or None, person_id)
    if needs_levels(document, route):
        facts.levels = {cid: entry.level for cid, entry in
                        profiles(session, [person_id]).get(person_id, {}).items()}
    if route == "initial":
        for item in document.get("kpis", ()):
            kpi = session.get(KpiDefinition, item["id"])
            facts.kpi_held[item["id"]] = 0 if kpi is None else kpi_requirements.held_periods(
                session, person_id, kpi, Decimal(item["threshold"]), today, item["periods"])
    return facts


def evaluate(session, person_id: int, path: CertificationPath, document: dict,
             today: date) -> Answer:
    """Answer `document` (a path's snapshot) for one person. Reads courses, results (through
    the assessment registry), the profile and certificates; writes nothing of its own (a kind
    may finish an overdue attempt on the way)."""
    return answer_from(document, gather(session, person_id, path, document, today), today)
