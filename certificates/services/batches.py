"""Batches: HR evaluates-and-issues or re-renders the certificates of a team or a tier and
downloads them as one zip (the PDFs plus a manifest.csv).

A batch runs as a background job: on RQ (queue "certificates") when REDIS_URL is set — run
`flask --app lms certificates-worker` beside the web workers — otherwise in a thread of the
web process. The job records its progress on the batch row, committed every few
certificates, so any worker can report it. Certificates render in chunks of CHUNK pages as
one WeasyPrint document each, split into one PDF per certificate (see render_chunk), in a
pool of processes (CERTIFICATE_RENDER_PROCESSES, default: the machine's cores) once a batch
is large enough to pay for starting them; the zip is written in the storage directory.
"""

import csv
import io
import os
import re
import threading
import zipfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from certificates.models import Certificate, CertificateBatch
from certificates.services import awards, documents
from lms.core import audit, clock
from lms.core.database import writing
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.pdf import MissingGlyphs, check_drawable, html_to_pdf
from lms.core.spreadsheet import safe_row
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from lms.system.services.alerts import report_missing_font
from lms.system.services.checks import CheckResult, deployment_check

QUEUE = "certificates"
PROGRESS_EVERY = 10
POOL_FROM = 40  # below this many certificates, starting processes costs more than it saves
_BODY = re.compile(r"(<body[^>]*>)(.*)</body>", re.S | re.I)


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


CHUNK = 20  # certificates laid out as one WeasyPrint document, then split into files


def _single_pages(pages: list[str]) -> list[bytes]:
    return [html_to_pdf(html) for html in pages]


def render_chunk(pages: list[str]) -> list[bytes]:
    """PDFs of certificate documents that share one design, rendered as ONE WeasyPrint
    document (the stylesheet parsed and the fonts subset once: about three times faster
    than one document each) and split into a PDF per certificate. Falls back to one
    document each when the template has no <body> or a certificate does not take exactly
    one page."""
    if len(pages) < 2:
        return _single_pages(pages)
    bodies = []
    for html in pages:
        match = _BODY.search(html)
        if match is None:
            return _single_pages(pages)
        bodies.append(match.group(2))
    first = _BODY.search(pages[0])
    combined = (pages[0][:first.start()] + first.group(1)
                + "".join(f'<div style="break-after: page">{body}</div>' for body in bodies)
                + "</body></html>")
    reader = PdfReader(io.BytesIO(html_to_pdf(combined)))
    if len(reader.pages) != len(pages):
        return _single_pages(pages)
    files = []
    for page in reader.pages:
        writer = PdfWriter()
        writer.add_page(page)
        buffer = io.BytesIO()
        writer.write(buffer)
        files.append(buffer.getvalue())
    return files


def render_zip(session, batch: CertificateBatch, certificates: list[Certificate],
               progress=None) -> Path:
    """Render every certificate into the batch's zip; `progress(n)` after each chunk."""
    target = zip_path(batch)
    target.parent.mkdir(parents=True, exist_ok=True)
    look = documents.design(session)
    pages = [(c.serial, documents.certificate_html(c, look)) for c in certificates]
    for _serial, html in pages:  # refuse the batch before the first page, not halfway
        check_drawable(html)
    manifest = io.StringIO()
    writer = csv.writer(manifest, lineterminator="\r\n")
    writer.writerow(["serial", "employee_id", "name", "path", "issued_on", "expires_on",
                     "verify_url"])
    for c in certificates:
        writer.writerow(safe_row([c.serial, c.person.employee_id, c.holder_name, c.path_name,
                                  c.issued_on.isoformat(), c.expires_on.isoformat(),
                                  documents.verify_url(c)]))
    chunks = [pages[i:i + CHUNK] for i in range(0, len(pages), CHUNK)]
    htmls = [[html for _serial, html in chunk] for chunk in chunks]
    partial = target.with_suffix(".part")
    processes = min(_processes(), len(chunks))
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.csv", manifest.getvalue())

        def store(rendered) -> None:
            done = 0
            for chunk, pdfs in zip(chunks, rendered, strict=True):
                for (serial, _html), pdf in zip(chunk, pdfs, strict=True):
                    archive.writestr(f"{serial}.pdf", pdf)
                done += len(chunk)
                if progress:
                    progress(done)

        if processes > 1 and len(pages) >= POOL_FROM:
            with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
                store(pool.map(render_chunk, htmls))
        else:
            store(map(render_chunk, htmls))
    partial.replace(target)
    return target


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
                for n, person in enumerate(people, start=1):
                    before = session.scalar(select(Certificate.id).where(
                        Certificate.person_id == person.id).order_by(
                        Certificate.id.desc()).limit(1))
                    awards.evaluate_person(session, person, actor)
                    after = session.scalar(select(Certificate.id).where(
                        Certificate.person_id == person.id).order_by(
                        Certificate.id.desc()).limit(1))
                    batch.issued += int(after is not None and after != before)
                    batch.done = n
                    if n % PROGRESS_EVERY == 0:
                        session.commit()
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


def _in_thread(app, batch_id: int) -> None:
    with app.app_context():
        run_batch(batch_id)
        db.session.remove()


def start(batch_id: int) -> str:
    """Queue the batch (after the caller committed it, and without touching the session
    again: on SQLite a POST's next transaction would hold the write lock the job needs): on
    RQ when REDIS_URL is set, else in a thread. Returns "rq" or "thread"."""
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from rq import Queue

        # Enqueued by name through the shell's job entry point (lms.jobs), which builds the
        # app when a plain `rq worker` runs it: this layer may not import the app factory.
        Queue(queue_name(), connection=Redis.from_url(url)).enqueue(
            "lms.jobs.run_in_app", f"{__name__}:run_batch", batch_id, job_timeout=3 * 3600)
        return "rq"
    app = current_app._get_current_object()
    thread = threading.Thread(target=_in_thread, args=(app, batch_id), daemon=True,
                              name=f"certificate-batch-{batch_id}")
    thread.start()
    if app.config.get("TESTING"):
        thread.join()  # tests read the finished batch
    return "thread"


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
