"""Exam load: N agents (default 200) start the same 30-question timed exam at the same moment,
save every answer through the autosave endpoint, and submit — against gunicorn, as deployed.

    python benchmarks/exam_load.py [--agents 200] [--workers 4] [--threads 1] [--think 2.0]
                                   [--kill-every SECONDS] [--in-process-only]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/exam_load.py

Works in a throwaway database (a fresh SQLite file, or a scratch database on the PostgreSQL
server DATABASE_URL names): migrations, the default framework, the demo question bank and the
demo "New-hire closed-book exam" (30 random questions, 45 minutes), and N agents. Every agent
signs in first; then all start at once (a barrier), answer each question with a random valid
answer after a think time (uniform 0.5–1.5 × --think seconds; 0 for a flat-out run), each
answer posted on its own with its sequence and CSRF token as the page's script does, and
submit. Reports p50/p95/p99 of starts, saves and submits, throughput, errors, and checks the
database afterwards: one attempt per agent, every acknowledged answer stored exactly as sent
(lost), no question saved more often than it was answered (duplicated), every attempt graded.
Prints the floor (GET /healthz one at a time against the same server) measured in the same
run. Exit status 1 when anything was lost, duplicated or failed.

Before the load, in-process: PROBES more agents each save every answer of their own attempt
with the app in this process (CSRF on, as deployed), and the script reports the server CPU
per save (thread time inside the WSGI call, the test client's work excluded) and the SQL
statements per save (transaction control not counted), beside the same figures for
GET /healthz in the same run. `--in-process-only` prints just those.

`--kill-every N` SIGKILLs one gunicorn worker every N seconds during the load (gunicorn starts
another); agents send a request again when its connection breaks, as the page's script does,
and the same checks must hold: nothing acknowledged is lost, nothing saved twice.
"""

import argparse
import asyncio
import json
import os
import random
import re
import signal
import statistics
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

from _harness import (
    FLOOR_URL,
    backend,
    bench_app,
    check_derived,
    flask_cli,
    gunicorn,
    http_floor,
    percentiles,
    print_floor,
    scratch_database,
)

PASSWORD = "exam-load-password"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


PROBES = 10  # agents of the in-process measurement, apart from the load's


def build(url: str, agents: int) -> int:
    """Seed the scratch database at `url` (the load's agents and PROBES more); returns the
    exam's id."""
    from lms.core.extensions import db
    from lms.people import models as people_models

    # Setup only: the load is not about password hashing (gunicorn checks any method).
    people_models.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    app = bench_app(url)
    with app.app_context():
        from assessments.quiz.demo import build_exam
        from lms.defaults import install_defaults
        from lms.people.services.directory import PersonData, create_person, save_team

        paths = install_defaults(db.session)
        team = save_team(db.session, None, None, "Exam hall", "", None)
        for n in range(agents):
            create_person(db.session, None, PersonData(
                employee_id=f"L{n:05d}", name=f"坐席 {n:03d}", email=f"agent{n}@load.example",
                team_id=team.id, tier_id=paths["NEWHIRE"].id, roles=("agent",)), PASSWORD)
        for n in range(PROBES):
            create_person(db.session, None, PersonData(
                employee_id=f"P{n:05d}", name=f"探针 {n:03d}", email=f"probe{n}@load.example",
                team_id=team.id, tier_id=paths["NEWHIRE"].id, roles=("agent",)), PASSWORD)
        exam = build_exam(db.session)
        db.session.commit()
        exam_id = exam.id
        db.session.remove()
        db.engine.dispose()
    return exam_id


class AttemptPage(HTMLParser):
    """The attempt form's questions: {slot: {"seq", "kind", "values", "selects"}}."""

    def __init__(self):
        super().__init__()
        self.questions: dict[int, dict] = {}
        self.slot: int | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "fieldset" and a.get("data-slot"):
            self.slot = int(a["data-slot"])
            self.questions[self.slot] = {"kind": None, "values": [], "selects": {}}
        elif self.slot is None:
            return
        elif tag == "input" and a.get("name", "").startswith("seq"):
            self.questions[self.slot]["seq"] = int(a["value"])
        elif tag == "input" and a.get("type") in ("radio", "checkbox"):
            self.questions[self.slot]["kind"] = a["type"]
            self.questions[self.slot]["values"].append(a["value"])
        elif tag in ("input", "textarea") and a.get("name") == f"q{self.slot}":
            self.questions[self.slot]["kind"] = "text"
        elif tag == "select":
            self.questions[self.slot]["kind"] = "matching"
            self.select = a["name"]
            self.questions[self.slot]["selects"][self.select] = []
        elif tag == "option" and self.select and a.get("value"):
            self.questions[self.slot]["selects"][self.select].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "fieldset":
            self.slot = None
        elif tag == "select":
            self.select = None


def choose(slot: int, question: dict, rng: random.Random) -> tuple[dict, object]:
    """A random valid answer: (form fields, the response the server should store)."""
    name, kind = f"q{slot}", question["kind"]
    if kind == "radio":
        value = rng.choice(question["values"])
        expected = ({"answer": value == "true"} if set(question["values"]) == {"true", "false"}
                    else {"choice": value})
        return {name: value}, expected
    if kind == "checkbox":
        picked = rng.sample(question["values"], rng.randint(1, len(question["values"])))
        return {name: picked}, {"choices": sorted(picked)}
    if kind == "matching":
        fields = {select: rng.choice(options) for select, options in question["selects"].items()}
        return fields, {"matches": {k.split(".", 1)[1]: v for k, v in sorted(fields.items())}}
    text = str(rng.randint(1, 500))
    return {name: text}, {"text": text}


@dataclass
class Agent:
    email: str
    timings: dict[str, list[float]] = field(default_factory=lambda: {
        "start": [], "save": [], "submit": []})
    save_moments: list[float] = field(default_factory=list)  # when each save was sent
    errors: list[str] = field(default_factory=list)
    acknowledged: dict[int, object] = field(default_factory=dict)  # slot → expected response
    attempt_id: int | None = None
    started_at: float = 0.0
    retried: int = 0  # requests sent again after the connection broke (a worker killed)


class Browser:
    """One agent's cookies and requests: plain HTTP/1.1 over asyncio streams (one connection
    per request, as gunicorn's sync workers close each one), so a single client thread can
    drive hundreds of agents without stealing the server's CPU."""

    def __init__(self, port: int, number: int):
        self.port = port
        # Each agent from its own loopback address, as from its own desk: the sign-in rate
        # limit counts per address.
        self.source = f"127.0.{1 + number // 250}.{1 + number % 250}"
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, fields=None, headers=None):
        body = urllib.parse.urlencode(fields, doseq=True).encode() if fields is not None \
            else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                 "Connection: close", f"Content-Length: {len(body)}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if fields is not None:
            lines.append("Content-Type: application/x-www-form-urlencoded")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        started = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port,
                                                       local_addr=(self.source, 0))
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await writer.drain()
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(head[0].split()[1])
            found = [line.split(":", 1) for line in head[1:] if ":" in line]
            length = next((int(v) for k, v in found if k.lower() == "content-length"), None)
            data = await (reader.readexactly(length) if length is not None else reader.read())
        finally:
            writer.close()
        elapsed = time.perf_counter() - started
        location = ""
        for key, value in found:
            if key.lower() == "set-cookie":
                name, _, rest = value.strip().partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            elif key.lower() == "location":
                location = value.strip()
        return status, location, data.decode(), elapsed


TRANSPORT_ERRORS = (ConnectionError, asyncio.IncompleteReadError, OSError)


async def send(agent: Agent, browser: Browser, method: str, path: str, fields=None,
               headers=None):
    """A request, sent again (as the page's script does on its next save) when the connection
    breaks before an answer: a worker killed mid-request. Every request the agent retries is
    safe to repeat: starting resumes the open attempt, a save of the same answer with the
    same sequence is "unchanged", a second submit changes nothing."""
    for _try in range(5):
        try:
            return await browser.request(method, path, fields, headers)
        except TRANSPORT_ERRORS:
            agent.retried += 1
            await asyncio.sleep(0.5)
    return await browser.request(method, path, fields, headers)


async def run_agent(agent: Agent, port: int, exam_id: int, barrier: asyncio.Barrier,
                    think: float, seed: int) -> None:
    rng = random.Random(seed)
    browser = Browser(port, seed)
    try:
        _, _, page, _ = await browser.request("GET", "/login")
        token = TOKEN.search(page).group(1)
        status, _, _, _ = await browser.request("POST", "/login", {
            "csrf_token": token, "login": agent.email, "password": PASSWORD})
        assert status == 302, f"sign-in: {status}"
        _, _, page, _ = await browser.request("GET", f"/quizzes/{exam_id}")
        token = TOKEN.search(page).group(1)
    except Exception as error:  # noqa: BLE001  (reported, not raised)
        agent.errors.append(f"setup: {error}")
    await barrier.wait()
    if agent.errors:
        return
    try:
        status, location, _, elapsed = await send(
            agent, browser, "POST", f"/quizzes/{exam_id}/start", {"csrf_token": token})
        agent.timings["start"].append(elapsed)
        match = re.search(r"/attempts/(\d+)$", location)
        if status != 302 or not match:
            agent.errors.append(f"start: {status} {location}")
            return
        agent.attempt_id = int(match.group(1))
        status, _, page, _ = await send(agent, browser, "GET", f"/attempts/{agent.attempt_id}")
        agent.started_at = time.perf_counter()
        token = TOKEN.search(page).group(1)
        parser = AttemptPage()
        parser.feed(page)
        for slot, question in sorted(parser.questions.items()):
            if think:
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
            fields, expected = choose(slot, question, rng)
            fields[f"seq{slot}"] = question["seq"]
            agent.save_moments.append(time.perf_counter())
            status, _, body, elapsed = await send(
                agent, browser, "POST", f"/attempts/{agent.attempt_id}/autosave", fields,
                {"X-CSRFToken": token, "Accept": "application/json"})
            agent.timings["save"].append(elapsed)
            if status == 200 and json.loads(body)["ok"]:
                agent.acknowledged[slot] = expected
            else:
                agent.errors.append(f"save {slot}: {status} {body[:120]}")
        status, _, _, elapsed = await send(
            agent, browser, "POST", f"/attempts/{agent.attempt_id}/submit",
            {"csrf_token": token})
        agent.timings["submit"].append(elapsed)
        if status != 302:
            agent.errors.append(f"submit: {status}")
    except Exception as error:  # noqa: BLE001
        agent.errors.append(f"{type(error).__name__}: {error}")


def gunicorn_workers(port: int) -> list[int]:
    """The worker processes of the gunicorn listening on `port`: the processes started with
    that address whose parent was started with it too (the master)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"gunicorn" in command and f"127.0.0.1:{port}".encode() in command:
            parents[int(entry)] = parent
    return [pid for pid, parent in parents.items() if parent in parents]


async def kill_workers(port: int, every: float, done: asyncio.Event, kills: list[int]) -> None:
    """SIGKILL one gunicorn worker every `every` seconds until `done` (gunicorn starts a new
    one); the pids killed go into `kills`."""
    rng = random.Random(11)
    while not done.is_set():
        try:
            await asyncio.wait_for(done.wait(), timeout=every)
        except TimeoutError:
            workers = gunicorn_workers(port)
            if workers:
                victim = rng.choice(workers)
                os.kill(victim, signal.SIGKILL)
                kills.append(victim)


async def run_agents(agents: list[Agent], port: int, exam_id: int, think: float,
                     kill_every: float = 0.0, kills: list[int] | None = None) -> float:
    """Every agent signs in, then all start together; returns the seconds from the start.
    With `kill_every`, a worker is killed that often while they work."""
    barrier = asyncio.Barrier(len(agents) + 1)
    tasks = [asyncio.create_task(run_agent(agent, port, exam_id, barrier, think, n))
             for n, agent in enumerate(agents)]
    await barrier.wait()
    started = time.perf_counter()
    done = asyncio.Event()
    killer = asyncio.create_task(kill_workers(port, kill_every, done, kills)) \
        if kill_every else None
    await asyncio.gather(*tasks)
    done.set()
    if killer is not None:
        await killer
    return time.perf_counter() - started


@dataclass
class InProcess:
    """Server CPU (thread time inside the WSGI app, client excluded) and SQL statements per
    request: saves, and the floor (GET /healthz) measured in the same run."""

    save_cpu: list[float]  # milliseconds
    save_statements: list[int]
    floor_cpu: list[float]
    floor_statements: list[int]


def measure_in_process(url: str, exam_id: int) -> InProcess:
    """Every probe agent starts the exam and saves each of its 30 answers through autosave
    (CSRF on, as deployed) with the app in this process; each request's CPU is measured
    around the WSGI call, so the test client's own work is not counted."""
    from sqlalchemy import event

    from lms.core.extensions import db

    app = bench_app(url, WTF_CSRF_ENABLED=True)
    inner = app.wsgi_app
    window = {"cpu": 0.0, "statements": 0}

    def measured(environ, start_response):
        started = time.thread_time()
        body = b"".join(inner(environ, start_response))
        window["cpu"] = time.thread_time() - started
        return [body]

    def statement(_conn, _cursor, sql, *_args):
        # Transaction control (SQLite's BEGIN IMMEDIATE) is not a statement of the save's.
        if not sql.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            window["statements"] += 1

    app.wsgi_app = measured
    with app.app_context():
        engine = db.engine
    figures = InProcess([], [], [], [])
    rng = random.Random(7)

    def request(client, method, path, **kwargs):
        window["statements"] = 0
        response = client.open(path, method=method, **kwargs)
        return response, window["cpu"] * 1000, window["statements"]

    event.listen(engine, "before_cursor_execute", statement)
    try:
        for n in range(PROBES):
            client = app.test_client()
            token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
            signed = client.post("/login", data={"csrf_token": token, "login":
                                 f"probe{n}@load.example", "password": PASSWORD})
            assert signed.status_code == 302, signed.get_data(as_text=True)[:2000]
            for _ in range(3):  # the floor, a few times per agent
                response, cpu, count = request(client, "GET", FLOOR_URL)
                assert response.status_code == 200
                figures.floor_cpu.append(cpu)
                figures.floor_statements.append(count)
            page = client.get(f"/quizzes/{exam_id}").get_data(as_text=True)
            started = client.post(f"/quizzes/{exam_id}/start",
                                  data={"csrf_token": TOKEN.search(page).group(1)})
            attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
            page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
            token = TOKEN.search(page).group(1)
            parser = AttemptPage()
            parser.feed(page)
            for slot, question in sorted(parser.questions.items()):
                fields, _expected = choose(slot, question, rng)
                fields[f"seq{slot}"] = question["seq"]
                response, cpu, count = request(
                    client, "POST", f"/attempts/{attempt_id}/autosave", data=fields,
                    headers={"X-CSRFToken": token, "Accept": "application/json"})
                assert response.status_code == 200, response.get_data(as_text=True)
                figures.save_cpu.append(cpu)
                figures.save_statements.append(count)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return figures


def check_database(url: str, agents: list[Agent], exam_id: int) -> dict[str, int]:
    """Compare what the server acknowledged with what the database at `url` holds."""
    from sqlalchemy import select

    from assessments.quiz.models import Attempt, AttemptQuestion
    from lms.core.extensions import db
    from lms.people.models import Person

    app = bench_app(url)
    with app.app_context():
        # The load's agents only (the in-process probes' attempts stay open).
        load_agents = Person.email.like("agent%@load.example")
        attempts = db.session.execute(
            select(Person.email, Attempt.id, Attempt.state, Attempt.score)
            .join(Attempt, Attempt.person_id == Person.id)
            .where(Attempt.quiz_id == exam_id, load_agents)).all()
        per_person: dict[str, list] = {}
        for email, attempt_id, state, score in attempts:
            per_person.setdefault(email, []).append((attempt_id, state, score))
        stored = {(aq.attempt_id, aq.slot): aq for aq in db.session.scalars(
            select(AttemptQuestion).join(Attempt).join(Person, Person.id == Attempt.person_id)
            .where(Attempt.quiz_id == exam_id, load_agents))}
        lost = duplicated = sent = 0
        for agent in agents:
            for slot, expected in agent.acknowledged.items():
                sent += 1
                aq = stored.get((agent.attempt_id, slot))
                response = aq.response if aq is not None else None
                if response is not None and "choices" in response:
                    response = {"choices": sorted(response["choices"])}
                if response != expected:
                    lost += 1
                elif aq.sequence != 1:
                    duplicated += 1
        saved = sum(1 for aq in stored.values() if aq.response is not None)
        result = {
            "answers_sent": sent, "answers_saved": saved, "lost": lost,
            "duplicated": duplicated,
            "attempts": len(attempts),
            "agents_with_two_attempts": sum(1 for v in per_person.values() if len(v) > 1),
            "not_finished": sum(1 for row in attempts if row.state != "finished"),
            "not_graded": sum(1 for row in attempts if row.score is None),
            "max_sequence": max((aq.sequence for aq in stored.values()), default=0),
            "questions": len(stored),
        }
        db.session.remove()
        db.engine.dispose()
    return result


def print_in_process(in_process: InProcess) -> None:
    statements = sorted(set(in_process.save_statements))
    print(f"in-process, server CPU per save: {percentiles(in_process.save_cpu)}, mean "
          f"{statistics.mean(in_process.save_cpu):.2f}ms; SQL statements per save: "
          f"{'/'.join(map(str, statements))} (mean "
          f"{statistics.mean(in_process.save_statements):.2f})")
    print(f"  floor, GET {FLOOR_URL} (in-process, same run): server CPU "
          f"{percentiles(in_process.floor_cpu)}, "
          f"{max(in_process.floor_statements)} SQL statements")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--think", type=float, default=2.0,
                        help="mean seconds between answers (0: flat out)")
    parser.add_argument("--kill-every", type=float, default=0.0,
                        help="SIGKILL a gunicorn worker every this many seconds (0: never)")
    parser.add_argument("--in-process-only", action="store_true",
                        help="only the in-process CPU and statement figures (no server)")
    args = parser.parse_args()
    with scratch_database(prefix="lms-exam-load-") as url:
        env = dict(os.environ, LMS_INSECURE_COOKIES="1", SECRET_KEY="exam-load",
                   PUBLIC_URL="http://127.0.0.1", DATABASE_URL=url)
        flask_cli(env, "db", "upgrade")
        if args.in_process_only:
            print_in_process(measure_in_process(url, build(url, 0)))
            return 0
        exam_id = build(url, args.agents)
        in_process = measure_in_process(url, exam_id)
        with gunicorn(env, args.workers, args.threads) as port:
            floor = http_floor(port)
            agents = [Agent(f"agent{n}@load.example") for n in range(args.agents)]
            load_before = os.getloadavg()[0]
            kills: list[int] = []
            elapsed = asyncio.run(run_agents(agents, port, exam_id, args.think,
                                             args.kill_every, kills))
            load_after = os.getloadavg()[0]
        checked = check_database(url, agents, exam_id)
        derived = check_derived(env)
    timings = {kind: [t * 1000 for a in agents for t in a.timings[kind]]
               for kind in ("start", "save", "submit")}
    requests = sum(len(v) for v in timings.values())
    errors = [e for a in agents for e in a.errors]
    print(f"backend={backend(url)} agents={args.agents} gunicorn workers={args.workers} "
          f"threads={args.threads} think={args.think}s cpus={os.cpu_count()} "
          f"load average {load_before:.1f} before, {load_after:.1f} after (other work on the "
          "machine skews the figures)")
    if args.kill_every:
        print(f"workers killed (SIGKILL, one every {args.kill_every:g}s): {len(kills)}; "
              f"requests sent again after a broken connection: "
              f"{sum(a.retried for a in agents)}")
    print(f"elapsed={elapsed:.1f}s throughput={requests / elapsed:.0f} req/s "
          f"(saves {len(timings['save']) / elapsed:.0f}/s) errors={len(errors)}")
    for kind in ("start", "save", "submit"):
        print(f"{kind:<7} {percentiles(timings[kind], tail=True)}")
    # Saves sent once every agent had its attempt page (after the burst of starts at once).
    all_started = max((a.started_at for a in agents), default=0.0)
    steady = [t * 1000 for a in agents for sent, t in zip(a.save_moments, a.timings["save"],
                                                          strict=True) if sent > all_started]
    print(f"saves once every attempt page was open: {percentiles(steady, tail=True)}")
    print_floor(floor, "over HTTP, one at a time, before the load")
    print_in_process(in_process)
    print("database: " + " ".join(f"{k}={v}" for k, v in checked.items()))
    print(derived)
    for error in errors[:10]:
        print("  error:", error)
    bad = (errors or checked["lost"] or checked["duplicated"] or checked["not_finished"]
           or checked["agents_with_two_attempts"] or checked["attempts"] != args.agents
           or "(exit 0)" not in derived)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
