"""standings(): every status, exact scores, Chinese wording, and a constant number of
queries whatever the number of people."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale

from certificates.models import CertificationSettings
from certificates.services import awards
from certificates.services.standing import STATUSES, PathStanding, standings
from lms.core import clock
from tests.conftest import QueryCounter

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(T0)


def _run(db, person):
    awards.evaluate_person(db.session, person)
    db.session.commit()


def test_every_status(db, make_path, make_person, scores):
    path = make_path(slots=(("CASE", "scorecard", "case", "60", None),
                            ("CUSTOMER", "scorecard", "customer", "40", None)), composite="80")
    hr = make_person(roles=("hr",))
    nothing, partial, certified, expiring, expired, revoked, waiting = (
        make_person(tier_id=path.id) for _ in range(7))
    for person in (certified, expiring, expired, revoked, waiting):
        scores(person, "90.5", "case")
        scores(person, "66.6667", "customer")
    scores(partial, "50", "case")
    for person in (nothing, partial, certified, revoked):
        _run(db, person)
    clock.freeze(datetime(2025, 4, 1, 9, tzinfo=UTC))
    _run(db, expiring)
    clock.freeze(datetime(2024, 12, 1, 9, tzinfo=UTC))
    _run(db, expired)
    clock.freeze(T0)
    awards.revoke(db.session, hr, revoked.id and awards.rules.latest_certificate(
        db.session, revoked.id, path.id), "Issued in error")
    db.session.add(CertificationSettings(path_id=path.id, require_approval=True))
    db.session.commit()
    _run(db, waiting)
    ids = [p.id for p in (nothing, partial, certified, expiring, expired, revoked, waiting)]
    result = standings(db.session, ids + [hr.id], today=date(2026, 3, 2))
    assert result[hr.id] == {}
    got = {pid: result[pid][path.id] for pid in ids}
    assert [got[pid].status for pid in ids] == [
        "not_started", "in_progress", "certified", "expiring", "expired", "revoked",
        "pending_approval"]
    assert set(s.status for s in got.values()) <= set(STATUSES)
    exact = (Decimal("90.5") * 60 + Decimal("66.6667") * 40) / 100
    mine = got[certified.id]
    assert isinstance(mine, PathStanding)
    assert (mine.percent, mine.missing, mine.composite) == (100, (), exact)
    assert mine.components == {"CASE": Decimal("90.5"), "CUSTOMER": Decimal("66.6667")}
    assert mine.serial.startswith("TESTPATH-") and mine.issued_on == date(2026, 3, 2)
    assert mine.expires_on == date(2027, 3, 2)
    assert got[expiring.id].expires_on == date(2026, 4, 1)
    assert got[partial.id].percent == 0 and got[partial.id].missing == (
        "Customer slot: no result yet",)
    assert got[nothing.id].missing == ("Case slot: no result yet",
                                       "Customer slot: no result yet")
    with force_locale("zh_Hans_CN"):
        chinese = standings(db.session, [partial.id])[partial.id][path.id]
    assert chinese.missing == ("Customer slot：尚无结果",)
    # "expiring" follows the window asked for.
    assert standings(db.session, [expiring.id], expiring_within_days=10,
                     today=date(2026, 3, 2))[expiring.id][path.id].status == "certified"
    # The database's version of the rule (what report lists filter and sort on) agrees.
    for window in (60, 10):
        sql = _sql_standing(db, ids, path.id, window)
        python = standings(db.session, ids, today=date(2026, 3, 2),
                           expiring_within_days=window)
        for pid in ids:
            held = python[pid][path.id]
            assert sql[pid] == (held.status, held.issued_on, held.expires_on,
                                held.composite), pid


def _sql_standing(db, ids, path_id, window):
    from sqlalchemy import literal, select

    from certificates.services.standing import join_status
    from lms.people.models import Person

    stmt, columns = join_status(select(Person.id), Person.id, literal(path_id),
                                today=date(2026, 3, 2), expiring_within_days=window)

    def day(value):
        return date.fromisoformat(value) if isinstance(value, str) else value

    return {pid: (status, day(issued), day(expires),
                  None if composite is None else Decimal(str(composite)))
            for pid, status, issued, expires, composite in db.session.execute(
                stmt.add_columns(columns.status, columns.issued_on, columns.expires_on,
                                 columns.composite).where(Person.id.in_(ids)))}


def test_constant_number_of_queries(db, make_path, make_person, scores):
    path = make_path()
    people = [make_person(tier_id=path.id) for _ in range(30)]
    for person in people[::2]:
        scores(person, 90)
        _run(db, person)
    ids = [p.id for p in people]
    db.session.expire_all()
    with QueryCounter(db.engine) as few:
        standings(db.session, ids[:3])
    with QueryCounter(db.engine) as many:
        result = standings(db.session, ids)
    assert few.count == many.count == 2  # the stored evaluation and standing tables
    assert sum(s[path.id].status == "certified" for s in result.values()) == 15


def test_large_id_lists_read_whole_tables(db, make_path, make_person, scores, monkeypatch):
    from certificates.services import standing

    path = make_path()
    people = [make_person(tier_id=path.id) for _ in range(4)]
    scores(people[0], 90)
    _run(db, people[0])
    monkeypatch.setattr(standing, "_IN_LIMIT", 2)
    ids = [p.id for p in people]
    with QueryCounter(db.engine) as counter:
        result = standings(db.session, ids[:3])
    assert counter.count == 2
    assert result[people[0].id][path.id].status == "certified"
    assert ids[3] not in result
