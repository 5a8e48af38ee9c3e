"""A large organisation with full histories for the HR report benchmark, by bulk inserts.

`build(session, people)` makes the default framework, paths and starter courses, then N
people (default 20,000) in teams of 500 with a manager each and a mentor for every 100:
new hires, senior agents and managers (60/30/10). Each person has, per competency their tier
requires, three evidence rows (two quiz observations months apart and a role-play), an
evaluation of their tier's path and of its prerequisites, certificates (valid, expiring,
expired and revoked ones; earlier tiers certified), a pending approval now and then, a 360
result in each of four closed quarterly cycles for senior agents and managers, and their
tier's courses, a tenth of them overdue. Rows go in with executemany, not the ORM.
"""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select, text

from assessments.review360.demo import install_questionnaires
from assessments.review360.models import Cycle, CycleGroup, Subject
from assessments.review360.services.questionnaires import latest_for_tier
from certificates.models import AwardApproval, Certificate, CertificationEvaluation
from certificates.services.rules import rules_version
from certificates.services.standing import check_standings
from courses.models import Enrollment, PathCourse
from courses.services.content_files.importer import import_starter_courses
from lms.competencies.models import Evidence, MatrixRequirement
from lms.competencies.services.evidence import check_levels
from lms.core import clock
from lms.defaults import install_defaults
from lms.people.models import Person, PersonRole, Team
from lms.people.services.reporting_line import rebuild_reporting_line

TEAM_SIZE = 500
CHUNK = 5000
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "Smith", "García", "Nguyễn", "Kim", "Müller",
            "Иванов", "佐藤", "Sharma"]


def _insert(session, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model.__table__), rows[start:start + CHUNK])


def _person(**values) -> dict:
    """A person row with every column set (executemany needs the same keys in each row)."""
    return {"team_id": None, "manager_id": None, "mentor_id": None, "tier_id": None,
            "hire_date": None, "password_hash": None, "active": True, "can_author": False,
            "session_version": 1, "locale": None, **values}


def build(session, people: int, password_hash: str, seed: int = 7) -> dict[str, str]:
    """The organisation; returns the e-mails of an HR person and of one team's manager."""
    rng = random.Random(seed)
    today = clock.today()
    now = datetime.now(UTC)
    paths = install_defaults(session)
    import_starter_courses(session)
    install_questionnaires(session)
    session.flush()
    version = latest_for_tier(session, "agent")
    order = ["NEWHIRE", "SENIOR", "MANAGER"]
    path_ids = {code: paths[code].id for code in order}
    versions = {code: rules_version(session, paths[code]).id for code in order}
    required: dict[int, list[int]] = {}
    for path_id, competency_id in session.execute(
            select(MatrixRequirement.path_id, MatrixRequirement.competency_id)):
        required.setdefault(path_id, []).append(competency_id)
    courses_of: dict[int, list[int]] = {}
    for path_id, course_id in session.execute(select(PathCourse.path_id, PathCourse.course_id)):
        courses_of.setdefault(path_id, []).append(course_id)

    centre = Team(name="Contact centre", description="")
    session.add(centre)
    session.flush()
    team_count = max(1, (people + TEAM_SIZE - 1) // TEAM_SIZE)
    _insert(session, Team, [{"name": f"Team {t:03d}", "description": "", "parent_id": centre.id,
                             "active": True} for t in range(team_count)])
    team_ids = list(session.scalars(select(Team.id).where(Team.parent_id == centre.id)
                                    .order_by(Team.id)))
    hr_id, first_manager = 1, 2
    person_rows = [_person(id=hr_id, employee_id="HR0001", name="Bench HR 人事",
                           email="hr@bench.example", team_id=centre.id,
                           password_hash=password_hash, created_at=now)]
    roles = [{"person_id": hr_id, "role": "hr"}]
    tiers: dict[int, str] = {}
    pid = hr_id
    for t, team_id in enumerate(team_ids):
        pid += 1
        manager_id = pid
        person_rows.append(_person(
            id=manager_id, employee_id=f"M{t:05d}", name=f"主管 Manager {t:03d}",
            email=f"manager{t}@bench.example", team_id=team_id, tier_id=path_ids["MANAGER"],
            password_hash=password_hash, created_at=now,
            hire_date=today - timedelta(days=2000)))
        roles.append({"person_id": manager_id, "role": "manager"})
        tiers[manager_id] = "MANAGER"
        members = min(TEAM_SIZE, people - 1 - t * TEAM_SIZE) - 1
        mentor_id = None
        for n in range(max(members, 0)):
            pid += 1
            is_mentor = n % 100 == 0
            if is_mentor:
                mentor_id = pid
            tier = "MANAGER" if n % 10 == 9 else "SENIOR" if n % 10 >= 6 or is_mentor \
                else "NEWHIRE"
            tiers[pid] = tier
            person_rows.append(_person(
                id=pid, employee_id=f"B{pid:06d}", name=f"{rng.choice(SURNAMES)} 坐席 {pid}",
                email=f"p{pid}@bench.example", team_id=team_id, manager_id=manager_id,
                mentor_id=None if is_mentor else mentor_id, tier_id=path_ids[tier],
                created_at=now, hire_date=today - timedelta(days=rng.randint(20, 3000))))
            roles.append({"person_id": pid, "role": "mentor" if is_mentor else "agent"})
    _insert(session, Person, person_rows)
    _insert(session, PersonRole, roles)
    # The people went in past the ORM's flush listener that keeps the stored reporting line.
    rebuild_reporting_line(session)
    if session.get_bind().dialect.name == "postgresql":
        # The ids were given, so move the sequence past them.
        session.execute(text("SELECT setval(pg_get_serial_sequence('person', 'id'), "
                             "(SELECT max(id) FROM person))"))

    evidence, evaluations, certificates, approvals, enrolments = [], [], [], [], []
    serial = 0
    for person_id, tier in tiers.items():
        tier_path = path_ids[tier]
        for competency_id in required.get(tier_path, []):
            base = Decimal(rng.randint(20, 50)) / 10
            for kind, days_ago, drift in (("quiz", 200, Decimal("-0.5")), ("quiz", 30, 0),
                                          ("roleplay", 60, Decimal("0.3"))):
                level = max(Decimal(1), min(Decimal(5), base + drift))
                evidence.append({
                    "person_id": person_id, "competency_id": competency_id, "level": level,
                    "score": level * 20, "source_kind": kind, "source_id": str(person_id),
                    "weight": Decimal(1), "observed_at": now - timedelta(days=days_ago)})
        held = order[:order.index(tier) + 1]
        for code in held:
            path_id = path_ids[code]
            current = code == tier
            luck = rng.random()
            eligible = not current or luck < 0.55
            # As the engine stores it: started when some rule is met or some score is in.
            started = eligible or luck < 0.8
            evaluations.append({
                "person_id": person_id, "path_id": path_id, "route": "initial",
                "eligible": eligible, "percent": 100 if eligible
                else rng.choice([0, 40, 75]) if started else 0,
                "rules_met": 4 if eligible else 2, "rules_total": 4,
                "missing": [] if eligible else [{"code": "below", "params": {
                    "slot": "Exam", "score": "71.5", "mark": "80"}}],
                "composite": None if not started
                else Decimal("84.5") if eligible else Decimal("71.5"),
                "components": {} if not started
                else {"EXAM": "86.0", "PRACTICAL": "83.0"} if code == "NEWHIRE"
                else {"CASE": "85.0", "CUSTOMER": "83.75"}, "started": started,
                "rules_version_id": versions[code], "evaluated_at": now})
            if not eligible:
                if luck > 0.97:
                    approvals.append({"person_id": person_id, "path_id": path_id,
                                      "status": "pending", "requested_at": now,
                                      "pending_key": f"{person_id}:{path_id}", "reason": ""})
                continue
            serial += 1
            issued = today - timedelta(days=rng.randint(10, 500))
            status = "revoked" if luck > 0.53 and current else "valid"
            certificates.append({
                "serial": f"SA-BENCH-{serial:07d}", "verify_code": f"BENCHCODE{serial:015d}",
                "achievement_key": f"bench-{serial}", "person_id": person_id,
                "path_id": path_id, "rules_version_id": versions[code], "route": "initial",
                "status": status, "holder_name": f"Holder {person_id}",
                "path_name": code, "path_name_zh": code, "issued_on": issued,
                "expires_on": issued + timedelta(days=365), "validity_months": 12,
                "competencies": [], "composite": Decimal("84.5"), "components": {},
                "revision": 1, "revoked_reason": "", "created_at": now})
        for n, course_id in enumerate(courses_of.get(tier_path, [])):
            overdue = (person_id + n) % 10 == 0
            done = not overdue and (person_id + n) % 3 == 0
            enrolments.append({
                "person_id": person_id, "course_id": course_id, "source": "path",
                "due_date": today - timedelta(days=5) if overdue else today + timedelta(30),
                "enrolled_at": now - timedelta(days=40),
                "completed_at": now - timedelta(days=3) if done else None,
                "completed_version": 1 if done else None, "withdrawn": False})
    _insert(session, Evidence, evidence)
    _insert(session, CertificationEvaluation, evaluations)
    _insert(session, Certificate, certificates)
    _insert(session, AwardApproval, approvals)
    _insert(session, Enrollment, enrolments)
    del evidence, evaluations, certificates, enrolments

    rated = [p for p, tier in tiers.items() if tier != "NEWHIRE"]
    for quarter in range(4):
        closes = today - timedelta(days=30 + 91 * quarter)
        cycle = Cycle(title=f"Q{4 - quarter} benchmark", opens_on=closes - timedelta(days=30),
                      closes_on=closes, closed_at=datetime.combine(closes, datetime.min.time(),
                                                                   UTC))
        cycle.groups = [CycleGroup(group=g, weight=Decimal(w), min_raters=1)
                        for g, w in (("customer", 40), ("peer", 30), ("manager", 20),
                                     ("self", 10))]
        session.add(cycle)
        session.flush()
        _insert(session, Subject, [{
            "cycle_id": cycle.id, "person_id": p, "version_id": version.id,
            "rated_as_manager": tiers[p] == "MANAGER", "nomination_state": "approved",
            "score": Decimal(rng.randint(5500, 9800)) / 100} for p in rated])
    # Rows went in by executemany, past the ORM's flush listeners: the stored levels and
    # standings are filled the way migration 0011 backfills them (check-derived --fix).
    check_levels(session, fix=True)
    check_standings(session, fix=True)
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # Millions of rows just went in: without fresh statistics (autovacuum's ANALYZE comes
        # later) the planner takes the tables for small ones and picks nested loops.
        session.execute(text("ANALYZE"))
        session.commit()
    return {"hr": "hr@bench.example", "manager": "manager0@bench.example",
            "manager_team": str(team_ids[0]), "first_manager": str(first_manager)}
