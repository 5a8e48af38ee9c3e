"""What `seed-demo` builds, as a fingerprint to compare before and after a change that should
only make the seed cheaper: every table's row count and a checksum of its rows (ids
included), seeded on a fresh database with the clock frozen.

    python benchmarks/demo_fingerprint.py --save /tmp/before.json     # on the old code
    python benchmarks/demo_fingerprint.py --compare /tmp/before.json  # on the new code

Runs on a fresh SQLite file, or a throwaway PostgreSQL database when DATABASE_URL names a
server (compare like with like: the two databases number some rows differently). Columns
that are random by design (tokens, salts, generated keys, and the e-mails that carry
links with tokens) are left out (RANDOM_COLUMNS). Exits 1 when a table differs.
"""

import argparse
import hashlib
import json
import sys
from datetime import UTC, datetime
from decimal import Decimal

from _harness import scratch_app

# The seed's clock: every date and time it writes follows from this moment.
FROZEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
# Left out of the rows: random by design, or (level_tally_change.id on PostgreSQL) numbered
# in whatever order a trigger's GROUP BY gives, which varies between two runs of one seed.
RANDOM_COLUMNS = {
    "certificate": {"verify_code"}, "course_module": {"key"}, "lesson": {"key"},
    "lesson_completion": {"lesson_key"}, "quiz": {"lesson_key"},
    "issuer_key": {"kid", "private_key_pem", "public_key"},
    "mystery_visit": {"token_hash"}, "review360_rater": {"token_hash"},
    "training_session": {"checkin_secret"}, "person": {"password_hash"},
    "outbox_email": {"body"}, "level_tally_change": {"id"},
}


def _plain(value) -> str:
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def fingerprint() -> dict[str, dict]:
    """{table: {"rows": count, "sha256": checksum of the sorted rows}} of a fresh demo."""
    from sqlalchemy import select

    from lms.core import clock
    from lms.core.extensions import db
    from lms.demo import seed_demo

    with clock.frozen_at(FROZEN), scratch_app() as (app, _backend), app.app_context():
        seed_demo(db.session, clock.today())
        db.session.commit()
        found = {}
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.c if c.name not in RANDOM_COLUMNS.get(table.name, ())]
            rows = sorted(json.dumps([_plain(v) for v in row], ensure_ascii=False)
                          for row in db.session.execute(select(*columns)))
            found[table.name] = {"rows": len(rows), "sha256": hashlib.sha256(
                "\n".join(rows).encode()).hexdigest()}
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", help="write the fingerprint to this file")
    parser.add_argument("--compare", help="compare with the fingerprint in this file")
    options = parser.parse_args()
    found = fingerprint()
    print(f"{len(found)} tables, {sum(t['rows'] for t in found.values())} rows")
    if options.save:
        with open(options.save, "w", encoding="utf-8") as out:
            json.dump(found, out, indent=1, sort_keys=True)
    if options.compare:
        with open(options.compare, encoding="utf-8") as before_file:
            before = json.load(before_file)
        differing = sorted(name for name in set(before) | set(found)
                           if before.get(name) != found.get(name))
        for name in differing:
            print(f"  {name}: {before.get(name)} before, {found.get(name)} now")
        print(f"{len(differing)} tables differ")
        sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
