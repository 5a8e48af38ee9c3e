"""Time and peak memory of the CSV onboarding of N new hires (dry run, then the import).

    python benchmarks/onboarding_import.py [--rows 500]

Runs in-process on a fresh SQLite file (or a throwaway PostgreSQL database when DATABASE_URL
names a server) with the demo organisation seeded.
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args()
    from concurrent_writes import ScratchPostgres

    from lms import create_app
    from lms.core.extensions import db
    from lms.demo import seed_demo
    from lms.people.services import onboarding

    scratch = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        scratch = ScratchPostgres(os.environ["DATABASE_URL"])
        url = scratch.url
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='lms-bench-')}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CHECK_SCHEMA": False,
                      "PUBLIC_URL": "http://127.0.0.1"})
    header = "employee_id,name,email,team,manager_employee_id,mentor_employee_id,hire_date,tier\n"
    rows = "".join(
        f"H{i:05d},新员工 {i},hire{i}@demo.example,Hotline — Shanghai,E0011,E0020,2026-11-02,"
        "NEWHIRE\n" for i in range(args.rows)
    )
    text = header + rows
    try:
        with app.app_context():
            db.create_all()
            seed_demo(db.session, date(2026, 11, 23))
            db.session.commit()
            tracemalloc.start()
            started = time.perf_counter()
            plan = onboarding.plan_import(db.session, text)
            planned = time.perf_counter()
            assert plan.ok, plan.problems[:5]
            count = onboarding.run_import(db.session, None, text)
            db.session.commit()
            done = time.perf_counter()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            db.session.remove()
            db.engine.dispose()
    finally:
        if scratch is not None:
            scratch.drop()
    backend = url.split(":", 1)[0]
    print(f"backend={backend} rows={count} dry_run={planned - started:.2f}s "
          f"import={done - planned:.2f}s (re-checks, then writes) "
          f"peak_python_memory={peak / 1e6:.1f}MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
