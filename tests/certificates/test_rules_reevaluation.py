"""Editing the rules re-evaluates the people they decide (issue #21): a slot's pass mark, a
path's composite, a KPI requirement, a KPI definition's mapping, the certification settings.
The editor is told how many people were re-evaluated and how many changed status, the audit
entry carries both, check-derived finds nothing left behind, and a refused edit changes
nothing."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from certificates.models import Certificate, CertificationEvaluation, RulesVersion
from certificates.services import evaluation, reevaluation, settings
from lms.competencies.models import Competency, CompetencyLevel
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.kpis.models import KpiDefinition, KpiRequirement, KpiValue
from lms.kpis.services import definitions, requirements, values
from lms.paths import services as paths
from lms.paths.models import AssessmentSlot


@pytest.fixture
def tier(db, make_path, make_person, scores):
    """A path passed at 80 on one scorecard, and three people on it scored 85, 75 and 60:
    one certified, two in training."""
    path = make_path("CALLS")
    people = [make_person(tier_id=path.id, name=f"Agent {n}") for n in (1, 2, 3)]
    for person, score in zip(people, (85, 75, 60), strict=True):
        scores(person, score)
    evaluation.evaluate_people(db.session, [p.id for p in people])
    db.session.commit()
    return path, people


def _entries(db, action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def _slot_data(slot, **changes):
    values_ = dict(code=slot.code, label=slot.label, kind=slot.kind, weight=slot.weight,
                   pass_mark=slot.pass_mark, position=slot.position,
                   reference=slot.reference or "")
    return paths.SlotData(**{**values_, **changes})


def test_lowering_a_pass_mark_on_the_slot_form_reevaluates_and_says_so(
        app, client, auth, db, tier, make_person, runner):
    path, people = tier
    app.config["WTF_CSRF_ENABLED"] = False
    admin = make_person(roles=("admin",))
    auth.login(admin)
    slot = path.slots[0]
    response = client.post(f"/admin/paths/{path.id}/slots/{slot.id}/edit", data={
        "code": slot.code, "label": slot.label, "kind": slot.kind, "reference": "",
        "weight": "", "pass_mark": "70", "position": "0",
        "reason": "Calibration: the exam was harder than intended"}, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "3 people were re-evaluated under the new rules; status changes: 1." in page
    # Agent 2 (75) now passes and is certified; agent 3 (60) still misses the mark.
    assert db.session.scalar(select(func.count()).select_from(Certificate)
                             .where(Certificate.person_id == people[1].id)) == 1
    assert db.session.scalar(select(func.count()).select_from(Certificate)
                             .where(Certificate.person_id == people[2].id)) == 0
    [entry] = _entries(db, "path.slot_update")
    assert entry.details["reevaluated"] == 3 and entry.details["status_changed"] == 1
    assert entry.details["changes"]["pass_mark"] == ["80.00", "70"]
    latest = db.session.scalar(select(func.max(RulesVersion.id))
                               .where(RulesVersion.path_id == path.id))
    assert {e.rules_version_id for e in db.session.scalars(select(CertificationEvaluation))} \
        == {latest}
    checked = runner.invoke(args=["check-derived"])
    assert checked.exit_code == 0, checked.output


def test_the_same_page_in_chinese(app, client, auth, db, tier, make_person):
    path, _people = tier
    app.config["WTF_CSRF_ENABLED"] = False
    auth.login(make_person(roles=("admin",)))
    slot = path.slots[0]
    response = client.post(f"/admin/paths/{path.id}/slots/{slot.id}/edit", data={
        "code": slot.code, "label": slot.label, "kind": slot.kind, "reference": "",
        "weight": "", "pass_mark": "90", "position": "0", "reason": "更严格"},
        headers={"Accept-Language": "zh-CN"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已按新规则重新评估 3 人；状态变化：0 人。" in page


def test_check_derived_finds_rules_changed_around_the_services(db, tier, runner):
    path, people = tier
    path.slots[0].pass_mark = Decimal(70)     # not through the services: nobody re-evaluated
    db.session.commit()
    checked = runner.invoke(args=["check-derived"])
    assert checked.exit_code == 1
    assert "3 people's certification answers were decided under rules that have changed" \
        in checked.output
    assert reevaluation.outdated_people(db.session) == sorted(p.id for p in people)
    fixed = runner.invoke(args=["check-derived", "--fix"])
    assert "(re-evaluated)" in fixed.output
    assert runner.invoke(args=["check-derived"]).exit_code == 0


def test_a_refused_edit_changes_nothing(app, client, auth, db, tier, make_person):
    path, _people = tier
    slot = path.slots[0]
    before = {(e.person_id, e.rules_version_id, e.evaluated_at)
              for e in db.session.scalars(select(CertificationEvaluation))}
    admin = make_person(roles=("admin",))
    with pytest.raises(DomainError):
        paths.save_slot(db.session, admin, path, slot, _slot_data(slot, pass_mark=Decimal(120)),
                        "typo")
    db.session.rollback()
    app.config["WTF_CSRF_ENABLED"] = False
    auth.login(admin)
    response = client.post(f"/admin/paths/{path.id}/slots/{slot.id}/edit", data={
        "code": slot.code, "label": slot.label, "kind": slot.kind, "reference": "",
        "weight": "", "pass_mark": "70", "position": "0", "reason": ""})
    assert response.status_code == 422                     # a rule change needs a reason
    assert "re-evaluated" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AssessmentSlot, slot.id).pass_mark == Decimal(80)
    assert {(e.person_id, e.rules_version_id, e.evaluated_at)
            for e in db.session.scalars(select(CertificationEvaluation))} == before
    assert _entries(db, "path.slot_update") == []


def test_a_description_change_reevaluates_no_one(db, tier, make_person):
    path, _people = tier
    data = paths.PathData(code=path.code, name=path.name, name_zh="路径 CALLS",
                          description="Phones, in depth", position=path.position,
                          validity_months=path.validity_months)
    paths.save_path(db.session, make_person(roles=("admin",)), path, data)
    db.session.commit()
    [entry] = _entries(db, "path.update")
    assert "reevaluated" not in entry.details
    assert path.pass_rate_target == Decimal(80)           # PathData without one keeps it


def test_composite_and_settings_edits_reevaluate(db, make_path, make_person, scores, runner):
    path = make_path("DUO", slots=[("A", "scorecard", "a", "50", None),
                                   ("B", "scorecard", "b", "50", None)], composite="80")
    agent = make_person(tier_id=path.id)
    scores(agent, 90, "a")
    scores(agent, 66, "b")                              # composite 78: short of 80
    evaluation.evaluate_people(db.session, [agent.id])
    db.session.commit()
    admin = make_person(roles=("admin",))
    data = paths.PathData(code=path.code, name=path.name, position=path.position,
                          validity_months=12, composite_pass_mark=Decimal(75))
    paths.save_path(db.session, admin, path, data, reason="New composite")
    db.session.commit()
    [entry] = _entries(db, "path.update")
    assert entry.details["reevaluated"] == 1 and entry.details["status_changed"] == 1
    assert db.session.scalar(select(Certificate.path_id)
                             .where(Certificate.person_id == agent.id)) == path.id
    settings.save_settings(db.session, admin, path, settings.SettingsData(
        recert_window_days=30), "Shorter recertification window")
    db.session.commit()
    [entry] = _entries(db, "certification.settings")
    assert entry.details["reevaluated"] == 1 and entry.details["status_changed"] == 0
    assert runner.invoke(args=["check-derived"]).exit_code == 0


def test_a_kpi_requirement_threshold_change_reevaluates(db, make_path, make_person, defaults,
                                                        scores, runner):
    clock.freeze(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    path = make_path("SEN")
    csat = db.session.scalar(select(KpiDefinition).where(KpiDefinition.code == "CSAT"))
    agent = make_person(tier_id=path.id)
    scores(agent, 85)                                   # the exam passed: only the KPI short
    db.session.add(KpiValue(person_id=agent.id, kpi_id=csat.id, period_start=date(2026, 11, 1),
                            value=Decimal(85), recorded_at=clock.now()))
    hr = make_person(roles=("admin",))
    rule = requirements.save_requirement(db.session, hr, path, csat, Decimal(90), 1)
    db.session.commit()
    stored = db.session.scalar(select(CertificationEvaluation)
                               .where(CertificationEvaluation.person_id == agent.id))
    assert [m["code"] for m in stored.missing] == ["kpi"]
    requirements.save_requirement(db.session, hr, path, csat, Decimal(80), 1)
    db.session.commit()
    [_first, second] = _entries(db, "kpi.requirement.save")
    assert second.details["reevaluated"] == 1 and second.details["status_changed"] == 1
    assert db.session.scalar(select(Certificate.path_id)
                             .where(Certificate.person_id == agent.id)) == path.id
    with pytest.raises(DomainError):
        requirements.save_requirement(db.session, hr, path, csat, Decimal(101), 1)
    db.session.rollback()
    assert db.session.get(KpiRequirement, rule.id).threshold == Decimal(80)
    requirements.remove_requirement(db.session, hr, db.session.get(KpiRequirement, rule.id))
    db.session.commit()
    [removed] = _entries(db, "kpi.requirement.remove")
    assert removed.details["reevaluated"] == 1
    assert runner.invoke(args=["check-derived"]).exit_code == 0


def test_a_kpi_mapping_change_rewrites_evidence_levels_and_answers(
        db, make_path, make_person, defaults, runner):
    clock.freeze(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    empathy = db.session.scalar(select(Competency).where(Competency.code == "COMM-EMPATHY"))
    path = make_path("EMP", slots=[], matrix={"COMM-EMPATHY": 5})
    agent = make_person(tier_id=path.id)
    csat = db.session.scalar(select(KpiDefinition).where(KpiDefinition.code == "CSAT"))
    db.session.add(KpiValue(person_id=agent.id, kpi_id=csat.id, period_start=date(2026, 11, 1),
                            value=Decimal(86), recorded_at=clock.now()))
    db.session.flush()
    values.write_evidence(db.session, {(agent.id, date(2026, 11, 1))})
    evaluation.evaluate_people(db.session, [agent.id])
    db.session.commit()
    level = select(CompetencyLevel.level).where(CompetencyLevel.person_id == agent.id,
                                                CompetencyLevel.competency_id == empathy.id)
    assert db.session.scalar(level) == 4                # 86 reaches 85, not 90: level 4
    assert not db.session.scalar(select(Certificate.id).where(Certificate.person_id == agent.id))
    data = definitions.KpiData(
        code="CSAT", name=csat.name, name_zh="客户满意度", description="", description_zh="",
        unit="%", direction="higher", period="month", min_value=Decimal(0),
        max_value=Decimal(100), target=Decimal(85), weight=Decimal(25),
        periods_below_for_plan=0,
        mapping="COMM-EMPATHY: 60, 70, 80, 85\nCOMM-TONE: 70, 80, 85, 90")
    definitions.save_kpi(db.session, make_person(roles=("admin",)), csat, data)
    db.session.commit()
    assert db.session.scalar(level) == 5                # 86 reaches 85 now: level 5
    [entry] = _entries(db, "kpi.update")
    assert entry.details["reevaluated"] == 1 and entry.details["status_changed"] == 1
    assert db.session.scalar(select(Certificate.path_id)
                             .where(Certificate.person_id == agent.id)) == path.id
    checked = runner.invoke(args=["check-derived"])
    assert checked.exit_code == 0, checked.output


@pytest.mark.commits  # the re-evaluation job runs in a thread with a connection of its own
def test_a_change_for_more_people_than_run_inline_goes_to_a_job(app, db, tier, make_person,
                                                                monkeypatch):
    path, people = tier
    monkeypatch.setattr(reevaluation, "INLINE_PEOPLE", 2)
    slot = path.slots[0]
    paths.save_slot(db.session, make_person(roles=("admin",)), path, slot,
                    _slot_data(slot, pass_mark=Decimal(70)), "Calibration")
    db.session.commit()                                 # the job starts after the commit
    db.session.rollback()
    [entry] = _entries(db, "path.slot_update")
    assert entry.details["reevaluated"] == 3 and entry.details["reevaluation_queued"]
    [done] = _entries(db, "certification.reevaluate")
    assert done.object_id == str(entry.id)
    assert done.details == {"reevaluated": 3, "status_changed": 1}
    assert db.session.scalar(select(func.count()).select_from(Certificate)
                             .where(Certificate.person_id == people[1].id)) == 1


def test_a_matrix_edit_reevaluates_once_for_the_grid(db, make_path, make_person, defaults,
                                                     runner):
    from lms.competencies.services import matrix

    path = make_path("MTX", slots=[], matrix={"COMM-EMPATHY": 3})
    agent = make_person(tier_id=path.id)                 # level 1 of 3: in training
    empathy = db.session.scalar(select(Competency).where(Competency.code == "COMM-EMPATHY"))
    tone = db.session.scalar(select(Competency).where(Competency.code == "COMM-TONE"))
    cells = {matrix.cell_name(empathy.id, path.id): "", matrix.cell_name(tone.id, path.id): ""}
    matrix.save_matrix(db.session, make_person(roles=("admin",)), [path], cells,
                       reason="Empathy moves to the next tier")
    db.session.commit()
    [entry] = _entries(db, "matrix.set")
    assert entry.details["reevaluated"] == 1 and entry.details["status_changed"] == 1
    assert db.session.scalar(select(Certificate.path_id)
                             .where(Certificate.person_id == agent.id)) == path.id
    assert runner.invoke(args=["check-derived"]).exit_code == 0
