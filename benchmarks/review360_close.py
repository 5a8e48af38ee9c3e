"""Time closing a 360 cycle of N subjects (default 200), each rated by self, manager, four
peers and four customers on the 11-statement agent questionnaire, and the results page, PDF
and cycle page afterwards.

    python benchmarks/review360_close.py [--subjects 200] [--runs 10]

Runs in-process on a fresh SQLite file (or a throwaway PostgreSQL database when DATABASE_URL
names a server). Answers are written straight through the services (as raters would post
them); the close computes and stores every subject's results and writes their evidence.
Prints the close time (total and per subject), p50/p95 of the pages, and SQL statements per
page request, beside the floor measured in the same run.
"""

import argparse
import sys
from datetime import date

from _harness import (
    PASSWORD,
    measure_page,
    print_floor,
    request_floor,
    scratch_app,
    seconds,
    signed_in,
)


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
                                email=f"c{n}@customer{k}.example")
        nominations.approve(session, hr, subject)
        items = subject.version.items
        for r, rater in enumerate(subject.raters):
            posted = {str(i.id): str(1 + (n + r + i.position) % 5) for i in items
                      if i.kind == "rating"}
            responses.save(session, rater.person, rater, posted, submit=True,
                           external=rater.external)
    session.commit()
    return cycle.id, made[0].id


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    from assessments.review360.models import Cycle
    from assessments.review360.services import cycles
    from lms.core.extensions import db

    def close(cycle_id: int) -> None:
        cycles.close_cycle(db.session, None, db.session.get(Cycle, cycle_id))
        db.session.commit()

    with scratch_app() as (app, backend):
        with app.app_context():
            built, (cycle_id, subject_id) = seconds(build, db.session, args.subjects)
            closed, _ = seconds(close, cycle_id)
            db.session.remove()
        client = signed_in(app, "hr@bench.example")
        floor = request_floor(client, args.runs)
        print(f"backend={backend} {args.subjects} subjects × 10 raters (built in {built:.1f}s)")
        print(f"  close (results, evidence, signal for every subject): {closed:.2f}s, "
              f"{closed / args.subjects * 1000:.1f} ms per subject")
        for label, page in (("results page", f"/360/subjects/{subject_id}/results"),
                            ("results PDF", f"/360/subjects/{subject_id}/report.pdf"),
                            ("cycle page", f"/360/cycles/{cycle_id}")):
            print(f"  {label}: {measure_page(app, client, page, args.runs)}")
        print_floor(floor)
    return 0


if __name__ == "__main__":
    sys.exit(main())
