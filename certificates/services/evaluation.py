"""The engine for many people at once: after a KPI import, a backfill, a rules change or the
nightly re-evaluation of answers that time has moved on.

`evaluate_people` gives every person the same answers and awards as `awards.evaluate_person`
one at a time, with a handful of set-based reads per slice of people instead of a dozen
queries per person: the rules of each path once, then per slice the people's tiers, their
certificates, completed courses, assessment results (through each kind's `people_results`),
stored levels and KPI streaks, one query each; the answers are decided by the same
`rules.answer_from` and written with one upsert per slice. The rare person who becomes
eligible for an award is handed to `evaluate_person` whole, so issuing, approval requests
and their order (a prerequisite awarded before the path that needs it) stay in one place.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from certificates.models import Certificate, CertificationEvaluation
from certificates.services import awards, rules
from courses.models import Enrollment, LessonCompletion
from lms.competencies.models import CompetencyLevel
from lms.core import clock
from lms.core.database import among, keep_statistics, upsert
from lms.core.kinds import get_kind
from lms.kpis.models import KpiDefinition
from lms.kpis.services import requirements as kpi_requirements
from lms.notifications.services import reminder_source
from lms.paths.models import CertificationPath
from lms.people.models import Person

# People per slice: one read of each kind per slice, IN lists under SQLite's variable limit.
SLICE = 900


def evaluate_people(session, person_ids, actor=None, today: date | None = None) -> int:
    """Evaluate every path of each of `person_ids` (see awards.paths_to_evaluate), store the
    answers and award what was earned, as `evaluate_person` does for one; inactive and
    unknown ids are skipped. Flushes; the caller commits. Returns the people evaluated."""
    today = today or clock.today()
    session.flush()
    ids = sorted({int(pid) for pid in person_ids})
    paths = {p.id: p for p in session.scalars(select(CertificationPath))}
    documents: dict[int, tuple[dict, object]] = {}
    done = 0
    for start in range(0, len(ids), SLICE):
        done += _evaluate_slice(session, ids[start:start + SLICE], paths, documents, actor,
                                today)
    # A first run over a large organisation fills these tables: let the planner count them.
    keep_statistics(session.connection(), {"certification_evaluation": done,
                                           "certification_standing": done})
    return done


def _rules_of(session, path: CertificationPath, documents: dict) -> tuple[dict, object]:
    # Each path's snapshot and version once per run (evaluate_person makes them per person).
    if path.id not in documents:
        document = rules.snapshot(session, path)
        documents[path.id] = (document, rules.rules_version(session, path, document))
    return documents[path.id]


def _certificates(session, ids: list[int], today: date):
    """Per (person, path): the latest unrevoked certificate, the expiry of the latest valid
    one today, and whether any exists (revoked too): `latest_certificate`,
    `valid_certificate` and the held paths of `paths_to_evaluate`, in one read."""
    C = Certificate.__table__.c
    latest, valid_until, held = {}, {}, defaultdict(set)
    for row in session.execute(
            select(C.person_id, C.path_id, C.status, C.issued_on, C.expires_on)
            .where(among(session, C.person_id, ids)).order_by(C.issued_on, C.id)):
        pair = (row.person_id, row.path_id)
        held[row.person_id].add(row.path_id)
        if row.status != "valid":
            continue
        issued, expires = _day(row.issued_on), _day(row.expires_on)
        latest[pair] = rules.HeldCertificate(issued, expires)   # oldest first: last one wins
        if expires >= today:
            valid_until[pair] = expires
    return latest, valid_until, held


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _paths_of(tier_id, held_paths, paths: dict) -> list[CertificationPath]:
    """`awards.paths_to_evaluate` from preloaded paths."""
    wanted: dict[int, CertificationPath] = {}
    node, seen = paths.get(tier_id), set()
    while node is not None and node.id not in seen:
        seen.add(node.id)
        if node.active:
            wanted[node.id] = node
        node = paths.get(node.prerequisite_id)
    for path_id in held_paths:
        path = paths.get(path_id)
        if path is not None and path.active:
            wanted[path.id] = path
    return sorted(wanted.values(), key=lambda p: (p.position, p.code))


def _evaluate_slice(session, ids: list[int], paths: dict, documents: dict, actor,
                    today: date) -> int:
    P = Person.__table__.c
    tiers = dict(session.execute(select(P.id, P.tier_id).where(among(session, P.id, ids),
                                                                P.active.is_(True))).all())
    people = sorted(tiers)
    latest, valid_until, held_paths = _certificates(session, people, today)
    facts: dict[tuple[int, int], rules.Facts] = {}
    by_path: dict[int, list[int]] = defaultdict(list)
    for pid in people:
        for path in _paths_of(tiers[pid], held_paths.get(pid, ()), paths):
            document, _version = _rules_of(session, path, documents)
            pair = (pid, path.id)
            found = rules.Facts(held=latest.get(pair))
            prerequisite = document["prerequisite"]
            if prerequisite is not None:
                found.prerequisite_until = valid_until.get((pid, prerequisite["id"]))
            facts[pair] = found
            by_path[path.id].append(pid)
    level_people = set()
    for path_id, pids in by_path.items():
        document, _version = documents[path_id]
        routes = defaultdict(list)
        for pid in pids:
            routes[rules.route_for(document, facts[(pid, path_id)].held, today)].append(pid)
        for route, group in routes.items():
            _gather(session, document, route, path_id, group, facts, today)
            if rules.needs_levels(document, route):
                level_people.update(group)
    if level_people:
        held_levels = _levels(session, sorted(level_people))
        for (pid, _path_id), found in facts.items():
            if pid in level_people:
                found.levels = held_levels[pid]
    rows, to_award = [], set()
    now = clock.now()
    answers: dict[tuple, tuple[rules.Answer, dict]] = {}
    for (pid, path_id), found in facts.items():
        document, version = documents[path_id]
        # People with the same facts get the same answer: decided (and shaped) once.
        key = _signature(path_id, document, found)
        if key not in answers:
            answer = rules.answer_from(document, found, today)
            answers[key] = (answer, awards.evaluation_columns(answer, version.id, now))
        answer, columns = answers[key]
        rows.append({"person_id": pid, "path_id": path_id, **columns})
        if answer.eligible and _awardable(answer, found, valid_until.get((pid, path_id)),
                                          today):
            to_award.add(pid)
    _store(session, rows)
    for person in session.scalars(select(Person).where(Person.id.in_(sorted(to_award)))
                                  .order_by(Person.id)):
        awards.evaluate_person(session, person, actor, today)
    return len(people)


def _levels(session, ids: list[int]) -> dict[int, dict[int, int]]:
    """The stored levels `profiles` reads, level only: {person_id: {competency_id: level}}."""
    session.flush()  # a kind may have finished an overdue attempt (new evidence) on the way
    L = CompetencyLevel.__table__.c
    found: dict[int, dict[int, int]] = {pid: {} for pid in ids}
    for pid, competency_id, level in session.execute(
            select(L.person_id, L.competency_id, L.level).where(among(session, L.person_id, ids))):
        found[pid][competency_id] = level
    return found


def _gather(session, document: dict, route: str, path_id: int, group: list[int],
            facts: dict, today: date) -> None:
    """Courses, slot results and KPI streaks of one path for people on one route."""
    if route == "initial" and document["courses"]:
        E = Enrollment.__table__.c
        for pid, course_id in session.execute(
                select(E.person_id, E.course_id).where(
                    among(session, E.person_id, group), E.completed_at.is_not(None),
                    E.course_id.in_([c["id"] for c in document["courses"]]))):
            facts[(pid, path_id)].courses_done.add(course_id)
        C = LessonCompletion.__table__.c
        for (pid,) in session.execute(
                select(C.person_id).where(
                    among(session, C.person_id, group),
                    C.course_id.in_([c["id"] for c in document["courses"]])).distinct()):
            facts[(pid, path_id)].studying = True
    for slot in rules.slots_of(document, route):
        if not rules.installed(slot):
            continue
        results = get_kind(slot["kind"])().people_results(session, slot["reference"] or None,
                                                          group)
        for pid in group:
            facts[(pid, path_id)].results[slot["code"]] = results.get(pid)
    if route == "initial":
        for item in document.get("kpis", ()):
            kpi = session.get(KpiDefinition, item["id"])
            held = {} if kpi is None else kpi_requirements.held_periods_many(
                session, group, kpi, Decimal(item["threshold"]), today, item["periods"])
            for pid in group:
                facts[(pid, path_id)].kpi_held[item["id"]] = held.get(pid, 0)


def _awardable(answer: rules.Answer, found: rules.Facts, valid_until: date | None,
               today: date) -> bool:
    """`awards._awardable` from the gathered certificates."""
    if answer.route == "recert":
        return found.held is None or found.held.issued_on < today
    return valid_until is None


def _signature(path_id: int, document: dict, found: rules.Facts) -> tuple:
    """Everything of the facts `rules.answer_from` reads for this path, hashable."""
    return (path_id, found.held, found.prerequisite_until,
            frozenset(found.courses_done), found.studying,
            tuple((code, None if r is None else (r.score, r.observed_at, r.valid_until))
                  for code, r in sorted(found.results.items())),
            tuple(found.levels.get(item["id"], 0) for item in document["matrix"]),
            tuple(sorted(found.kpi_held.items())))


def _store(session, rows: list[dict]) -> None:
    if not rows:
        return
    upsert(session.connection(), CertificationEvaluation.__table__, rows,
           ("person_id", "path_id"))
    # Loaded evaluations of these people now differ from their rows: read them afresh.
    people = {row["person_id"] for row in rows}
    for obj in list(session.identity_map.values()):
        if isinstance(obj, CertificationEvaluation) and obj.person_id in people:
            session.expire(obj)


def stale_people(session, today: date | None = None) -> list[int]:
    """The people with an evaluation that time has moved past (its `valid_until` is before
    today): a KPI period or a quarter ended, a prerequisite certificate expired, a
    recertification window opened or closed."""
    today = today or clock.today()
    E = CertificationEvaluation.__table__.c
    return sorted(set(session.scalars(select(E.person_id).where(E.valid_until < today))))


def evaluate_stale(session, actor=None, today: date | None = None) -> int:
    """Re-evaluate everyone whose evaluation time has moved past (see `stale_people`);
    returns how many people. Flushes; the caller commits."""
    today = today or clock.today()
    return evaluate_people(session, stale_people(session, today), actor, today)


@reminder_source
def _stale_answers(session, today: date) -> int:
    # Run hourly with the reminders (`send-reminders`), so a standing follows a turned
    # quarter or month without anyone writing anything. It makes no reminders itself (an
    # award it makes notifies on its own): 0.
    evaluate_stale(session, None, today)
    return 0
