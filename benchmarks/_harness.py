"""What every benchmark shares (kept out of the app: benchmarks only).

- **The database**: `scratch_database()` gives a fresh SQLite file, or a throwaway database
  beside the PostgreSQL server DATABASE_URL names (never the database it names), and drops
  it afterwards; `scratch_app()` is an app on one, tables made from the models.
- **Timing**: `seconds()` for a call, `timed()` for requests, `percentiles()` for the figures
  every script prints the same way, `statements()` for the SQL a request sends.
- **The floor, measured in the same run**: what the cheapest request costs on this machine
  right now (`request_floor()` in-process, `http_floor()` against a server), printed by
  `print_floor()` beside the figures, so a page's time reads against the machine it ran on
  (other work on a shared machine moves both).
- **A server**: `gunicorn()` starts one on a free port and waits until it answers.

Importing this module puts the repository first on sys.path, so a script named like a
package (benchmarks/certificates.py) never shadows it.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path[0] != str(ROOT):
    sys.path.insert(0, str(ROOT))

PASSWORD = "benchmark-password"
FLOOR_URL = "/healthz"  # routing, a session and SELECT 1: the cheapest request there is
# What every in-process benchmark app needs: no schema check, fixed links, plain cookies,
# no rate limit and no CSRF (the test client posts forms directly).
BENCH_CONFIG = {"CHECK_SCHEMA": False, "PUBLIC_URL": "http://127.0.0.1",
                "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": False}


# The database


class ScratchPostgres:
    """A throwaway database on the server DATABASE_URL names."""

    def __init__(self, url: str):
        import sqlalchemy as sa

        from lms.config import normalise_database_url

        server = sa.engine.make_url(normalise_database_url(url))
        self.name = f"lms_bench_{os.getpid()}"
        self.admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        self.url = server.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        import sqlalchemy as sa

        with self.admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}"'))
        self.admin.dispose()


@contextmanager
def scratch_database(prefix: str = "lms-bench-") -> Iterator[str]:
    """The URL of an empty database for this run: a throwaway PostgreSQL database when
    DATABASE_URL names a server, else a SQLite file in a new temporary folder. Dropped on
    the way out."""
    scratch = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        scratch = ScratchPostgres(os.environ["DATABASE_URL"])
        url = scratch.url
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix=prefix)}/bench.sqlite3"
    try:
        yield url
    finally:
        if scratch is not None:
            scratch.drop()


def backend(url: str) -> str:
    """"sqlite" or "postgresql" (the scheme of a database URL)."""
    return url.split(":", 1)[0].split("+", 1)[0]


def bench_app(url: str, **config):
    """An app on the database at `url` with BENCH_CONFIG and a scratch STORAGE_DIR;
    `config` overrides."""
    from lms import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, **BENCH_CONFIG,
                       "STORAGE_DIR": tempfile.mkdtemp(prefix="lms-bench-files-"), **config})


@contextmanager
def scratch_app(**config):
    """An app (`bench_app`) on a scratch database with the tables made from the models;
    yields (app, backend name)."""
    from lms.core.extensions import db

    with scratch_database() as url:
        app = bench_app(url, **config)
        try:
            with app.app_context():
                db.create_all()
            yield app, backend(url)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


# Timing


def seconds(function, *args, **kwargs):
    """(seconds taken, value) of one call."""
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - started, value


def signed_in(app, email: str, password: str = PASSWORD):
    """A test client signed in as `email`."""
    client = app.test_client()
    response = client.post("/login", data={"login": email, "password": password})
    assert response.status_code == 302, response.status_code
    return client


def timed(client, url: str, runs: int, warm_ups: int = 2) -> list[float]:
    """Milliseconds per GET of `url` over `runs` requests after `warm_ups`."""
    for _ in range(warm_ups):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
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


def percentiles(times: list[float], unit: str = "ms", tail: bool = False) -> str:
    """"p50=…ms p95=…ms over N runs" (with `tail` also p99 and the maximum) of `times`,
    which are in `unit`; p95 is the value below which 95 % of the runs fall."""
    if not times:
        return "no runs"
    ordered = sorted(times)

    def at(share: float) -> float:
        return ordered[min(max(int(round(share * len(ordered))) - 1, 0), len(ordered) - 1)]

    text = f"p50={statistics.median(ordered):.1f}{unit} p95={at(0.95):.1f}{unit}"
    if tail:
        text += f" p99={at(0.99):.1f}{unit} max={ordered[-1]:.0f}{unit}"
    return f"{text} over {len(ordered)} runs"



@dataclass
class PageFigures:
    """A page's milliseconds per request and the SQL statements one request sends."""

    times: list[float]
    statements: int

    def __str__(self) -> str:
        return f"{percentiles(self.times)}, {self.statements} SQL statements"


def measure_page(app, client, url: str, runs: int, warm_ups: int = 2) -> PageFigures:
    """`timed` GETs of `url`, then the `statements` one of them sends."""
    return PageFigures(timed(client, url, runs, warm_ups), statements(app, client, url))


# The floor


def request_floor(client, runs: int) -> list[float]:
    """Milliseconds per in-process GET of the cheapest request (FLOOR_URL)."""
    return timed(client, FLOOR_URL, max(runs, 5))


def http_floor(port: int, runs: int = 50) -> list[float]:
    """Milliseconds per GET of FLOOR_URL over HTTP, one at a time, from the server at
    `port` (a connection each, as the load's clients open them)."""
    times = []
    for _ in range(runs + 2):
        started = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{FLOOR_URL}", timeout=10) as r:
            r.read()
        times.append((time.perf_counter() - started) * 1000)
    return times[2:]


def print_floor(times: list[float], what: str = "in-process") -> None:
    """The floor line every benchmark prints beside its figures."""
    print(f"  floor, GET {FLOOR_URL} ({what}, the cheapest request, same run): "
          f"{percentiles(times)}")


# A server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict, workers: int, threads: int = 1, backlog: int = 2048) -> Iterator[int]:
    """gunicorn serving wsgi:app with `env` on a free port, once it answers FLOOR_URL;
    yields the port and stops the server on the way out."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--backlog", str(backlog), "--log-level", "warning",
         "wsgi:app"], env=env, cwd=ROOT)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{FLOOR_URL}", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # workers still busy on a starved machine
            server.kill()
            server.wait(timeout=30)


def flask_cli(env: dict, *args: str) -> None:
    """Run `flask --app lms ARGS` against the environment `env` (migrations, seeds)."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "lms", *args], env=env, cwd=ROOT,
                   check=True, capture_output=True)


def check_derived(env: dict) -> str:
    """`flask --app lms check-derived` against `env`'s database, after a run's concurrent
    writers: its summary lines ("0 competency levels and 0 standings differ." …) and exit
    status, as one line to print."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "lms", "check-derived"],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    said = [line for line in done.stdout.splitlines() if " differ" in line or "past" in line]
    return f"check-derived (exit {done.returncode}): " + " ".join(said or [done.stderr[-300:]])
