"""Two imports of different KPIs for the same people at the same moment (the QA system and
the WFM system pushing at once): the second waits for the first and reads its values, so the
evidence of each person and period stands for both KPIs, once."""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.competencies.models import Competency, Evidence
from lms.competencies.services.evidence import check_levels
from lms.core.database import writing
from lms.core.extensions import db as _db
from lms.kpis.models import KpiCompetency, KpiDefinition
from lms.kpis.services import values
from tests.databases import someone_waits_for_a_lock

HEADER = "employee_id,kpi,period,value\n"


def _import(body: str) -> None:
    plan = values.check_rows(_db.session, values.read_file((HEADER + body).encode(), "k.csv",
                                                            10**6))
    values.import_values(_db.session, None, plan, source="command")


def _kpi_evidence(session) -> list[tuple]:
    return sorted(session.execute(select(
        Evidence.person_id, Evidence.competency_id, Evidence.source_id, Evidence.level)
        .where(Evidence.source_kind == "kpi")).all())


@pytest.mark.commits  # two threads, each with a connection of its own
def test_two_imports_for_the_same_people_keep_both_kpis(app, db, staff):
    # FCR also informs empathy here: that competency's evidence of the period is the
    # weighted mean of both KPIs, so each import has to read the other's value.
    fcr = db.session.scalar(select(KpiDefinition).where(KpiDefinition.code == "FCR"))
    empathy = db.session.scalar(select(Competency).where(Competency.code == "COMM-EMPATHY"))
    db.session.add(KpiCompetency(kpi_id=fcr.id, competency_id=empathy.id,
                                 thresholds=["60", "75", "85", "92"]))
    db.session.commit()
    people = ("A1", "A2", "A3")
    first_written = threading.Event()
    seen = {}

    def first() -> None:
        with app.app_context(), writing():
            _import("".join(f"{p},CSAT,2026-10,91\n" for p in people))
            first_written.set()
            if _db.engine.dialect.name == "postgresql":
                # Commit only once the second import waits: the two overlap every time.
                seen["waited"] = someone_waits_for_a_lock()
            else:
                time.sleep(0.3)  # SQLite: the second writer waits for the write lock
            _db.session.commit()
            _db.session.remove()

    def second() -> None:
        assert first_written.wait(10)
        with app.app_context(), writing():
            _import("".join(f"{p},FCR,2026-10,62\n" for p in people))
            _db.session.commit()
            _db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in (pool.submit(first), pool.submit(second)):
            future.result(timeout=60)
    if db.engine.dialect.name == "postgresql":
        assert seen["waited"], "the second import never overlapped the first"
    db.session.rollback()
    stored = _kpi_evidence(db.session)
    # One evidence row per person, competency and period: the second import replaced the
    # first one's rows instead of writing beside them.
    assert max(Counter((p, c, s) for p, c, s, _l in stored).values()) == 1
    # CSAT 91 gives level 5 (weight 25), FCR 62 level 2 (weight 15): (125 + 30) / 40.
    assert {level for _p, c, _s, level in stored if c == empathy.id} == {Decimal("3.87")}
    # And it is the evidence both values give: working it out again changes nothing.
    touched = {(staff[p].id, values.periods.parse("2026-10", "month")) for p in people}
    values.write_evidence(db.session, touched)
    db.session.flush()
    assert _kpi_evidence(db.session) == stored
    assert check_levels(db.session) == []
    db.session.rollback()
