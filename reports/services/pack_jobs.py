"""A team's review packs as a background job: asked for on the team's heat-map page, followed
on a status page with a progress bar, downloaded as one zip by whoever asked.

The job runs where certificate batches run: on RQ (the batches' queue, so the one worker
`flask --app lms certificates-worker` serves both) when REDIS_URL is set, otherwise in a
thread of the web process. It renders the packs (`review_pack.pack_html`, then WeasyPrint in
a pool of processes for a large team, as batches do) in the language the person asked in, for
the active people of the team within their `report_scope` when it runs, records its progress
on the job row (committed after every pack, so any web worker can report it), and writes the
zip in the storage directory under a temporary name that is renamed when complete. A newer
finished pack of the same team for the same person removes the older file: the storage keeps
one zip per person and team, not a history of personal data.
"""

import os
import zipfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from multiprocessing import get_context
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from certificates.services.batches import queue_name
from lms.core import audit, clock, policy
from lms.core.background import start_job
from lms.core.database import writing
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.pdf import MissingGlyphs, html_to_pdf
from lms.people.models import Person, Team
from lms.people.policy import report_scope
from lms.system.services.alerts import report_missing_font
from reports.models import ReviewPackJob
from reports.services import review_pack

JOB_TIMEOUT = timedelta(hours=3)  # an unfinished job older than this is not waited for
POOL_FROM = 40  # below this many packs, starting processes costs more than it saves


class NoOneToPack(LookupError):
    """The team has nobody the reader may see: to them it is no team at all (the view answers
    404, as for an unknown id)."""


def team_members(team_id: int, scope) -> Select:
    """The ids of the team's active people that `scope` (a SQL condition on Person) selects,
    in employee-id order."""
    return select(Person.id).where(Person.team_id == team_id, Person.active.is_(True),
                                   scope).order_by(Person.employee_id)


def request_packs(session, actor, team: Team, locale: str) -> tuple[int, bool]:
    """The id of the actor's pack job for `team`: one they asked for that is still queued or
    running (False: nothing new to start), else of a new queued job (True). The id, not the
    row: the caller commits, then starts the job without touching the session again (on
    SQLite, a request's next transaction would hold the write lock the job needs). Refuses a
    team with nobody in the actor's report scope (NoOneToPack)."""
    count = session.scalar(select(func.count()).select_from(
        team_members(team.id, report_scope(actor)).order_by(None).subquery()))
    if not count:
        raise NoOneToPack(team.id)
    pending = session.scalars(select(ReviewPackJob).where(
        ReviewPackJob.requested_by_id == actor.id, ReviewPackJob.team_id == team.id,
        ReviewPackJob.status.in_(("queued", "running")),
        ReviewPackJob.created_at > clock.now() - JOB_TIMEOUT)
        .order_by(ReviewPackJob.id.desc())).first()
    if pending is not None:
        return pending.id, False
    job = ReviewPackJob(team_id=team.id, requested_by_id=actor.id, locale=locale,
                        status="queued", total=count, created_at=clock.now())
    session.add(job)
    session.flush()
    audit.record(actor, "reports.review_packs", job, team_id=team.id, people=count)
    return job.id, True


def zip_path(job: ReviewPackJob) -> Path:
    return Path(current_app.config["STORAGE_DIR"]) / "review-packs" / f"{job.id}.zip"


def download_name(job: ReviewPackJob) -> str:
    """`review-packs-team-<id>-<ascii team name>-<date>.zip`."""
    stem = review_pack.pack_filename(f"team-{job.team_id}", job.team.name)[:-4]
    return f"review-packs-{stem}-{job.created_at.date().isoformat()}.zip"


def _processes(count: int) -> int:
    """Processes to render `count` PDFs in: CERTIFICATE_RENDER_PROCESSES (default: the
    machine's cores), the setting batches read; one below POOL_FROM packs."""
    if count < POOL_FROM:
        return 1
    configured = current_app.config.get("CERTIFICATE_RENDER_PROCESSES")
    return max(1, int(configured) if configured else (os.cpu_count() or 1))


def _documents(session, person_ids: list[int]) -> Iterator[tuple[str, str]]:
    """(file name in the zip, pack HTML) per person, read one at a time."""
    used: set[str] = set()
    for person_id in person_ids:
        person = session.get(Person, person_id)
        name = review_pack.pack_filename(person.employee_id, person.name)
        if name in used:  # employee ids are unique; this guards the ascii-folding only
            name = f"{name[:-4]}-{person.id}.pdf"
        used.add(name)
        yield name, review_pack.pack_html(session, person)
        session.expire_all()  # keep the identity map from growing with the team


def _rendered(documents: Iterator[tuple[str, str]], processes: int) -> Iterator[tuple[str, bytes]]:
    """(name, PDF) in order. With several processes, the HTML stage (database reads, here)
    stays a few documents ahead of the PDF stage (WeasyPrint, in the pool): memory holds a
    window of documents, not the team."""
    if processes == 1:
        for name, html in documents:
            yield name, html_to_pdf(html)
        return
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        window: deque = deque()
        for name, html in documents:
            window.append((name, pool.submit(html_to_pdf, html)))
            if len(window) >= 2 * processes:
                done_name, future = window.popleft()
                yield done_name, future.result()
        while window:
            done_name, future = window.popleft()
            yield done_name, future.result()


def write_packs(session, person_ids: list[int], target: Path, progress=None) -> None:
    """Write a zip at `target` holding one review pack per person, in employee-id order;
    `progress(n)` after each. Written beside it first and renamed, so no reader sees half.
    The PDFs are stored, not deflated: they are compressed already."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            rendered = _rendered(_documents(session, person_ids),
                                 _processes(len(person_ids)))
            for n, (name, pdf) in enumerate(rendered, start=1):
                archive.writestr(name, pdf)
                if progress:
                    progress(n)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _replace_older(session, job: ReviewPackJob) -> None:
    """Remove the files of this person's earlier packs of the same team."""
    for older in session.scalars(select(ReviewPackJob).where(
            ReviewPackJob.requested_by_id == job.requested_by_id,
            ReviewPackJob.team_id == job.team_id, ReviewPackJob.id < job.id,
            ReviewPackJob.file_name != "")):
        zip_path(older).unlink(missing_ok=True)
        older.file_name = ""


def run_job(job_id: int) -> None:
    """The job: render the packs into the zip, recording progress. Needs an app context;
    commits as it goes; a failure is written on the job for the person to see."""
    session = db.session
    with writing():
        job = session.get(ReviewPackJob, job_id)
        if job is None or job.status != "queued":
            return
        job.status = "running"
        session.commit()
        try:
            with force_locale(job.locale):  # the packs and any refusal in the asker's language
                actor = job.requested_by
                if not policy.may(actor, "reports.view"):
                    raise DomainError(_("You may no longer read reports."))
                person_ids = list(session.scalars(team_members(job.team_id,
                                                               report_scope(actor))))
                job.total = len(person_ids)
                session.commit()

                def progress(n: int) -> None:
                    job.done = n
                    session.commit()

                write_packs(session, person_ids, zip_path(job), progress)
            job.file_name = download_name(job)
            _replace_older(session, job)
            job.status = "done"
            job.finished_at = clock.now()
            session.commit()
        except Exception as error:  # recorded for the person to see; the job ends cleanly
            session.rollback()
            job = session.get(ReviewPackJob, job_id)
            job.status = "failed"
            job.error = (error.message if isinstance(error, DomainError) else str(error))[:2000]
            job.finished_at = clock.now()
            if isinstance(error, MissingGlyphs):
                report_missing_font(session, error)
            session.commit()
            if not isinstance(error, DomainError):
                current_app.logger.exception("review pack job %s failed", job_id)


def start(job_id: int) -> str:
    """Queue the job after the caller committed it (lms.core.background): on RQ when
    REDIS_URL is set, else in a thread. Returns "rq" or "thread"."""
    return start_job(f"{__name__}:run_job", job_id, queue=queue_name(),
                     timeout_seconds=int(JOB_TIMEOUT.total_seconds()))


def progress_json(job: ReviewPackJob) -> dict:
    """What the status page polls: status, done of total, percent, finished, error."""
    percent = 100 if job.status == "done" else (
        job.done * 100 // job.total if job.total else 0)
    return {"id": job.id, "status": job.status, "done": job.done, "total": job.total,
            "percent": percent, "error": job.error,
            "finished": job.status in ("done", "failed"),
            "downloadable": job.status == "done" and bool(job.file_name)}
