"""Time the HR reports for a large organisation: exports, dashboard and heat map.

    python benchmarks/hr_export.py [--people 20000] [--runs 10]

Builds the organisation of benchmarks/hr_org.py (default 20,000 people with full histories)
on a fresh SQLite file, or a throwaway PostgreSQL database when DATABASE_URL names a server.
Then:

- CSV and XLSX exports of everyone through `flask export-certifications`, each in a fresh
  process, so its peak resident memory (VmHWM) is the export's own, not the build's;
- the HR dashboard (first page, last page, a status filter sorted by expiry) and a
  manager's dashboard: p50/p95 over --runs requests after warm-ups, and the SQL statements
  per page;
- the heat map of all teams;
- the floor (GET /healthz) measured in the same run.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _harness import (
    PASSWORD,
    bench_app,
    measure_page,
    print_floor,
    request_floor,
    scratch_app,
    seconds,
    signed_in,
)


def export_once(url: str, fmt: str, output: str) -> dict:
    """In this (fresh) process: one export of everyone; its time, peak memory and size."""
    app = bench_app(url)
    # Resident memory before the export: the interpreter, Flask, SQLAlchemy, WeasyPrint…
    baseline = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf(
        "SC_PAGE_SIZE") / 2**20
    with app.app_context():
        took, result = seconds(app.test_cli_runner().invoke,
                               args=["export-certifications", "--format", fmt, "-o", output])
    if result.exit_code != 0:
        if result.exc_info is not None:
            raise result.exc_info[1].with_traceback(result.exc_info[2])
        raise SystemExit(f"export failed: {result.output}")
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
    peak = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text()
                .splitlines() if line.startswith("VmHWM:")) / 1024
    return {"seconds": took, "max_rss_mb": peak, "baseline_mb": baseline,
            "bytes": os.path.getsize(output)}


def run_export(url: str, fmt: str) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        output = os.path.join(scratch, f"export.{fmt}")
        done = subprocess.run(
            [sys.executable, __file__, "--export-only", fmt, "--database-url", url,
             "--output", output], capture_output=True, text=True,
            env={**os.environ, "DATABASE_URL": url})
        if done.returncode != 0:
            raise SystemExit(f"the {fmt} export failed:\n{done.stderr}{done.stdout}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--export-only", choices=("csv", "xlsx"))
    parser.add_argument("--database-url")
    parser.add_argument("--output")
    args = parser.parse_args()
    if args.export_only:
        print(json.dumps(export_once(args.database_url, args.export_only, args.output)))
        return 0

    import hr_org
    from werkzeug.security import generate_password_hash

    from lms.core.extensions import db

    with scratch_app() as (app, backend):
        with app.app_context():
            built, logins = seconds(hr_org.build, db.session, args.people,
                                    generate_password_hash(PASSWORD, method="scrypt"))
            url = db.engine.url.render_as_string(hide_password=False)
            db.session.remove()
        exports = {fmt: run_export(url, fmt) for fmt in ("csv", "xlsx")}
        hr = signed_in(app, logins["hr"])
        manager = signed_in(app, logins["manager"])
        floor = request_floor(hr, args.runs)
        last = (args.people + 49) // 50
        pages = {
            "HR dashboard, first page": (hr, "/reports/"),
            "HR dashboard, last page": (hr, f"/reports/?page={last}"),
            "HR dashboard, expiring, by expiry": (hr, "/reports/?status=expiring&sort=expires_on"),
            "manager's dashboard (one team)": (manager, "/reports/"),
            "HR heat map, all teams": (hr, "/reports/heatmap"),
        }
        # The all-teams heat map walks everyone: fewer runs.
        results = {label: measure_page(app, client, url_, args.runs if "heat" not in label
                                       else max(2, args.runs // 4))
                   for label, (client, url_) in pages.items()}
    print(f"backend={backend} people={args.people} (built in {built:.1f}s)")
    for fmt, figures in exports.items():
        print(f"  export {fmt}: {figures['seconds']:.1f}s, peak RSS "
              f"{figures['max_rss_mb']:.0f} MB (the process held {figures['baseline_mb']:.0f} "
              f"MB before it), {figures['bytes'] / 1e6:.1f} MB written")
    for label, figures in results.items():
        print(f"  {label}: {figures}")
    print_floor(floor)
    return 0


if __name__ == "__main__":
    sys.exit(main())
