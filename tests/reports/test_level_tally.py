"""The heat map's level counters (reports.services.level_tally) are kept by the database on
every write — one result, a bulk import, a person moving team or tier, leaving, coming back,
being deleted, a raw UPDATE — so a recount always finds them equal; the all-teams heat map
read from them equals the count over the levels; check-derived reports and recounts drift."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, text, true, update

from lms.competencies.models import Competency, CompetencyLevel
from lms.competencies.services.evidence import (
    Observation,
    record_evidence,
    record_evidence_many,
)
from lms.people.models import Person, Team
from reports.models import LevelTally
from reports.services import heatmap, level_tally
from reports.services.filters import ReportFilters


def _drift(db) -> list:
    db.session.flush()
    return level_tally.check(db.session.connection())


def _observe(competency, level, day=1):
    return Observation(competency_id=competency.id, level=Decimal(level), score=None,
                       observed_at=datetime(2026, 11, day, tzinfo=UTC))


def _competency(db, code):
    return db.session.scalar(select(Competency).where(Competency.code == code))


def test_every_kind_of_write_keeps_the_counters(db, demo_org, make_person):
    assert level_tally.counts(db.session.connection())    # the demo's levels, counted
    assert _drift(db) == []
    agent, other_team = demo_org["E0101"], demo_org["E0109"].team_id
    empathy, listening = _competency(db, "COMM-EMPATHY"), _competency(db, "COMM-LISTEN")
    before = level_tally.counts(db.session.connection())

    record_evidence(db.session, person_id=agent.id, source_kind="quiz", source_id="t1",
                    observations=[_observe(empathy, "5"), _observe(listening, "1")])
    assert _drift(db) == [] and level_tally.counts(db.session.connection()) != before

    newcomer = make_person(tier_id=agent.tier_id, team_id=agent.team_id)
    record_evidence_many(db.session, source_kind="kpi", results=[
        (newcomer.id, "2026-11", [_observe(empathy, "2")]),
        (agent.id, "2026-11", [_observe(listening, "4")])])
    assert _drift(db) == []

    agent.team_id = other_team                      # moves with all their levels
    db.session.flush()
    assert _drift(db) == []
    agent.tier_id = demo_org["E0020"].tier_id       # promoted
    db.session.flush()
    assert _drift(db) == []
    newcomer.active = False                         # left: counted out
    db.session.flush()
    assert _drift(db) == []
    newcomer.active = True                          # back
    db.session.flush()
    assert _drift(db) == []
    db.session.execute(update(CompetencyLevel).where(CompetencyLevel.person_id == agent.id)
                       .values(level=CompetencyLevel.level % 5 + 1))
    assert _drift(db) == []
    db.session.delete(newcomer)                     # their levels go by cascade
    db.session.flush()
    assert _drift(db) == []
    db.session.execute(text("DELETE FROM competency_level WHERE person_id = :p"),
                       {"p": agent.id})
    assert _drift(db) == []
    level_tally.fold(db.session.connection())       # PostgreSQL: changes into the counters
    assert _drift(db) == []
    assert level_tally.pending_changes(db.session.connection()) == 0


def test_the_heat_map_of_everyone_from_the_counters_equals_the_count(db, demo_org,
                                                                     monkeypatch):
    monkeypatch.setattr(level_tally, "FOLD_AT", 1)  # PostgreSQL: the page folds the changes in
    # An always-true scope that is not `true()` takes the count over the levels.
    counted = heatmap.team_heat(db.session, Person.id.is_not(None), ReportFilters())
    kept = heatmap.team_heat(db.session, true(), ReportFilters())
    assert [(t.team_id, t.people, dict(t.cells)) for t in kept] == \
        [(t.team_id, t.people, dict(t.cells)) for t in counted]
    assert sum(c.people for t in kept for c in t.cells.values()) > 20
    assert any(0 < c.met < c.people for t in kept for c in t.cells.values())
    assert level_tally.pending_changes(db.session.connection()) == 0
    assert _drift(db) == []


def test_the_heat_map_reads_the_counters_in_a_fixed_number_of_queries(db, demo_org,
                                                                     make_person,
                                                                     count_queries, app):
    def costs():
        app.extensions.get("reports.kept", {}).clear()
        with count_queries() as counter:
            heatmap.team_heat(db.session, true(), ReportFilters())
        return counter.count

    first = costs()
    team = db.session.scalar(select(Team).limit(1))
    for _ in range(15):
        make_person(tier_id=demo_org["E0101"].tier_id, team_id=team.id)
    assert costs() == first


def test_check_derived_reports_a_wrong_counter_and_recounts(db, demo_org, runner):
    assert "0 level counters of the heat map differ." in runner.invoke(
        args=["check-derived"]).output
    level_tally.fold(db.session.connection())   # PostgreSQL: the counters, not the changes
    row = db.session.scalar(select(LevelTally).where(LevelTally.people > 0).limit(1))
    row.people += 3
    db.session.commit()
    result = runner.invoke(args=["check-derived"])
    assert result.exit_code == 1
    assert (f"level counter team={row.team_id or '-'} tier={row.tier_id or '-'} "
            f"competency={row.competency_id} level={row.level}") in result.output
    assert "1 level counters of the heat map differ." in result.output
    fixed = runner.invoke(args=["check-derived", "--fix"])
    assert fixed.exit_code == 0 and "(recounted)" in fixed.output
    assert runner.invoke(args=["check-derived"]).exit_code == 0
