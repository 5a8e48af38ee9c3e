"""What the page benchmarks share: a scratch app and database, timed requests, statement
counts and percentiles. (Kept out of the app: benchmarks only.)"""

import os
import statistics
import tempfile
import time
from contextlib import contextmanager

PASSWORD = "benchmark-password"


@contextmanager
def scratch_app(**config):
    """An app on a fresh SQLite file, or a throwaway PostgreSQL database when DATABASE_URL
    names a server; yields (app, backend name). Tables come from the models."""
    from concurrent_writes import ScratchPostgres

    from lms import create_app
    from lms.core.extensions import db

    scratch = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        scratch = ScratchPostgres(os.environ["DATABASE_URL"])
        url = scratch.url
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='lms-bench-')}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CHECK_SCHEMA": False,
                      "PUBLIC_URL": "http://127.0.0.1",
                      "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False,
                      "STORAGE_DIR": tempfile.mkdtemp(prefix="lms-bench-files-"), **config})
    try:
        with app.app_context():
            db.create_all()
        yield app, url.split(":", 1)[0]
        with app.app_context():
            db.engine.dispose()
    finally:
        if scratch is not None:
            scratch.drop()


def signed_in(app, email: str, password: str = PASSWORD):
    """A test client signed in as `email`."""
    client = app.test_client()
    response = client.post("/login", data={"login": email, "password": password})
    assert response.status_code == 302, response.status_code
    return client


def timed(client, url: str, runs: int, warm_ups: int = 2) -> list[float]:
    """Milliseconds per GET of `url` over `runs` requests after `warm_ups`."""
    for _ in range(warm_ups):
        assert client.get(url).status_code == 200
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def statements(app, client, url: str) -> int:
    """SQL statements one GET of `url` sends."""
    from sqlalchemy import event

    from lms.core.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def summary(times: list[float]) -> str:
    """"p50=…ms p95=…ms over N runs"."""
    ordered = sorted(times)
    p95 = ordered[max(int(round(0.95 * len(ordered))) - 1, 0)]
    return f"p50={statistics.median(ordered):.1f}ms p95={p95:.1f}ms over {len(ordered)} runs"
