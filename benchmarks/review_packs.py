"""A team's review packs as the background job renders them, against one pack rendered alone.

Builds `hr_org.build` with one full team (default 500 people: the team's manager and 499
agents with their histories), on a scratch SQLite database or a scratch PostgreSQL database on
the server DATABASE_URL names, then, in the same run:

1. the floor: one person's pack rendered alone (`review_pack.pack_pdf`: the database reads,
   the chart, the template and WeasyPrint), for --samples people spread over the team (its
   tiers mixed as in the job, since a manager's pack is longer than a new hire's) after a
   warm-up, and the same packs split into their HTML stage and their PDF stage;
2. the job: HR asks for the team's packs (`pack_jobs.request_packs`) and the job runs as the
   worker runs it (`pack_jobs.run_job`, which `lms.jobs.run_in_app` calls on RQ), writing the
   zip and committing its progress after every pack.

Prints the job's time per person and its ratio to the floor (the job adds the zip, the
progress commits and the per-person reads; everything else is the pack itself), in wall time
and in CPU time (the process and its render pool), which a busy shared machine disturbs less.

    python benchmarks/review_packs.py [--team 500] [--samples 5] [--processes N]
"""

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Appended, not prepended: benchmarks/certificates.py must not shadow the certificates package.
sys.path.append(str(ROOT / "benchmarks"))

import hr_org  # noqa: E402
from _harness import PASSWORD, scratch_app  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from lms.core.extensions import db  # noqa: E402
from lms.core.pdf import html_to_pdf  # noqa: E402
from lms.people.models import Person, Team  # noqa: E402
from reports.models import ReviewPackJob  # noqa: E402
from reports.services import pack_jobs, review_pack  # noqa: E402


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the render pool)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--team", type=int, default=500, help="people in the team")
    parser.add_argument("--samples", type=int, default=5, help="packs rendered alone")
    parser.add_argument("--processes", type=int,
                        help="CERTIFICATE_RENDER_PROCESSES for the job (default: the cores)")
    args = parser.parse_args()

    with scratch_app(CERTIFICATE_RENDER_PROCESSES=args.processes) as (app, backend):
        with app.app_context():
            started = time.perf_counter()
            # One more than the team: hr_org's first person is HR, outside the teams.
            hr_org.build(db.session, args.team + 1,
                         generate_password_hash(PASSWORD, method="scrypt"))
            db.session.commit()
            built = time.perf_counter() - started
            team_id, size = db.session.execute(
                select(Person.team_id, func.count()).where(Person.team_id.is_not(None))
                .group_by(Person.team_id).order_by(func.count().desc())).first()
            team = db.session.get(Team, team_id)
            hr = db.session.scalar(select(Person).where(Person.employee_id == "HR0001"))
            members = db.session.scalars(select(Person.id).where(Person.team_id == team_id)
                                         .order_by(Person.employee_id)).all()
            # Spread over the team, so the tiers (and so the packs' lengths) mix as in the job.
            step = max(len(members) // (args.samples + 1), 1)
            sample = members[::step][:args.samples + 1]

            review_pack.pack_pdf(db.session, db.session.get(Person, sample[0]))  # warm-up
            alone, alone_cpu, html_stage, pdf_stage = [], [], [], []
            for person_id in sample[1:]:
                db.session.expire_all()
                person = db.session.get(Person, person_id)
                started, cpu = time.perf_counter(), _cpu()
                review_pack.pack_pdf(db.session, person)
                alone.append(time.perf_counter() - started)
                alone_cpu.append(_cpu() - cpu)
                db.session.expire_all()
                person = db.session.get(Person, person_id)
                started = time.perf_counter()
                html = review_pack.pack_html(db.session, person)
                html_stage.append(time.perf_counter() - started)
                started = time.perf_counter()
                html_to_pdf(html)
                pdf_stage.append(time.perf_counter() - started)

            job_id, _new = pack_jobs.request_packs(db.session, hr, team, "en")
            db.session.commit()
            started, cpu = time.perf_counter(), _cpu()
            pack_jobs.run_job(job_id)
            elapsed, job_cpu = time.perf_counter() - started, _cpu() - cpu
            db.session.expire_all()
            job = db.session.get(ReviewPackJob, job_id)
            assert job.status == "done", job.error
            zip_mb = pack_jobs.zip_path(job).stat().st_size / 1e6
            db.session.remove()

    floor = statistics.mean(alone)  # a mean, as the job's time per person is
    per_person = elapsed / job.total
    processes = 1 if job.total < pack_jobs.POOL_FROM else (args.processes or os.cpu_count())
    print(f"backend={backend} team={size} people (built in {built:.1f}s), "
          f"the job's PDFs in {processes} process(es)")
    print(f"  floor, one pack alone: mean {floor:.3f}s over {len(alone)} people "
          f"(HTML stage {statistics.mean(html_stage):.3f}s, "
          f"PDF stage {statistics.mean(pdf_stage):.3f}s)")
    print(f"  team job: {job.total} packs in {elapsed:.1f}s = {per_person:.3f}s per person, "
          f"{per_person / floor:.2f}x the floor; zip {zip_mb:.1f} MB")
    floor_cpu, job_cpu_each = statistics.mean(alone_cpu), job_cpu / job.total
    print(f"  CPU time (this process and its render processes; steadier than wall time on a "
          f"shared machine): one pack alone {floor_cpu:.3f}s, the job {job_cpu_each:.3f}s per "
          f"person, {job_cpu_each / floor_cpu:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
