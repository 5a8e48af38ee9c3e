"""Time the HR reports for a large organisation: exports, dashboard and heat map.

    python benchmarks/hr_export.py [--people 20000] [--requests 200]
    DATABASE_URL=postgresql://… python benchmarks/hr_export.py --people 100000
    python benchmarks/hr_export.py --built --database-url sqlite:////tmp/org.sqlite3

Builds the organisation of benchmarks/hr_org.py (default 20,000 people with full histories)
on a fresh SQLite file, or a throwaway PostgreSQL database when DATABASE_URL names a server;
with --built, measures one `hr_org.build` made earlier at --database-url (at 100,000 people
the build takes a quarter of an hour on a shared machine). Then:

- CSV and XLSX exports of everyone through `flask export-certifications`, each in a fresh
  process, so its peak resident memory (VmHWM) is the export's own, not the build's;
- the HR dashboard (first page, last page, a status filter sorted by expiry), a manager's
  dashboard and the all-teams heat map: p50/p95 over --requests requests each (the heat map
  a quarter of them) after warm-ups, in wall time and in process CPU time (what the request
  costs whatever else the machine runs; on PostgreSQL without the server's share), the SQL
  statements per page, and the p50 of "cold" requests, made with the aggregates the pages
  keep between requests (reports.services.totals) forgotten, as after any change to what
  they count;
- the floor, in the same run: plain SELECTs of the same people, standings and stored levels
  through csv.writer in a fresh process, and the CSV export's ratio to it (the export also
  reads 360 scores, overdue courses, KPIs and training hours, which the floor leaves out);
  for the pages, the cheapest request (GET /healthz);
- check-derived (`lms.cli.derived_differences`: the stored levels, standings, reporting
  line and the heat map's level counters against their sources);
- the load average before and after, since the machine may be shared.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from _harness import (
    PASSWORD,
    bench_app,
    percentiles,
    print_floor,
    request_floor,
    scratch_app,
    seconds,
    signed_in,
    statements,
)


def page_costs(app, client, url: str, requests: int) -> str:
    """p50/p95 of `requests` GETs of `url` after two warm-ups, in wall and in process CPU
    milliseconds (what the request costs whatever else the machine runs; on PostgreSQL
    without the server's share), the SQL statements one sends, and the p50 of 3 "cold"
    requests made with the aggregates the pages keep (reports.services.totals) forgotten,
    as after any change to what they count."""
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    wall, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    cold_wall, cold_cpu = [], []
    for _ in range(3):
        app.extensions.get("reports.kept", {}).clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        cold_wall.append((time.perf_counter() - started) * 1000)
        cold_cpu.append((time.process_time() - started_cpu) * 1000)
    return (f"wall {percentiles(wall)}; CPU {percentiles(cpu)}; "
            f"{statements(app, client, url)} SQL statements; cold (nothing kept): wall "
            f"p50={statistics.median(cold_wall):.0f}ms, CPU p50="
            f"{statistics.median(cold_cpu):.0f}ms")


def _floor_csv(output: str) -> None:
    """The floor: plain SELECTs of the same people, their standing on their tier, their
    stored levels and every path's evaluation (JSON left as text), streamed through
    csv.writer (no filters, no formatting, no per-cell work beyond str())."""
    import csv

    from sqlalchemy import String, cast, select
    from sqlalchemy.orm import aliased

    from certificates.models import CertificationEvaluation, CertificationStanding
    from lms.competencies.models import Competency, CompetencyLevel
    from lms.core.extensions import db
    from lms.people.models import Person, Team

    connection = db.session.connection()
    competencies = list(connection.execute(select(Competency.id).order_by(Competency.id))
                        .scalars())
    manager, standing = aliased(Person), aliased(CertificationStanding)
    people = connection.execute(
        select(Person.id, Person.employee_id, Person.name, Person.email, Team.name,
               manager.name, Person.hire_date, standing.latest_status,
               standing.valid_expires_on, standing.valid_composite)
        .outerjoin(Team, Team.id == Person.team_id)
        .outerjoin(manager, manager.id == Person.manager_id)
        .outerjoin(standing, (standing.person_id == Person.id)
                   & (standing.path_id == Person.tier_id))
        .order_by(Person.id).execution_options(yield_per=5000))
    levels = db.session.get_bind().connect().execute(
        select(CompetencyLevel.person_id, CompetencyLevel.competency_id,
               CompetencyLevel.level).order_by(CompetencyLevel.person_id)
        .execution_options(yield_per=20000))
    E = CertificationEvaluation
    evaluations = db.session.get_bind().connect().execute(
        select(E.person_id, E.path_id, E.percent, cast(E.missing, String), E.composite,
               cast(E.components, String)).order_by(E.person_id, E.path_id)
        .execution_options(yield_per=20000))
    pending = next(levels, None)
    evaluated = next(evaluations, None)
    with open(output, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "employee_id", "name", "email", "team", "manager", "hired",
                         "status", "expires", "composite", *competencies])
        for row in people:
            held = {}
            while pending is not None and pending[0] <= row[0]:
                if pending[0] == row[0]:
                    held[pending[1]] = pending[2]
                pending = next(levels, None)
            paths = []
            while evaluated is not None and evaluated[0] <= row[0]:
                if evaluated[0] == row[0]:
                    paths += evaluated[1:]
                evaluated = next(evaluations, None)
            writer.writerow([*row, *(held.get(c, "") for c in competencies), *paths])


def export_once(url: str, fmt: str, output: str) -> dict:
    """In this (fresh) process: one export of everyone (or the floor); its time, peak
    memory and size."""
    app = bench_app(url)
    # Resident memory before the export: the interpreter, Flask, SQLAlchemy, WeasyPrint…
    baseline = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf(
        "SC_PAGE_SIZE") / 2**20
    cpu = time.process_time()
    with app.app_context():
        if fmt == "floor":
            took, result = seconds(_floor_csv, output)
        else:
            took, result = seconds(app.test_cli_runner().invoke,
                                   args=["export-certifications", "--format", fmt, "-o", output])
    cpu = time.process_time() - cpu
    if result is not None and result.exit_code != 0:
        if result.exc_info is not None:
            raise result.exc_info[1].with_traceback(result.exc_info[2])
        raise SystemExit(f"export failed: {result.output}")
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
    peak = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text()
                .splitlines() if line.startswith("VmHWM:")) / 1024
    return {"seconds": took, "cpu_seconds": cpu, "max_rss_mb": peak, "baseline_mb": baseline,
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


@contextmanager
def organisation(args):
    """(app, backend, build seconds or None, check-derived differences): the organisation
    built on a scratch database, or (--built) the one already at --database-url."""
    from lms.core.extensions import db

    if args.built:
        # check-derived replays every evidence row (minutes at 100,000 people on a shared
        # machine): asked for with --check; hr_org.build ends with check-derived --fix.
        app = bench_app(args.database_url)
        yield app, args.database_url.split(":", 1)[0].split("+", 1)[0], None, \
            _drift(app) if args.check else None, args.database_url
        return
    import hr_org
    from werkzeug.security import generate_password_hash

    with scratch_app() as (app, backend):
        with app.app_context():
            built, _logins = seconds(hr_org.build, db.session, args.people,
                                     generate_password_hash(PASSWORD, method="scrypt"))
            url = db.engine.url.render_as_string(hide_password=False)
            db.session.remove()
        yield app, backend, built, _drift(app), url


def _drift(app) -> int:
    from lms.cli import derived_differences
    from lms.core.extensions import db

    with app.app_context():
        drift = sum(map(len, derived_differences(db.session).values()))
        db.session.remove()
    return drift


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=200,
                        help="requests per page for p50/p95 (the heat map: a quarter)")
    parser.add_argument("--built", action="store_true",
                        help="measure the organisation hr_org.build already made at "
                             "--database-url instead of building one")
    parser.add_argument("--check", action="store_true",
                        help="with --built: run check-derived too")
    parser.add_argument("--export-only", choices=("csv", "xlsx", "floor"))
    parser.add_argument("--database-url")
    parser.add_argument("--output")
    args = parser.parse_args()
    if args.export_only:
        print(json.dumps(export_once(args.database_url, args.export_only, args.output)))
        return 0

    load_before = os.getloadavg()
    with organisation(args) as (app, backend, built, drift, url):
        exports = {}
        for fmt in ("floor", "csv", "xlsx"):
            exports[fmt] = run_export(url, fmt)
            print(f"  (measured: export {fmt} {exports[fmt]})", flush=True)
        hr = signed_in(app, "hr@bench.example")
        manager = signed_in(app, "manager0@bench.example")
        page_floor = request_floor(hr, args.requests)
        with app.app_context():
            from lms.core.extensions import db
            from lms.people.models import Person

            people = db.session.query(Person).count()
            db.session.remove()
        last = (people + 49) // 50
        pages = {
            "HR dashboard, first page": (hr, "/reports/"),
            "HR dashboard, last page": (hr, f"/reports/?page={last}"),
            "HR dashboard, expiring, by expiry": (hr, "/reports/?status=expiring&sort=expires_on"),
            "manager's dashboard (one team)": (manager, "/reports/"),
            "HR heat map, all teams": (hr, "/reports/heatmap"),
        }
        costs = {}
        for label, (client, url_) in pages.items():
            costs[label] = page_costs(app, client, url_, args.requests if "heat" not in label
                                      else max(8, args.requests // 4))
            print(f"  (measured: {label}: {costs[label]})", flush=True)
    load_after = os.getloadavg()
    said = f"built in {built:.1f}s" if built is not None else "built beforehand"
    print(f"backend={backend} people={people} ({said}, stored levels and standings "
          f"included); check-derived: "
          f"{'not run' if drift is None else f'{drift} differences'}")
    print(f"  load average (1, 5, 15 min) before: {', '.join(f'{x:.1f}' for x in load_before)}"
          f"; after: {', '.join(f'{x:.1f}' for x in load_after)} ({os.cpu_count()} CPUs)")
    floor, floor_cpu = exports["floor"]["seconds"], exports["floor"]["cpu_seconds"]
    print(f"  floor (plain SELECTs + csv.writer, fresh process): {floor:.2f}s ({floor_cpu:.2f}s "
          f"CPU); the CSV export is {exports['csv']['seconds'] / floor:.1f}x the floor "
          f"({exports['csv']['cpu_seconds'] / floor_cpu:.1f}x in CPU time)")
    for fmt, figures in exports.items():
        print(f"  export {fmt}: {figures['seconds']:.1f}s ({figures['cpu_seconds']:.1f}s CPU), "
              f"peak RSS "
              f"{figures['max_rss_mb']:.0f} MB (the process held {figures['baseline_mb']:.0f} "
              f"MB before it), {figures['bytes'] / 1e6:.1f} MB written")
    for label, figures in costs.items():
        print(f"  {label}: {figures}")
    print_floor(page_floor)
    return 0


if __name__ == "__main__":
    sys.exit(main())
