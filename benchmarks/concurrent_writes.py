"""Concurrent sign-ins and writes against gunicorn workers sharing one database.

Starts gunicorn (4 workers by default) on 127.0.0.1 with a fresh database (SQLite file unless
DATABASE_URL is set), seeds the demo organisation, then runs N client threads that each sign
in and post language changes (a write) followed by a page read, and reports throughput,
latency percentiles and errors — a "database is locked" would show as a 500.

    python benchmarks/concurrent_writes.py [--workers 4] [--clients 16] [--rounds 25]
"""

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_client(base: str, email: str, rounds: int) -> tuple[list[float], list[int]]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    timings, statuses = [], []

    def call(path: str, data: dict | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with opener.open(base + path, data=body, timeout=60) as response:
                statuses.append(response.status)
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
            text = ""
        timings.append(time.perf_counter() - started)
        return text

    page = call("/login")
    token = TOKEN.search(page).group(1)
    page = call("/login", {"csrf_token": token, "login": email, "password": "certify-demo"})
    for n in range(rounds):
        token = TOKEN.search(page).group(1)
        call("/language", {"csrf_token": token, "lang-locale": "zh_Hans_CN" if n % 2 else "en",
                           "next": "/account"})
        page = call("/account")
    return timings, statuses


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="lms-bench-")
    env = dict(os.environ, LMS_INSECURE_COOKIES="1", SECRET_KEY="bench",
               PUBLIC_URL="http://127.0.0.1")
    scratch = None
    if env.get("DATABASE_URL", "").startswith("postgres"):
        # Never seed over a real database: work in a throwaway one beside it.
        scratch = ScratchPostgres(env["DATABASE_URL"])
        env["DATABASE_URL"] = scratch.url
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    flask = [sys.executable, "-m", "flask", "--app", "lms"]
    subprocess.run(flask + ["db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run(flask + ["seed-demo", "--force"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], env=env, cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        emails = ["agent@demo.example"] + [f"agent{n:02d}@demo.example" for n in range(2, 29)]
        emails = (emails * ((args.clients // len(emails)) + 1))[: args.clients]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = list(pool.map(lambda e: run_client(base, e, args.rounds), emails))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        if scratch is not None:
            scratch.drop()
    timings = sorted(t for r in results for t in r[0])
    statuses = [s for r in results for s in r[1]]
    errors = sum(1 for s in statuses if s >= 500)
    backend = env["DATABASE_URL"].split(":", 1)[0]
    print(f"backend={backend} workers={args.workers} clients={args.clients} "
          f"requests={len(timings)} writes={args.clients * args.rounds}")
    print(f"elapsed={elapsed:.2f}s throughput={len(timings) / elapsed:.0f} req/s "
          f"p50={statistics.median(timings) * 1000:.1f}ms "
          f"p95={timings[int(len(timings) * 0.95)] * 1000:.1f}ms "
          f"max={timings[-1] * 1000:.0f}ms server_errors={errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
