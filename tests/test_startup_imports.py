"""What loading the app leaves unloaded. Every process imports the app — web and RQ workers,
and the CLI's exports, whose peak memory #16 caps at 150 MB — so libraries that only a few
requests need (SAML and OpenID Connect sign-in, the migration commands, iCalendar) are
imported where they are used. This checks it in a fresh interpreter, since the test process
has long imported them all."""

import json
import subprocess
import sys

from tests.conftest import base_config

LAZY = ("saml2.client", "xmlschema", "authlib", "requests", "joserfc", "flask_migrate",
        "alembic.command", "mako", "icalendar")


def test_loading_the_app_leaves_the_rarely_used_libraries_unloaded(tmp_path):
    config = {**base_config(f"sqlite:///{tmp_path / 'db.sqlite3'}", str(tmp_path / "files")),
              "CHECK_SCHEMA": False}
    script = ("import json, sys\nfrom lms import create_app\n"
              f"app = create_app(json.loads({json.dumps(json.dumps(config, default=str))}))\n"
              "assert 'db' in app.cli.commands\n"
              f"print(json.dumps([m for m in {list(LAZY)!r} if m in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_migration_commands_still_answer(tmp_path):
    """`flask db …` binds Flask-Migrate when it is used: `db heads` names the head."""
    from lms.core.schema import head_revisions

    done = subprocess.run([sys.executable, "-m", "flask", "--app", "lms", "db", "heads"],
                          capture_output=True, text=True, check=False, cwd=tmp_path,
                          env={"PUBLIC_URL": "http://127.0.0.1", "PATH": "/usr/bin:/bin",
                               "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                               "SECRET_KEY": "x" * 32})
    assert done.returncode == 0, done.stderr
    assert set(head_revisions()) <= set(done.stdout.split())
