"""The monthly schedule: idempotent, in rotation, links e-mailed in the shopper's language;
the command."""

from datetime import date

from sqlalchemy import func, select

from assessments.review360.mystery.models import MysteryVisit
from assessments.review360.mystery.services import schedule
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.notifications.models import OutboxEmail
from tests.assessments.review360.mystery.conftest import MONTH, schedule_now


def _visits(month=MONTH):
    return list(db.session.scalars(select(MysteryVisit).where(MysteryVisit.month == month)
                                   .order_by(MysteryVisit.id)))


def test_schedule_is_idempotent(shop):
    first = schedule_now(shop)
    assert len(first) == 2
    assert {v.agent.employee_id for v in first} == {"A1", "A2"}
    assert {v.shopper.email for v in first} == {"one@shop.example", "two@shop.example"}
    mails = db.session.scalar(select(func.count()).select_from(OutboxEmail))
    assert schedule_now(shop) == []
    assert len(_visits()) == 2
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == mails == 2
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "mystery.schedule")).all()
    assert len(audit) == 1 and audit[0].details == {"month": "2026-10-01", "visits": 2}


def test_raising_the_count_adds_only_the_missing_visits(shop):
    schedule_now(shop)
    shop.programme.visits_per_month = 3
    added = schedule_now(shop)
    assert [v.agent.employee_id for v in added] == ["A3"]
    assert len(_visits()) == 3


def test_rotation_shops_the_others_next_month(shop):
    schedule_now(shop, date(2026, 9, 1))
    october = schedule_now(shop)
    assert {v.agent.employee_id for v in october} == {"A3", "A4"}


def test_the_invitation_is_in_the_shoppers_language(shop):
    schedule_now(shop)
    mails = {m.to_address: m for m in db.session.scalars(select(OutboxEmail))}
    assert "Mystery-shopper visit" in mails["one@shop.example"].subject
    chinese = mails["two@shop.example"]
    assert "神秘" in chinese.subject + chinese.body
    assert "/mystery/v/" in chinese.body and chinese.confidential


def test_no_shoppers_no_visits(shop):
    for shopper in shop.programme.shoppers:
        shopper.active = False
    result = schedule.schedule_month(db.session, shop.hr, shop.programme, MONTH)
    assert result.sent == [] and "no active shoppers" in result.problem
    assert _visits() == []


def test_month_parsing_refuses_future_and_nonsense():
    today = date(2026, 10, 5)
    assert schedule.parse_month(None, today) == MONTH
    assert schedule.parse_month("2026-09", today) == date(2026, 9, 1)
    for bad in ("2026-11", "October", "2026-13"):
        try:
            schedule.parse_month(bad, today)
        except DomainError:
            continue
        raise AssertionError(bad)


def test_the_command_schedules_once(shop, runner):
    first = runner.invoke(args=["schedule-mystery-shops", "--month", "2026-10"])
    assert first.exit_code == 0, first.output
    assert "Hotline: 2 visit(s) scheduled for 2026-10." in first.output
    again = runner.invoke(args=["schedule-mystery-shops", "--month", "2026-10"])
    assert "Hotline: 0 visit(s)" in again.output
    assert len(_visits()) == 2
    refused = runner.invoke(args=["schedule-mystery-shops", "--month", "2027-01"])
    assert refused.exit_code != 0 and "has not begun" in refused.output
