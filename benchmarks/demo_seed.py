"""Time of `seed-demo`: the whole demo organisation (about 150 people, a year of certificates,
role-plays, 360 cycles, the evidence history) on an empty database, wall and CPU time and
the SQL statements it sends (on PostgreSQL each is a round trip and most of the CPU).

    python benchmarks/demo_seed.py

Runs in-process on a fresh SQLite file (or a throwaway PostgreSQL database when DATABASE_URL
names a server). The floor, measured in the same run on another fresh database, is what any
seed must do first: the default framework, paths and matrix (`install_defaults`). Target: the
demo seeds in under 60 s.
"""

import time

from _harness import scratch_app


def timed_fill(fill) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, SQL statements) of `fill(session, today)` and its commit,
    on a fresh app."""
    from sqlalchemy import event

    from lms.core import clock
    from lms.core.extensions import db

    with scratch_app() as (app, _backend), app.app_context():
        sent = []
        listener = lambda *args: sent.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        wall, cpu = time.perf_counter(), time.process_time()
        fill(db.session, clock.today())
        db.session.commit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        event.remove(db.engine, "before_cursor_execute", listener)
        return wall, cpu, len(sent)


def main() -> None:
    from lms.defaults import install_defaults
    from lms.demo import seed_demo

    floor = timed_fill(lambda session, _today: install_defaults(session))
    seed = timed_fill(seed_demo)
    print(f"seed-demo: {seed[0]:.1f} s wall, {seed[1]:.1f} s CPU, {seed[2]} SQL statements "
          "(target: under 60 s)")
    print(f"floor (install_defaults alone, same run): {floor[0]:.2f} s wall, "
          f"{floor[1]:.2f} s CPU, {floor[2]} SQL statements")
    with open("/proc/loadavg", encoding="ascii") as load:
        print(f"load average: {load.read().split()[0]}")


if __name__ == "__main__":
    main()
