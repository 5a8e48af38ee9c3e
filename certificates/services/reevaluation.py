"""Re-evaluating people after their rules changed, and finding answers the rules have left
behind.

A stored answer (`CertificationEvaluation`) names the rules version it was decided under.
When an admin edits a path's slots, composite mark, KPI requirements or certification
settings, the path's current rules get a new digest and every answer under the old one is
out of date: what is missing, the percent and the status would stay wrong until the person's
next result. `reevaluate_after_change` runs the set-based engine over the people concerned in
the editor's transaction (about 70 µs a person), or, above INLINE_PEOPLE, in a background job
after the commit; it counts the people whose certification status moved. `outdated_people`
is what `check-derived` reports (and `--fix` re-evaluates).
"""

from collections import defaultdict

from sqlalchemy import func, select, union

from certificates.models import Certificate, CertificationEvaluation, RulesVersion
from certificates.services import evaluation, rules
from certificates.services.batches import queue_name
from certificates.services.standing import join_status
from lms.core import audit
from lms.core.background import start_job
from lms.core.database import writing
from lms.core.extensions import db
from lms.core.signals import Reevaluation
from lms.paths.models import CertificationPath
from lms.people.models import Person

# Up to this many people a change of rules re-evaluates before the editor's page answers
# (about a second); more are re-evaluated by a background job once the change has committed.
INLINE_PEOPLE = 10_000
# People per slice: the status reads' IN lists stay under SQLite's variable limit.
_SLICE = 900
# session.info key: (person ids, audit entry) to re-evaluate by a job after the commit.
AFTER_COMMIT = "certificates.reevaluate_after_commit"


def current_versions(session, path_ids=None) -> dict[int, int | None]:
    """{path id: the id of the rules version of its current rules, None when those rules
    have no version yet} for every active path (of `path_ids`, when given)."""
    found = {}
    stmt = select(CertificationPath).where(CertificationPath.active.is_(True))
    if path_ids is not None:
        stmt = stmt.where(CertificationPath.id.in_(set(path_ids) or {-1}))
    for path in session.scalars(stmt):
        digest = rules.digest_of(rules.snapshot(session, path))
        found[path.id] = session.scalar(select(RulesVersion.id).where(
            RulesVersion.path_id == path.id, RulesVersion.digest == digest))
    return found


def outdated_people(session, path_ids=None) -> list[int]:
    """The active people with a stored answer on an active path (of `path_ids`, when given)
    decided under rules other than the path's current ones."""
    E = CertificationEvaluation.__table__.c
    P = Person.__table__.c
    people: set[int] = set()
    for path_id, version_id in current_versions(session, path_ids).items():
        stmt = select(E.person_id).join(Person.__table__, P.id == E.person_id).where(
            E.path_id == path_id, P.active.is_(True))
        if version_id is not None:
            stmt = stmt.where(E.rules_version_id != version_id)
        people.update(session.scalars(stmt))
    return sorted(people)


def people_of_paths(session, path_ids) -> list[int]:
    """The active people whose answers the rules of `path_ids` decide: everyone on a tier
    that is one of them or requires one (directly or through its prerequisites), everyone
    holding a certificate of one, and everyone with an answer stored on one."""
    wanted = set(path_ids)
    if not wanted:
        return []
    prerequisite = dict(session.execute(select(CertificationPath.id,
                                               CertificationPath.prerequisite_id)).all())
    tiers = set()
    for tier in prerequisite:
        node, seen = tier, set()
        while node is not None and node not in seen:
            if node in wanted:
                tiers.add(tier)
                break
            seen.add(node)
            node = prerequisite.get(node)
    P, C = Person.__table__.c, Certificate.__table__.c
    E = CertificationEvaluation.__table__.c
    concerned = union(select(P.id.label("id")).where(P.tier_id.in_(tiers or {-1})),
                      select(C.person_id).where(C.path_id.in_(wanted)),
                      select(E.person_id).where(E.path_id.in_(wanted))).subquery()
    return sorted(session.scalars(select(P.id).where(P.id.in_(select(concerned.c.id)),
                                                     P.active.is_(True))))


def statuses(session, person_ids: list[int]) -> dict[int, dict[int, str]]:
    """{person id: {path id: certification status}} of the people's stored answers, in SQL
    (the status `standings` gives; a path without an answer is absent)."""
    session.flush()  # certificates just issued update the stored standings as they flush
    E = CertificationEvaluation.__table__.c
    found: dict[int, dict[int, str]] = defaultdict(dict)
    for start in range(0, len(person_ids), _SLICE):
        base = select(E.person_id, E.path_id).where(
            E.person_id.in_(person_ids[start:start + _SLICE]))
        stmt, columns = join_status(base, E.person_id, E.path_id)
        for pid, path_id, status in session.execute(stmt.add_columns(columns.status)):
            found[pid][path_id] = status
    return found


def reevaluate(session, person_ids: list[int], actor=None) -> Reevaluation:
    """Evaluate `person_ids` with the set-based engine and count those whose status on any
    path moved (a path newly answered counts when it is more than "not started")."""
    ids = sorted(set(person_ids))
    before = statuses(session, ids)
    evaluation.evaluate_people(session, ids, actor)
    after = statuses(session, ids)
    changed = sum(1 for pid in ids if _moved(before.get(pid, {}), after.get(pid, {})))
    return Reevaluation(people=len(ids), changed=changed)


def _moved(before: dict[int, str], after: dict[int, str]) -> bool:
    return any(before.get(path_id, "not_started") != after.get(path_id, "not_started")
               for path_id in set(before) | set(after))


def reevaluate_after_change(session, actor, entry, path_ids=(), person_ids=()) -> Reevaluation:
    """The people a change of the rules of `path_ids` concerns whose answers it left out of
    date, plus `person_ids` (whose evidence it rewrote), re-evaluated now, or after the commit
    by a job when there are more than INLINE_PEOPLE."""
    session.flush()  # the change itself, which the reads below are of
    people = set(person_ids)
    if path_ids:
        concerned = set(people_of_paths(session, path_ids))
        # Only answers the change left behind: a path renamed or described anew decides
        # nothing differently, and its people need no new answer.
        stale = set(outdated_people(session, set(path_ids) | _dependants(session, path_ids)))
        people |= concerned & stale
        people |= concerned - _answered(session, concerned)
    ids = sorted(people)
    if len(ids) > INLINE_PEOPLE:
        session.flush()  # the entry's id, which the job names in its own audit entry
        session.info.setdefault(AFTER_COMMIT, []).append((ids, entry))
        return Reevaluation(people=len(ids), queued=True)
    return reevaluate(session, ids, actor)


def _dependants(session, path_ids) -> set[int]:
    """Paths requiring one of `path_ids` directly: their rules quote its name."""
    return set(session.scalars(select(CertificationPath.id).where(
        CertificationPath.prerequisite_id.in_(set(path_ids)))))


def _answered(session, people: set[int]) -> set[int]:
    """Those of `people` with any stored answer (the rest have never been evaluated)."""
    E = CertificationEvaluation.__table__.c
    ids = sorted(people)
    found: set[int] = set()
    for start in range(0, len(ids), _SLICE):
        found.update(session.scalars(select(func.distinct(E.person_id)).where(
            E.person_id.in_(ids[start:start + _SLICE]))))
    return found


def start_pending(session) -> None:
    """After the commit: queue the re-evaluations too large to run inline."""
    for ids, entry in session.info.pop(AFTER_COMMIT, ()):
        start_job(f"{__name__}:reevaluation_job", ids, entry.id,
                  queue=queue_name(), timeout_seconds=6 * 3600)


def reevaluation_job(person_ids: list[int], entry_id: int) -> None:
    """Background job: re-evaluate `person_ids` after the change audited as `entry_id`, a
    slice at a time, and audit what it did (people, status changes)."""
    total = Reevaluation()
    with writing():
        for start in range(0, len(person_ids), 5_000):
            total += reevaluate(db.session, person_ids[start:start + 5_000])
            db.session.commit()
        audit.record(None, "certification.reevaluate",
                     db.session.get(audit.AuditEntry, entry_id),
                     reevaluated=total.people, status_changed=total.changed)
        db.session.commit()
