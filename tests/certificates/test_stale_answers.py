"""Answers that time moves on: rotation hours count for the current quarter and a KPI streak
ends with the current or the previous period, so a stored answer holds until then
(`valid_until`), and `send-reminders` (hourly) or `evaluate-stale` re-evaluates it after,
with nobody writing anything."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from certificates.models import CertificationEvaluation
from certificates.services import evaluation
from certificates.services.standing import standings
from classroom.services import rotation
from lms.core import clock
from lms.kpis.models import KpiDefinition, KpiRequirement, KpiValue


def _evaluation(db, person, path):
    db.session.expire_all()
    return db.session.scalar(select(CertificationEvaluation).where(
        CertificationEvaluation.person_id == person.id,
        CertificationEvaluation.path_id == path.id))


def test_rotation_hours_of_last_quarter_stop_counting_when_it_ends(
        db, runner, make_path, make_person, make_team, scores):
    clock.freeze(datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    # Two rules, so meeting the rotation one shows (50 %) without a certificate being issued.
    path = make_path("MGR", slots=[("ROT", "rotation", "quarter-hours:8", None, "100"),
                                   ("EXAM", "scorecard", "", None, "80")])
    team = make_team("Front line")
    lead = make_person(("mentor", "agent"), team_id=team.id)
    manager = make_person(("manager",), tier_id=path.id)
    shift = rotation.log_shift(db.session, manager, team, date(2026, 12, 18), 480,
                               "Busy week before the holidays")
    rotation.confirm_shift(db.session, lead, shift)   # the engine runs on the confirmation
    db.session.commit()
    stored = _evaluation(db, manager, path)
    assert stored.percent == 50 and stored.components["ROT"] == "100.00"
    assert stored.valid_until == date(2026, 12, 31)
    assert [m["code"] for m in stored.missing] == ["unavailable"]   # only the exam

    # New Year's Eve: still the quarter; the hourly run leaves the answer alone.
    clock.freeze(datetime(2026, 12, 31, 23, 0, tzinfo=UTC))
    assert evaluation.stale_people(db.session) == []
    assert runner.invoke(args=["send-reminders"]).exit_code == 0
    assert _evaluation(db, manager, path).percent == 50

    # The quarter has turned: the next hourly run re-evaluates; nobody wrote anything.
    clock.freeze(datetime(2027, 1, 1, 0, 30, tzinfo=UTC))
    assert evaluation.stale_people(db.session) == [manager.id]
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    stored = _evaluation(db, manager, path)
    assert stored.percent == 0 and stored.components["ROT"] == "0.00"
    assert stored.valid_until == date(2027, 3, 31)
    assert {"code": "below", "params": {"slot": "Rot slot", "score": "0.00", "mark": "100.00"}} \
        in stored.missing
    standing = standings(db.session, [manager.id])[manager.id][path.id]
    assert standing.percent == 0 and any("Rot slot" in item for item in standing.missing)
    assert evaluation.stale_people(db.session) == []


def test_a_kpi_streak_ends_with_the_month_after_its_last_period(
        db, runner, make_path, make_person, defaults):
    clock.freeze(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    path = make_path("SEN", slots=[("EXAM", "scorecard", "", None, "80")])
    csat = db.session.scalar(select(KpiDefinition).where(KpiDefinition.code == "CSAT"))
    db.session.add(KpiRequirement(path_id=path.id, kpi_id=csat.id, threshold=Decimal(90),
                                  periods=1))
    agent = make_person(tier_id=path.id)
    db.session.add(KpiValue(person_id=agent.id, kpi_id=csat.id, period_start=date(2026, 11, 1),
                            value=Decimal(95), recorded_at=clock.now()))
    db.session.commit()
    evaluation.evaluate_people(db.session, [agent.id])
    db.session.commit()
    stored = _evaluation(db, agent, path)
    assert not [m for m in stored.missing if m["code"] == "kpi"]   # November, the last month
    assert stored.valid_until == date(2026, 12, 31)

    clock.freeze(datetime(2027, 1, 2, 9, 0, tzinfo=UTC))           # November is too old now
    checked = runner.invoke(args=["check-derived"])
    assert checked.exit_code == 1
    assert "1 people's certification answers were past their day" in checked.output
    result = runner.invoke(args=["evaluate-stale"])
    assert result.exit_code == 0 and "Re-evaluated 1 people." in result.output
    [kpi] = [m for m in _evaluation(db, agent, path).missing if m["code"] == "kpi"]
    assert kpi["params"]["held"] == 0
    assert _evaluation(db, agent, path).valid_until == date(2027, 1, 31)
    assert runner.invoke(args=["check-derived"]).exit_code == 0
