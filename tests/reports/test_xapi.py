"""xAPI with a real LRS (Ralph): statements recorded in the outbox with what they describe,
sent in order, kept while the LRS is down and all delivered once, in order, when it is back."""

import pytest
from sqlalchemy import func, select

from assessments.scorm.services import packages, runtime
from reports.models import XapiStatement
from reports.services import xapi
from tests.assessments.scorm.package import make_package
from tests.lrs import PASSWORD, USERNAME


@pytest.fixture
def app_config(app_config, lrs):
    return {**app_config, "XAPI_ENDPOINT": lrs.endpoint, "XAPI_USERNAME": USERNAME,
            "XAPI_PASSWORD": PASSWORD, "PUBLIC_URL": "https://academy.example.com"}


def target(lrs) -> xapi.Lrs:
    return xapi.Lrs(lrs.endpoint, USERNAME, PASSWORD)


def pending(db) -> int:
    return db.session.scalar(select(func.count()).select_from(XapiStatement)
                             .where(XapiStatement.sent_at.is_(None)))


def outbox_ids(db) -> list[str]:
    return list(db.session.scalars(select(XapiStatement.statement_id)
                                   .order_by(XapiStatement.id)))


def play(db, app, agent, score: str):
    package = packages.import_package(db.session, None, app.config["STORAGE_DIR"],
                                      make_package())
    from assessments.scorm.signals import attempt_launched

    attempt = runtime.current_attempt(db.session, package, agent)
    attempt_launched.send(db.session, attempt=attempt)
    runtime.commit(db.session, agent, attempt, {"cmi.core.lesson_status": "completed",
                                               "cmi.core.score.raw": score,
                                               "cmi.core.session_time": "00:02:00"},
                   finish=True)
    db.session.commit()
    return package


def test_statements_are_recorded_and_sent_in_order(db, app, lrs, make_person):
    agent = make_person(("agent",), name="Chen Jing 陈静")
    before = len(lrs.stored_ids())
    play(db, app, agent, "90")
    verbs = [row.statement["verb"]["display"]["en-US"]
             for row in db.session.scalars(select(XapiStatement).order_by(XapiStatement.id))]
    assert verbs == ["launched", "completed", "passed"]
    report = xapi.send_pending(db.session, target(lrs))
    db.session.commit()
    assert (report.sent, report.pending, report.error) == (3, 0, "")
    assert lrs.stored_ids()[before:] == outbox_ids(db)
    held = {s["id"]: s for s in lrs.statements()}
    passed = held[outbox_ids(db)[-1]]
    assert passed["actor"]["mbox"] == f"mailto:{agent.email}"
    assert passed["actor"]["name"] == "Chen Jing 陈静"
    assert passed["result"]["score"]["scaled"] == 0.9 and passed["result"]["success"] is True
    assert passed["object"]["id"].startswith("https://academy.example.com/scorm/")
    # Sending again sends nothing.
    assert xapi.send_pending(db.session, target(lrs)).sent == 0


def test_statements_wait_while_the_lrs_is_down_then_all_arrive_once_in_order(
        db, app, lrs, make_person):
    agent = make_person(("agent",))
    before = len(lrs.stored_ids())
    lrs.stop()
    try:
        play(db, app, agent, "40")   # launched, completed, failed
        play(db, app, agent, "100")  # launched, completed, passed
        report = xapi.send_pending(db.session, target(lrs))
        db.session.commit()
        assert report.sent == 0 and report.pending == 6
        assert "could not be reached" in report.error
        first = db.session.scalars(select(XapiStatement).order_by(XapiStatement.id)).first()
        assert first.tries == 1 and "could not be reached" in first.last_error
        # A second try while it is still down changes nothing but the count of tries.
        assert xapi.send_pending(db.session, target(lrs)).sent == 0
        assert pending(db) == 6
    finally:
        lrs.start()
    report = xapi.send_pending(db.session, target(lrs), batch=4)
    db.session.commit()
    assert (report.sent, report.pending, report.error) == (6, 0, "")
    assert lrs.stored_ids()[before:] == outbox_ids(db)  # each once, in order
    held = {s["id"]: s for s in lrs.statements()}
    assert [held[i]["verb"]["display"]["en-US"] for i in outbox_ids(db)] == [
        "launched", "completed", "failed", "launched", "completed", "passed"]


def test_a_statement_the_lrs_already_holds_counts_as_sent(db, app, lrs, make_person):
    agent = make_person(("agent",))
    play(db, app, agent, "90")
    xapi.send_pending(db.session, target(lrs))
    db.session.commit()
    # The reply was lost: the outbox still thinks one of them is unsent.
    row = db.session.scalars(select(XapiStatement).order_by(XapiStatement.id)).first()
    row.sent_at = None
    db.session.commit()
    count = len(lrs.stored_ids())
    report = xapi.send_pending(db.session, target(lrs))
    assert (report.sent, report.pending) == (1, 0)
    assert len(lrs.stored_ids()) == count


def test_no_lrs_no_statements(db, app, make_person, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_ENDPOINT", "")
    play(db, app, make_person(("agent",)), "90")
    assert db.session.scalar(select(func.count()).select_from(XapiStatement)) == 0


def test_cli_send(db, app, lrs, runner, make_person):
    play(db, app, make_person(("agent",)), "90")
    result = runner.invoke(args=["send-xapi"])
    assert result.exit_code == 0 and "3 statements sent; 0 waiting." in result.output
