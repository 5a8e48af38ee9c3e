"""Time closing a 360 cycle of N subjects (default 200), each rated by self, manager, four
peers and four customers on the 11-statement agent questionnaire, and the results page, PDF
and cycle page afterwards.

    python benchmarks/review360_close.py [--subjects 200] [--runs 10]

Runs in-process on a fresh SQLite file (or a throwaway PostgreSQL database when DATABASE_URL
names a server). Answers are written straight through the services (as raters would post
them); the close computes and stores every subject's results and writes their evidence.
Prints the close time (total and per subject), p50/p95 of the pages, and SQL statements per
page request.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

PASSWORD = "benchmark-password"


def build(session, subjects: int) -> tuple[int, int]:
    """People, a cycle with `subjects` subjects, every rater answered; returns (cycle, subject)."""
    from assessments.review360.demo import install_questionnaires
    from assessments.review360.services import cycles, nominations, responses
    from lms.defaults import install_defaults
    from lms.people.services.directory import PersonData, create_person

    install_defaults(session)
    install_questionnaires(session)
    hr = create_person(session, None, PersonData(employee_id="H1", name="Bench HR",
                                                 email="hr@bench.example", roles=("hr",)),
                       PASSWORD)
    manager = create_person(session, None, PersonData(
        employee_id="M1", name="Bench Manager", email="m@bench.example",
        roles=("manager",)), None)
    people = [create_person(session, None, PersonData(
        employee_id=f"A{i:05d}", name=f"坐席 {i:04d}", email=f"a{i}@bench.example",
        manager_id=manager.id, roles=("agent",)), None) for i in range(subjects + 4)]
    today = date.today()
    cycle = cycles.create_cycle(session, hr, cycles.CycleData(
        title="Bench cycle", opens_on=today, closes_on=today))
    made = cycles.add_subjects(session, hr, cycle, [p.id for p in people[:subjects]])
    for n, subject in enumerate(made):
        for k in range(1, 5):
            nominations.propose(session, hr, subject, "peer", people[(n + k) % len(people)].id)
            nominations.propose(session, hr, subject, "customer", name=f"C{k}",
                                email=f"c{n}-{k}@customer.example")
        nominations.approve(session, hr, subject)
        items = subject.version.items
        for r, rater in enumerate(subject.raters):
            posted = {str(i.id): str(1 + (n + r + i.position) % 5) for i in items
                      if i.kind == "rating"}
            responses.save(session, rater.person, rater, posted, submit=True,
                           external=rater.external)
    session.commit()
    return cycle.id, made[0].id


def timed(client, url: str, runs: int) -> list[float]:
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    from _harness import statements
    from concurrent_writes import ScratchPostgres

    from assessments.review360.models import Cycle
    from assessments.review360.services import cycles
    from lms import create_app
    from lms.core.extensions import db

    scratch = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        scratch = ScratchPostgres(os.environ["DATABASE_URL"])
        url = scratch.url
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='lms-bench-')}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CHECK_SCHEMA": False,
                      "PUBLIC_URL": "http://127.0.0.1",
                      "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    try:
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            cycle_id, subject_id = build(db.session, args.subjects)
            built = time.perf_counter() - started
            started = time.perf_counter()
            cycles.close_cycle(db.session, None, db.session.get(Cycle, cycle_id))
            db.session.commit()
            closed = time.perf_counter() - started
            db.session.remove()
        client = app.test_client()
        assert client.post("/login", data={"login": "hr@bench.example",
                                           "password": PASSWORD}).status_code == 302
        print(f"{args.subjects} subjects × 10 raters built in {built:.1f} s "
              f"({url.split(':')[0]})")
        print(f"close (results, evidence, signal for every subject): {closed:.2f} s, "
              f"{closed / args.subjects * 1000:.1f} ms per subject")
        for label, page in (("results page", f"/360/subjects/{subject_id}/results"),
                            ("results PDF", f"/360/subjects/{subject_id}/report.pdf"),
                            ("cycle page", f"/360/cycles/{cycle_id}")):
            times = sorted(timed(client, page, args.runs))
            p95 = times[max(0, int(len(times) * .95) - 1)]
            print(f"{label:<13} p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  "
                  f"{statements(app, client, page)} SQL statements")
        with app.app_context():
            db.engine.dispose()
    finally:
        if scratch is not None:
            scratch.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
