"""A small organisation for the heat map and review pack tests (faster than the demo seed)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from lms.competencies.models import Competency, Evidence, MatrixRequirement


@dataclass
class World:
    hr: object
    manager: object
    mentor: object
    a1: object      # team A, meets COMM-LISTEN
    a2: object      # team A, no evidence
    b1: object      # team B (another manager's line)
    team_a: object
    team_b: object
    listen: Competency
    required: int   # NEWHIRE's required level for COMM-LISTEN


def evidence(db, person, competency, level, when: datetime, kind="quiz", source="1",
             weight="1"):
    """Add one evidence row (committed by the caller)."""
    db.session.add(Evidence(person_id=person.id, competency_id=competency.id,
                            level=Decimal(str(level)), source_kind=kind, source_id=source,
                            weight=Decimal(weight), observed_at=when))


def build(db, defaults, make_person, make_team) -> World:
    """Two teams, a manager over team A, a mentor of a1, an HR reader; a1 has evidence."""
    newhire = defaults["NEWHIRE"].id
    team_a, team_b = make_team("Alpha 甲队"), make_team("Bravo")
    boss = make_person(roles=("manager",), name="Big Boss")
    manager = make_person(roles=("manager",), name="Mgr Alpha", team_id=team_a.id,
                          manager_id=boss.id)
    other_manager = make_person(roles=("manager",), name="Mgr Bravo", team_id=team_b.id)
    mentor = make_person(roles=("mentor",), name="Mentor M", team_id=team_a.id)
    a1 = make_person(name="王小明", team_id=team_a.id, manager_id=manager.id,
                     mentor_id=mentor.id, tier_id=newhire, employee_id="A0001")
    a2 = make_person(name="Zoë <b>Müller</b>", team_id=team_a.id, manager_id=manager.id,
                     tier_id=newhire, employee_id="A0002")
    b1 = make_person(name="Bravo Person", team_id=team_b.id, manager_id=other_manager.id,
                     tier_id=newhire, employee_id="B0001")
    hr = make_person(roles=("hr",), name="HR Reader")
    listen = db.session.scalar(select(Competency).where(Competency.code == "COMM-LISTEN"))
    required = db.session.scalar(select(MatrixRequirement.required_level).where(
        MatrixRequirement.path_id == newhire, MatrixRequirement.competency_id == listen.id))
    evidence(db, a1, listen, required, datetime(2026, 1, 10, tzinfo=UTC), source="11")
    evidence(db, b1, listen, 1, datetime(2026, 1, 10, tzinfo=UTC), source="12")
    db.session.commit()
    return World(hr, manager, mentor, a1, a2, b1, team_a, team_b, listen, required)
