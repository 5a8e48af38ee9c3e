"""One way to start background work after the caller committed: on RQ when REDIS_URL is set,
else in a thread of this process (a small deployment needs no worker)."""

import threading
from importlib import import_module

from flask import current_app

from lms.core.extensions import db

# The shell's job entry point (lms.jobs.run_in_app), by name: it builds the app when a plain
# `rq worker` runs the job, and packages below the shell may not import the app factory.
ENTRY_POINT = "lms.jobs.run_in_app"


def _call(target: str, args: tuple):
    module_name, _, function_name = target.partition(":")
    return getattr(import_module(module_name), function_name)(*args)


def _in_thread(app, target: str, args: tuple) -> None:
    with app.app_context():
        _call(target, args)
        db.session.remove()


def start_job(target: str, *args, queue: str, timeout_seconds: int) -> str:
    """Run `target` ("package.module:function") with `args`: enqueued on the RQ queue `queue`
    when REDIS_URL is set, else in a daemon thread with its own app context (joined under
    TESTING, so tests read the finished work). Call it after the commit, without touching the
    session again: on SQLite a POST's next transaction would hold the write lock the job
    needs. Returns "rq" or "thread"."""
    url = current_app.config.get("REDIS_URL")
    if url:
        # Imported only when a queue is configured: a deployment without Redis (and every
        # process that starts no job) does not carry the client (~9 MB).
        from redis import Redis
        from rq import Queue

        Queue(queue, connection=Redis.from_url(url)).enqueue(
            ENTRY_POINT, target, *args, job_timeout=timeout_seconds)
        return "rq"
    app = current_app._get_current_object()
    thread = threading.Thread(target=_in_thread, args=(app, target, args), daemon=True,
                              name=f"job-{target.rpartition(':')[2]}-{'-'.join(map(str, args))}")
    thread.start()
    if app.config.get("TESTING"):
        thread.join()
    return "thread"
