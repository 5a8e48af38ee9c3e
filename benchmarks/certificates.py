"""Certificate throughput: one PDF, and a batch of N (default 1,000) against the rendering floor.

Builds a scratch SQLite database (or a scratch PostgreSQL database on the server DATABASE_URL
names) with the default framework, N agents on a benchmark path whose assessment is a
benchmark-only kind (everyone scores 90) and the new-hire matrix levels evidenced, then:

1. evaluates all N people through the engine (which issues N certificates): people per second;
2. renders one certificate PDF many times through `documents.certificate_pdf` (database
   reads, QR code, sandboxed template, WeasyPrint): time per certificate;
3. runs a "render" batch of the N certificates exactly as HR's batch job does (zip, manifest,
   progress commits, a pool of CERTIFICATE_RENDER_PROCESSES processes, default the cores);
4. measures the floor in the same run: WeasyPrint rendering the same HTML documents with
   nothing else around them, one document per certificate, in a pool of the same size (a
   rate, on --floor-sample of them), and the same documents rendered as the batch renders
   them (CHUNK to a document, then split) without the database and the zip.

Reports the batch's certificates per second and how it compares with the floors (target:
within 1.5× the floor and at least 20 certificates per second).

    python benchmarks/certificates.py [--count 1000] [--samples 30] [--processes N]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lms.core.kinds import AssessmentKind, AssessmentResult, register_kind  # noqa: E402


@register_kind
class BenchmarkKind(AssessmentKind):
    """Everyone scores 90 (the benchmark measures certificates, not assessments)."""

    key = "benchmark"
    label = "Benchmark"

    def result(self, session, source_id):
        return None

    def person_result(self, session, reference, person_id):
        return AssessmentResult(score=Decimal("90"), passed=True)


def build(session, count: int):
    from lms.competencies.models import Evidence, MatrixRequirement
    from lms.core import clock
    from lms.defaults import install_defaults
    from lms.paths.models import AssessmentSlot, CertificationPath
    from lms.people.models import Person, PersonRole, Team

    paths = install_defaults(session)
    path = CertificationPath(code="BENCH", name="Benchmark certification", position=99,
                             validity_months=12, translations={
                                 "zh_Hans_CN": {"name": "基准认证"}})
    path.slots.append(AssessmentSlot(code="EXAM", label="Benchmark exam", kind="benchmark",
                                     pass_mark=Decimal("80")))
    session.add(path)
    session.flush()
    newhire = session.query(MatrixRequirement).filter_by(path_id=paths["NEWHIRE"].id).all()
    for requirement in newhire:
        session.add(MatrixRequirement(path_id=path.id, competency_id=requirement.competency_id,
                                      required_level=requirement.required_level))
    team = Team(name="Benchmark team")
    session.add(team)
    session.flush()
    names = ["王芳", "Zoë Müller", "김민준", "Nguyễn Thị Lan", "Анна Смирнова", "李娜"]
    now = clock.now()
    people = []
    for n in range(count):
        person = Person(employee_id=f"B{n:06d}", name=f"{names[n % len(names)]} {n}",
                        email=f"bench{n}@example.com", team_id=team.id, tier_id=path.id)
        person.role_rows = [PersonRole(role="agent")]
        people.append(person)
    session.add_all(people)
    session.flush()
    session.bulk_save_objects([
        Evidence(person_id=p.id, competency_id=r.competency_id, level=Decimal("4"),
                 score=Decimal("80"), source_kind="benchmark", source_id=str(p.id),
                 weight=Decimal("1"), observed_at=now)
        for p in people for r in newhire])
    session.commit()
    return path, people


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--floor-sample", type=int, default=200,
                        help="documents the floor is measured on (a rate; default 200)")
    args = parser.parse_args()

    from lms import create_app
    from lms.core.extensions import db
    from lms.core.pdf import html_to_pdf

    scratch = tempfile.TemporaryDirectory(prefix="cert-bench-")
    postgres = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        from benchmarks.concurrent_writes import ScratchPostgres

        postgres = ScratchPostgres(os.environ["DATABASE_URL"])
        url = postgres.url
    else:
        url = f"sqlite:///{scratch.name}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark",
                      "CHECK_SCHEMA": False, "STORAGE_DIR": f"{scratch.name}/storage",
                      "PUBLIC_URL": "https://academy.example",
                      "CERTIFICATE_RENDER_PROCESSES": args.processes})
    try:
        with app.app_context():
            db.create_all()
            from certificates.models import Certificate, CertificateBatch
            from certificates.services import awards, batches, documents
            from lms.core.database import writing

            path, people = build(db.session, args.count)
            with writing():
                def evaluate_all():
                    for n, person in enumerate(people, start=1):
                        awards.evaluate_person(db.session, person)
                        if n % 100 == 0:
                            db.session.commit()
                    db.session.commit()

                evaluation_seconds, _ = timed(evaluate_all)
            issued = db.session.query(Certificate).count()
            assert issued == args.count, f"{issued} certificates for {args.count} people"
            print(f"database: {db.engine.dialect.name}; processes: {args.processes}; "
                  f"certificates: {issued}")
            print(f"engine: {args.count} people evaluated and certified in "
                  f"{evaluation_seconds:.1f} s ({args.count / evaluation_seconds:.0f}/s)")

            one = db.session.query(Certificate).first()
            documents.certificate_pdf(db.session, one)  # warm fonts and caches
            singles = []
            for _ in range(args.samples):
                db.session.expire_all()
                seconds, pdf = timed(documents.certificate_pdf, db.session,
                                     db.session.get(Certificate, one.id))
                singles.append(seconds)
            print(f"one certificate PDF ({len(pdf) // 1024} KiB): p50 "
                  f"{statistics.median(singles) * 1000:.0f} ms, mean "
                  f"{statistics.mean(singles) * 1000:.0f} ms over {args.samples}")

            with writing():
                batch = batches.create_batch(db.session, None, "render", None, path.id)
                batch_id = batch.id
                db.session.commit()
                batch_seconds, _ = timed(batches.run_batch, batch_id)
            batch = db.session.get(CertificateBatch, batch_id)
            assert batch.status == "done", batch.error
            size = batches.zip_path(batch).stat().st_size
            rate = args.count / batch_seconds
            print(f"batch of {args.count} (zip {size // (1024 * 1024)} MiB): "
                  f"{batch_seconds:.1f} s, {rate:.1f} certificates/s")

            look = documents.design(db.session)
            certificates = batches.certificates_for(db.session, batch, [p.id for p in people])
            pages = [documents.certificate_html(c, look) for c in certificates]
        sample = pages[: min(len(pages), args.floor_sample)]
        with ProcessPoolExecutor(args.processes, mp_context=get_context("spawn")) as pool:
            list(pool.map(html_to_pdf, sample[: args.processes]))  # start the workers
            pool_seconds, _ = timed(lambda: list(pool.map(html_to_pdf, sample, chunksize=4)))
            chunks = [sample[i:i + batches.CHUNK] for i in range(0, len(sample),
                                                                 batches.CHUNK)]
            chunk_seconds, _ = timed(lambda: list(pool.map(batches.render_chunk, chunks)))
        floor_rate = len(sample) / pool_seconds
        chunk_rate = len(sample) / chunk_seconds
        print(f"floor, WeasyPrint alone, one document per certificate, {args.processes} "
              f"processes, {len(sample)} of the same documents: {floor_rate:.1f}/s "
              f"({pool_seconds / len(sample) * args.processes * 1000:.0f} ms per page "
              f"per process)")
        print(f"the same documents laid out {batches.CHUNK} to a WeasyPrint document and "
              f"split (what the batch does, without database or zip): {chunk_rate:.1f}/s")
        ratio = (args.count / floor_rate) / batch_seconds
        print(f"batch throughput / one-document-each floor: {ratio:.2f}x (target: batch "
              f"time within 1.5x the floor); batch / chunked floor: "
              f"{(args.count / chunk_rate) / batch_seconds:.2f}x; "
              f"{'meets' if rate >= 20 else 'misses'} 20 certificates/s")
    finally:
        with app.app_context():
            db.engine.dispose()
        if postgres is not None:
            postgres.drop()
        scratch.cleanup()


if __name__ == "__main__":
    main()
