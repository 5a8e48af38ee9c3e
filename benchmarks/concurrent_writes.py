"""Concurrent sign-ins and writes against gunicorn workers sharing one database.

Starts gunicorn (4 workers by default) on 127.0.0.1 with a fresh database (SQLite file unless
DATABASE_URL is set), seeds the demo organisation, then runs N client threads that each sign
in and post language changes (a write) followed by a page read, and reports throughput,
latency percentiles and errors — a "database is locked" would show as a 500 — beside the
floor (GET /healthz one at a time against the same server) measured in the same run.

    python benchmarks/concurrent_writes.py [--workers 4] [--clients 16] [--rounds 25]
"""

import argparse
import http.cookiejar
import os
import re
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from _harness import (
    backend,
    check_derived,
    flask_cli,
    gunicorn,
    http_floor,
    percentiles,
    print_floor,
    scratch_database,
)

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


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
    # Never seed over a real database: work in a throwaway one beside it.
    with scratch_database() as url:
        env = dict(os.environ, LMS_INSECURE_COOKIES="1", SECRET_KEY="bench",
                   PUBLIC_URL="http://127.0.0.1", DATABASE_URL=url)
        flask_cli(env, "db", "upgrade")
        flask_cli(env, "seed-demo", "--force")
        with gunicorn(env, args.workers) as port:
            base = f"http://127.0.0.1:{port}"
            floor = http_floor(port)
            emails = ["agent@demo.example"] + [f"agent{n:02d}@demo.example"
                                               for n in range(2, 29)]
            emails = (emails * ((args.clients // len(emails)) + 1))[: args.clients]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                results = list(pool.map(lambda e: run_client(base, e, args.rounds), emails))
            elapsed = time.perf_counter() - started
        derived = check_derived(env)
    timings = [t * 1000 for r in results for t in r[0]]
    statuses = [s for r in results for s in r[1]]
    errors = sum(1 for s in statuses if s >= 500)
    print(f"backend={backend(url)} workers={args.workers} clients={args.clients} "
          f"requests={len(timings)} writes={args.clients * args.rounds}")
    print(f"elapsed={elapsed:.2f}s throughput={len(timings) / elapsed:.0f} req/s "
          f"{percentiles(timings, tail=True)} server_errors={errors}")
    print_floor(floor, "over HTTP, one at a time")
    print(derived)
    return 1 if errors or "(exit 0)" not in derived else 0


if __name__ == "__main__":
    sys.exit(main())
