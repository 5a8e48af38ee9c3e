"""Time and peak memory of the CSV onboarding of N new hires (dry run, then the import).

    python benchmarks/onboarding_import.py [--rows 500]

Runs in-process on a fresh SQLite file (or a throwaway PostgreSQL database when DATABASE_URL
names a server) with the demo organisation seeded. The floor, measured in the same run, is
the same onboarding of a file with one row: what any import costs whatever its size.
"""

import argparse
import sys
import tracemalloc

from _harness import scratch_app, seconds

HEADER = "employee_id,name,email,team,manager_employee_id,mentor_employee_id,hire_date,tier\n"


def csv_of(prefix: str, rows: int) -> str:
    return HEADER + "".join(
        f"{prefix}{i:05d},新员工 {i},{prefix.lower()}{i}@demo.example,Hotline — Shanghai,E0011,"
        "E0020,2026-11-02,NEWHIRE\n" for i in range(rows))


def onboard(session, text: str) -> tuple[float, float, int]:
    """(dry-run seconds, import seconds, people imported) of one CSV file."""
    from lms.people.services import onboarding

    planned, plan = seconds(onboarding.plan_import, session, text)
    assert plan.ok, plan.problems[:5]

    def run() -> int:
        count = onboarding.run_import(session, None, text)
        session.commit()
        return count

    imported, count = seconds(run)
    return planned, imported, count


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args()
    from lms.core import clock
    from lms.core.extensions import db
    from lms.demo import seed_demo

    with scratch_app() as (app, backend):
        with app.app_context():
            seed_demo(db.session, clock.today())
            db.session.commit()
            tracemalloc.start()
            planned, imported, count = onboard(db.session, csv_of("H", args.rows))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            floor_planned, floor_imported, _ = onboard(db.session, csv_of("F", 1))
    print(f"backend={backend} rows={count} dry_run={planned:.2f}s "
          f"import={imported:.2f}s (re-checks, then writes) "
          f"peak_python_memory={peak / 1e6:.1f}MB")
    print(f"  floor, one row (same run): dry_run={floor_planned:.2f}s "
          f"import={floor_imported:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
