"""Batches: HR evaluates-and-issues or re-renders the certificates of a team or a tier and
downloads them as one zip (the PDFs plus a manifest.csv).

A batch runs as a background job: on RQ (queue "certificates") when REDIS_URL is set — run
`flask --app lms certificates-worker` beside the web workers — otherwise in a thread of the
web process. The job records its progress on the batch row, committed every few
certificates, so any worker can report it. Certificates render through the design's
stencil (`certificates.services.stencils`: laid out once per process, then only each certificate's
values), in chunks of CHUNK in a pool of processes (CERTIFICATE_RENDER_PROCESSES, default:
the machine's cores) once a batch is large enough to pay for starting them; the zip is
written in the storage directory.
"""

import csv
import io
import os
import zipfile
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from multiprocessing import get_context
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from certificates.models import Certificate, CertificateBatch
from certificates.services import documents, evaluation, stencils
from lms.core import audit, clock
from lms.core.background import start_job
from lms.core.database import writing
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.pdf import MissingGlyphs, check_drawable, missing_glyphs
from lms.core.spreadsheet import safe_row
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from lms.system.services.alerts import report_missing_font
from lms.system.services.checks import CheckResult, deployment_check

QUEUE = "certificates"
PROGRESS_EVERY = 10
# People evaluated (by the set-based engine) between two progress commits of an "issue" batch.
EVALUATE_SLICE = 500
POOL_FROM = 40  # below this many certificates, starting processes costs more than it saves


def create_batch(session, actor, action: str, team_id: int | None,
                 path_id: int | None) -> CertificateBatch:
    """A queued batch for a team and/or a tier; refuses an unknown action, team or tier and
    a batch with neither (that would be everybody: pick a team or a tier)."""
    if action not in ("issue", "render"):
        raise DomainError(_("Choose what the batch should do."), "action")
    if team_id is None and path_id is None:
        raise DomainError(_("Choose a team or a tier."), "team_id")
    if team_id is not None and session.get(Team, team_id) is None:
        raise DomainError(_("Unknown team."), "team_id")
    if path_id is not None and session.get(CertificationPath, path_id) is None:
        raise DomainError(_("Unknown path."), "path_id")
    batch = CertificateBatch(created_by_id=actor.id if actor else None, action=action,
                             team_id=team_id, path_id=path_id, status="queued",
                             created_at=clock.now())
    session.add(batch)
    session.flush()
    audit.record(actor, "certificate.batch", batch, batch_action=action, team_id=team_id,
                 path_id=path_id)
    return batch


def _team_ids(session, team_id: int) -> set[int]:
    """The team and every team below it."""
    found, frontier = {team_id}, {team_id}
    while frontier:
        frontier = set(session.scalars(select(Team.id).where(Team.parent_id.in_(frontier)))) \
            - found
        found |= frontier
    return found


def people_in(session, batch: CertificateBatch) -> list[Person]:
    stmt = select(Person).where(Person.active.is_(True)).order_by(Person.name, Person.id)
    if batch.team_id is not None:
        stmt = stmt.where(Person.team_id.in_(_team_ids(session, batch.team_id)))
    if batch.path_id is not None:
        stmt = stmt.where(Person.tier_id == batch.path_id)
    return list(session.scalars(stmt))


def certificates_for(session, batch: CertificateBatch, person_ids: list[int]) -> list[Certificate]:
    """The valid certificates of these people (of the batch's tier when it names one)."""
    stmt = select(Certificate).where(Certificate.person_id.in_(person_ids),
                                     Certificate.status == "valid",
                                     Certificate.expires_on >= clock.today()) \
        .options(selectinload(Certificate.path), selectinload(Certificate.rules_version)) \
        .order_by(Certificate.serial)
    if batch.path_id is not None:
        stmt = stmt.where(Certificate.path_id == batch.path_id)
    return list(session.scalars(stmt)) if person_ids else []


def zip_path(batch: CertificateBatch) -> Path:
    return Path(current_app.config["STORAGE_DIR"]) / "certificate-batches" / f"{batch.id}.zip"


def _processes() -> int:
    configured = current_app.config.get("CERTIFICATE_RENDER_PROCESSES")
    return int(configured) if configured else (os.cpu_count() or 1)


CHUNK = 20  # certificates a pool process makes per task


def render_contexts(template: str, contexts: list[dict], info: dict[str, str]) -> list[bytes]:
    """PDFs of certificates of one design from their contexts, each through the design's
    stencil (made once per process), or whole by WeasyPrint where it has none."""
    return [documents.context_pdf(template, context, info) for context in contexts]


def warm_up() -> None:
    """A pool process's first task: load the fonts while the batch's contexts are built."""
    from lms.core.subsets import font_config  # WeasyPrint loads where PDFs are made

    font_config()


def render_zip(session, batch: CertificateBatch, certificates: list[Certificate],
               progress=None) -> Path:
    """Render every certificate into the batch's zip; `progress(n)` after each chunk."""
    processes = min(_processes(), -(-len(certificates) // CHUNK))
    if processes < 2 or len(certificates) < POOL_FROM:
        return _write_zip(session, batch, certificates, map, progress)
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        # Started first: the processes import the app and read the fonts meanwhile.
        for _ in range(processes):
            pool.submit(warm_up)
        return _write_zip(session, batch, certificates, pool.map, progress)


def _write_zip(session, batch: CertificateBatch, certificates: list[Certificate], mapper,
               progress) -> Path:
    target = zip_path(batch)
    target.parent.mkdir(parents=True, exist_ok=True)
    look = documents.design(session)
    template = look.template or documents.DEFAULT_TEMPLATE
    info = documents.metadata(look)
    pages = [(c.serial, documents.certificate_context(c, look, qr=False))
             for c in certificates]
    for _serial, context in pages:  # refuse the batch before the first page, not halfway
        missing = missing_glyphs(" ".join(stencils.own_values(context).values()))
        if missing is not None:
            raise missing
    if pages:
        check_drawable(documents.certificate_html(certificates[0], look))
    chunks = [pages[i:i + CHUNK] for i in range(0, len(pages), CHUNK)]
    rendered = mapper(render_contexts, repeat(template),
                      [[context for _serial, context in chunk] for chunk in chunks],
                      repeat(info))
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.csv", _manifest(certificates))
        done = 0
        for chunk, pdfs in zip(chunks, rendered, strict=True):
            for (serial, _context), pdf in zip(chunk, pdfs, strict=True):
                archive.writestr(f"{serial}.pdf", pdf)
            done += len(chunk)
            if progress:
                progress(done)
    partial.replace(target)
    return target


def _manifest(certificates: list[Certificate]) -> str:
    manifest = io.StringIO()
    writer = csv.writer(manifest, lineterminator="\r\n")
    writer.writerow(["serial", "employee_id", "name", "path", "issued_on", "expires_on",
                     "verify_url"])
    for c in certificates:
        writer.writerow(safe_row([c.serial, c.person.employee_id, c.holder_name, c.path_name,
                                  c.issued_on.isoformat(), c.expires_on.isoformat(),
                                  documents.verify_url(c)]))
    return manifest.getvalue()


def _latest_certificates(session, person_ids: list[int]) -> dict[int, int]:
    """{person_id: their latest certificate's id} (a change is a certificate issued)."""
    return dict(session.execute(
        select(Certificate.person_id, func.max(Certificate.id))
        .where(Certificate.person_id.in_(person_ids)).group_by(Certificate.person_id)).all())


def run_batch(batch_id: int) -> None:
    """The job: evaluate (for "issue"), then render the zip, recording progress. Needs an
    app context; commits as it goes; a failure is written on the batch."""
    session = db.session
    with writing():
        batch = session.get(CertificateBatch, batch_id)
        if batch is None or batch.status not in ("queued",):
            return
        batch.status = "running"
        session.commit()
        try:
            people = people_in(session, batch)
            actor = batch.created_by
            if batch.action == "issue":
                batch.total = len(people) * 2
                ids = [person.id for person in people]
                for start in range(0, len(ids), EVALUATE_SLICE):
                    part = ids[start:start + EVALUATE_SLICE]
                    before = _latest_certificates(session, part)
                    evaluation.evaluate_people(session, part, actor)
                    after = _latest_certificates(session, part)
                    batch.issued += sum(1 for pid, cid in after.items()
                                        if before.get(pid) != cid)
                    batch.done = start + len(part)
                    session.commit()
            certificates = certificates_for(session, batch, [p.id for p in people])
            offset = batch.done
            batch.total = offset + len(certificates)
            session.commit()

            def progress(n: int) -> None:
                batch.done = offset + n
                session.commit()

            render_zip(session, batch, certificates, progress)
            batch.done = batch.total
            batch.status = "done"
            batch.file_name = f"certificates-{batch.id}.zip"
            batch.finished_at = clock.now()
            session.commit()
        except Exception as error:  # recorded for HR to see; the job itself ends cleanly
            session.rollback()
            batch = session.get(CertificateBatch, batch_id)
            batch.status = "failed"
            batch.error = str(error)[:2000]
            batch.finished_at = clock.now()
            if isinstance(error, MissingGlyphs):
                report_missing_font(session, error)
            session.commit()
            current_app.logger.exception("certificate batch %s failed", batch_id)


def start(batch_id: int) -> str:
    """Queue the batch after the caller committed it (lms.core.background): on RQ when
    REDIS_URL is set, else in a thread. Returns "rq" or "thread"."""
    return start_job(f"{__name__}:run_batch", batch_id, queue=queue_name(),
                     timeout_seconds=3 * 3600)


def queue_name() -> str:
    """The RQ queue (CERTIFICATE_QUEUE, default "certificates")."""
    return current_app.config.get("CERTIFICATE_QUEUE") or QUEUE


@deployment_check
def worker_check(app) -> list[CheckResult]:
    """With REDIS_URL, batches wait in an RQ queue: when any is queued (a job in the queue,
    or a batch row still "queued"), some worker must be listening to it."""
    area, name = _("Background jobs"), _("Certificate batch worker")
    url = app.config.get("REDIS_URL")
    if not url:
        return [CheckResult(area, name, "skipped", _(
            "REDIS_URL is empty: batches run in a thread of the web process."))]
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue, Worker

    try:
        connection = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        queue = Queue(queue_name(), connection=connection)
        waiting = max(queue.count, db.session.scalar(
            select(func.count()).select_from(CertificateBatch)
            .where(CertificateBatch.status == "queued")) or 0)
        workers = len(Worker.all(queue=queue))
    except (RedisError, OSError) as error:
        return [CheckResult(area, name, "failed", _("Redis does not answer: %(error)s",
                                                    error=str(error).strip()[:300]))]
    if waiting and not workers:
        return [CheckResult(area, name, "failed", ngettext(
            "%(num)d batch waits in the queue %(queue)s and no worker listens: run "
            "flask --app lms certificates-worker.",
            "%(num)d batches wait in the queue %(queue)s and no worker listens: run "
            "flask --app lms certificates-worker.", waiting, queue=queue.name))]
    return [CheckResult(area, name, "ok", ngettext(
        "%(num)d worker listens to the queue %(queue)s.",
        "%(num)d workers listen to the queue %(queue)s.", workers, queue=queue.name))]


def progress_json(batch: CertificateBatch) -> dict:
    percent = 100 if batch.status == "done" else (
        batch.done * 100 // batch.total if batch.total else 0)
    return {"id": batch.id, "status": batch.status, "done": batch.done, "total": batch.total,
            "issued": batch.issued, "percent": percent, "error": batch.error,
            "finished": batch.status in ("done", "failed")}
