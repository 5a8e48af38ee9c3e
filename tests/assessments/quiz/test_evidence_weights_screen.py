"""The evidence weights screen: an admin changes a kind's weight (the knowledge checks' too)
with a reason; it is audited and the stored levels follow at once, as check-derived proves;
bad input changes nothing."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.competencies.models import CompetencyLevel
from lms.competencies.services.evidence import check_levels, kind_weight
from lms.core import clock
from lms.core.audit import AuditEntry
from tests.assessments.quiz.test_measure import RIGHT, _take


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def _level(db, person):
    return db.session.scalar(select(CompetencyLevel).where(CompetencyLevel.person_id == person.id))


def test_an_admin_weighs_knowledge_checks_with_a_reason(db, make_quiz, agent, make_person,
                                                        client, auth):
    check = make_quiz(questions=("refund-days", "refund-proof", "points-expire"))
    check.lesson_key = "lesson-key-of-a-check"  # what makes a quiz a knowledge check
    _take(db, agent, check, RIGHT)
    assert _level(db, agent) is None  # knowledge checks weigh 0 by default
    admin = make_person(("admin",))
    auth.login(admin)
    page = client.get("/admin/framework/evidence-weights").get_data(as_text=True)
    assert "Knowledge check (a lesson&#39;s quiz)" in page and "quiz_check" in page
    # No reason, an unknown kind, a weight out of range: refused, nothing changed.
    for posted in ({"source_kind": "quiz_check", "weight": "0.5", "reason": " "},
                   {"source_kind": "nonsense", "weight": "0.5", "reason": "why"},
                   {"source_kind": "quiz_check", "weight": "101", "reason": "why"}):
        assert client.post("/admin/framework/evidence-weights", data=posted).status_code == 422
    assert kind_weight(db.session, "quiz_check") == 0
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "framework.evidence_weight")) is None
    response = client.post("/admin/framework/evidence-weights", data={
        "source_kind": "quiz_check", "weight": "0.5",
        "reason": "Checks now drawn from the exam bank"})
    assert response.status_code == 302
    db.session.expire_all()
    assert kind_weight(db.session, "quiz_check") == Decimal("0.5")
    assert _level(db, agent).level == 5  # recomputed in the same request
    assert check_levels(db.session) == []
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "framework.evidence_weight"))
    assert entry.reason == "Checks now drawn from the exam bank" and entry.actor_id == admin.id
    assert entry.details["previous"] == "0" and entry.details["kind"] == "quiz_check"
    # Agents may not see the screen.
    auth.logout()
    auth.login(agent)
    assert client.get("/admin/framework/evidence-weights").status_code == 403
