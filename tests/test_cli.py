"""The Flask CLI: seed-demo, seed-defaults, create-admin."""

from decimal import Decimal

from sqlalchemy import func, select

from assessments.review360.mystery.models import MysteryChecklist, MysteryItem
from lms.competencies.models import Competency, MatrixRequirement
from lms.kpis.models import KpiDefinition
from lms.paths.models import CertificationPath
from lms.people.models import Person


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_builds_the_organisation(seed_demo_output, db):
    """`seed-demo` on an empty database (the run that built the session's demo template,
    which exited 0: tests/databases.py) prints the log-ins and builds the organisation."""
    assert "admin@demo.example" in seed_demo_output and "agent@demo.example" in seed_demo_output
    people = db.session.scalars(select(Person)).all()
    assert 140 <= len(people) <= 160
    for role in ("agent", "mentor", "manager", "hr", "admin"):
        assert any(p.has_role(role) for p in people), role
    names = " ".join(p.name for p in people)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in names)  # CJK
    assert any("\u0600" <= ch <= "\u06ff" for ch in names)  # Arabic
    assert any("\u0400" <= ch <= "\u04ff" for ch in names)  # Cyrillic
    codes = [p.code for p in db.session.scalars(
        select(CertificationPath).order_by(CertificationPath.position))]
    assert codes == ["NEWHIRE", "SENIOR", "MANAGER"]
    assert count(db, MatrixRequirement) > 3 * 15
    senior = db.session.scalar(select(CertificationPath).where(CertificationPath.code == "SENIOR"))
    assert senior.prerequisite.code == "NEWHIRE"
    assert sum(s.weight for s in senior.slots) == 100
    assert senior.tr("name") == "Senior agent — specialist certification"


def test_seed_demo_refuses_real_data_unless_forced(runner, db, make_person):
    """The refusal costs nothing; the forced run is this test's own seed of the demo (the
    erasure before it is what is tested), the only one besides the session's template."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from lms.competencies.services.evidence import Observation, record_evidence
    from lms.defaults import install_defaults

    install_defaults(db.session)
    real = make_person(name="Real Person", tier_id=db.session.scalar(select(
        MatrixRequirement.path_id).limit(1)))
    # A stored level, so the heat map's counters have something the erasure must take away.
    record_evidence(db.session, person_id=real.id, source_kind="quiz", source_id="1",
                    observations=[Observation(competency_id=db.session.scalar(
                        select(Competency.id).limit(1)), level=Decimal(3), score=None,
                        observed_at=datetime(2026, 11, 1, tzinfo=UTC))])
    db.session.commit()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "--force" in result.output
    assert count(db, Person) == 1
    result = runner.invoke(args=["seed-demo", "--force"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Person).where(Person.name == "Real Person")) is None
    checked = runner.invoke(args=["check-derived"])
    assert checked.exit_code == 0, checked.output


def test_seed_defaults_is_idempotent(runner, db):
    assert runner.invoke(args=["seed-defaults"]).exit_code == 0
    first = (count(db, Competency), count(db, MatrixRequirement), count(db, KpiDefinition),
             count(db, MysteryChecklist), count(db, MysteryItem))
    assert runner.invoke(args=["seed-defaults"]).exit_code == 0
    assert (count(db, Competency), count(db, MatrixRequirement), count(db, KpiDefinition),
            count(db, MysteryChecklist), count(db, MysteryItem)) == first


def test_seed_defaults_installs_what_the_mystery_programme_feeds(runner, db):
    """A fresh install has the MYSTERY KPI (and the standard checklist) before anyone opens
    the programme, with its competency mapping and Chinese name; the tiers have the plans'
    pass-rate targets."""
    assert count(db, KpiDefinition) == 0
    assert runner.invoke(args=["seed-defaults"]).exit_code == 0
    kpi = db.session.scalar(select(KpiDefinition).where(KpiDefinition.code == "MYSTERY"))
    assert kpi is not None and kpi.active and kpi.period == "month"
    assert kpi.translation("name", "zh_Hans_CN") == "神秘顾客得分"
    assert {link.competency.code for link in kpi.competencies} == {
        "ETQ-GREET", "ETQ-NORMS", "PROD-POLICY"}
    checklist = db.session.scalar(select(MysteryChecklist))
    assert checklist.code == "MYSTERY-STD" and len(checklist.active_items) == 12
    targets = dict(db.session.execute(select(CertificationPath.code,
                                             CertificationPath.pass_rate_target)).all())
    assert targets == {"NEWHIRE": Decimal(80), "SENIOR": Decimal(85), "MANAGER": Decimal(95)}


def test_create_admin(runner, db):
    args = ["create-admin", "--employee-id", "A1", "--name", "Root", "--email",
            "root@example.com", "--password", "long-enough-password"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(Person).where(Person.employee_id == "A1"))
    assert admin.roles == {"admin"}
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "already in use" in again.output
