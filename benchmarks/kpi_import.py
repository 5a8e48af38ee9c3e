"""KPI values pushed through the API: N people × 6 KPIs × 1 month in batches of 10,000 rows.

    python benchmarks/kpi_import.py [--people 100000]

In-process (the Flask test client, POST /api/v1/kpis with an HR token) on a fresh SQLite file,
or a throwaway PostgreSQL database when DATABASE_URL names a server. The organisation is the
default framework and paths and N agents on the new-hire tier, inserted in bulk. Afterwards
the stored competency levels and standings are checked against the history (check-derived):
the benchmark fails when anything differs.

The certification engine is timed with the import: each call re-evaluates the people it
concerns in the same transaction (the set-based engine, certificates.services.evaluation),
so the levels, evaluations and standings are up to date when the last call answers. A
background job is only started for a push of more than INLINE_EVALUATIONS people; the
benchmark fails if one is.

Printed: wall time and the process's CPU time (time.process_time) beside it, and the load
average at the start and the end (the machine may be shared).

The floor, measured in the same run: a push of one row (what any call costs whatever its
size) and the cheapest request (GET /healthz).
"""

import argparse
import gc
import os
import sys
import time
from datetime import UTC, datetime

from _harness import percentiles, print_floor, request_floor, scratch_app

KPIS = ("CSAT", "FCR", "NPS", "FRT", "REPEAT", "QA")
BATCH = 10_000


def build(session, people: int) -> str:
    """The framework, paths, KPIs and `people` agents; returns an HR token."""
    from sqlalchemy import insert

    from lms.defaults import install_defaults
    from lms.people.models import Person, PersonRole
    from reports.services.tokens import create_token

    paths = install_defaults(session)
    now = datetime.now(UTC)
    tier = paths["NEWHIRE"].id
    hr = Person(employee_id="HR0001", name="Bench HR", email="hr@bench.example")
    session.add(hr)
    session.flush()
    session.add(PersonRole(person_id=hr.id, role="hr"))
    for start in range(0, people, 5000):
        rows = [{"employee_id": f"A{n:06d}", "name": f"坐席 {n}", "sort_name": f"坐席 {n}",
                 "email": f"a{n}@bench.example", "tier_id": tier, "active": True,
                 "can_author": False, "session_version": 1, "created_at": now,
                 "updated_at": now} for n in range(start, min(start + 5000, people))]
        session.execute(insert(Person.__table__).returning(Person.__table__.c.id), rows)
    _token, plaintext = create_token(session, None, name="bench", person=hr,
                                     scopes=["kpis:write"])
    session.commit()
    return plaintext


def value(kpi: str, n: int) -> str:
    spread = (n * 7919) % 100
    return {"CSAT": 70 + spread % 30, "FCR": 60 + spread % 40, "NPS": spread - 30,
            "FRT": 1 + spread % 12, "REPEAT": spread % 15, "QA": 60 + spread % 40}[kpi]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--period", default="2026-11")
    args = parser.parse_args()
    from sqlalchemy import func, select

    from certificates.models import CertificationEvaluation
    from certificates.services import listeners
    from lms.cli import derived_differences
    from lms.core.extensions import db

    captured: list[list[int]] = []
    # No call may leave its evaluation to a background job (checked at the end).
    listeners.start_job = lambda _target, ids, **_kw: captured.append(ids)
    load_before = os.getloadavg()
    with scratch_app() as (app, backend):
        with app.app_context():
            token = build(db.session, args.people)
        client = app.test_client()
        began_at = datetime.now(UTC)
        auth = {"Authorization": f"Bearer {token}"}
        rows = [{"employee_id": f"A{n:06d}", "kpi": kpi, "period": args.period,
                 "value": value(kpi, n)} for n in range(args.people) for kpi in KPIS]
        # The payload lives in the pushing system's process, not the server's: frozen, the
        # collector does not walk its 600,000 rows on every full collection during the pushes.
        gc.freeze()
        started, cpu = time.perf_counter(), time.process_time()
        calls = []
        for first in range(0, len(rows), BATCH):
            began = time.perf_counter()
            response = client.post("/api/v1/kpis", json={"rows": rows[first:first + BATCH]},
                                   headers=auth)
            assert response.status_code == 200, response.get_json()
            calls.append((time.perf_counter() - began) * 1000)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
        again = time.perf_counter()
        response = client.post("/api/v1/kpis", json={"rows": rows[:BATCH]}, headers=auth)
        assert response.get_json()["unchanged"] == min(BATCH, len(rows))
        repush = time.perf_counter() - again
        floor = []
        for n in range(20):
            began = time.perf_counter()
            response = client.post("/api/v1/kpis", json={"rows": [
                {**rows[n], "value": value(rows[n]["kpi"], n + 1)}]}, headers=auth)
            assert response.status_code == 200
            floor.append((time.perf_counter() - began) * 1000)
        healthz = request_floor(client, 50)
        with app.app_context():
            checked = time.perf_counter()
            drift = derived_differences(db.session)
            evaluated = db.session.scalar(select(func.count()).select_from(
                CertificationEvaluation).where(CertificationEvaluation.evaluated_at >= began_at))
            checked = time.perf_counter() - checked
            db.session.rollback()
    load_after = os.getloadavg()
    print(f"backend={backend} people={args.people:,} rows={len(rows):,} "
          f"calls={len(calls)} total={total:.1f}s wall, {cpu:.1f}s CPU "
          f"({len(rows) / total:,.0f} rows/s) per call {percentiles(calls)}")
    print(f"  load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(f"  evaluations written during the pushes: {evaluated:,} (people {args.people:,}); "
          f"background jobs started: {len(captured)}")
    print(f"  re-push of {BATCH:,} unchanged rows: {repush:.2f}s")
    print("  check-derived after the import: " + ", ".join(
        f"{len(found)} {name} differences" for name, found in drift.items())
        + f" ({checked:.1f}s)")
    print(f"  floor, a one-row push (same run): {percentiles(floor)}")
    print_floor(healthz)
    ok = not any(drift.values()) and not captured and evaluated >= args.people
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
