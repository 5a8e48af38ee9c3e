"""A real Learning Record Store for the tests: Ralph (ralph-malph) with its file-system
backend, started as a child process on a free loopback port, stoppable and restartable on the
same port (the LRS-down test)."""

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import bcrypt

USERNAME = "lms"
PASSWORD = "lrs-test-password"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RunningLrs:
    """`endpoint` is what XAPI_ENDPOINT is set to; `statements()` reads back what it holds."""

    def __init__(self, root: Path):
        self.root = root
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/xAPI/"
        (root / "data").mkdir(parents=True, exist_ok=True)
        auth = [{"agent": {"mbox": "mailto:lms@example.com"}, "scopes": ["all"],
                 "username": USERNAME,
                 "hash": bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()}]
        (root / "auth.json").write_text(json.dumps(auth), encoding="utf-8")
        self.process = None

    def start(self) -> None:
        env = {**os.environ, "RALPH_APP_DIR": str(self.root),
               "RALPH_AUTH_FILE": str(self.root / "auth.json"),
               "RALPH_RUNSERVER_BACKEND": "fs",
               "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.root / "data"),
               "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": str(self.root / "data")}
        log = open(self.root / "lrs.log", "ab")  # noqa: SIM115 (kept open with the process)
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("lrs_server.py")), str(self.port)],
            env=env, stdout=log, stderr=log, cwd=self.root)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.port}/__lbheartbeat__", timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError("the LRS did not start: "
                           + (self.root / "lrs.log").read_text(errors="replace")[-2000:])

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None

    def stored_ids(self) -> list[str]:
        """The ids of the statements in the LRS's file, in the order they arrived."""
        path = self.root / "data" / "fs_lrs.jsonl"
        if not path.exists():
            return []
        return [json.loads(line)["id"] for line in path.read_text().splitlines() if line]

    def statements(self) -> list[dict]:
        """Every statement the LRS holds (through its own query API)."""
        request = urllib.request.Request(
            self.endpoint + "statements?limit=1000&ascending=true",
            headers={"X-Experience-API-Version": "1.0.3", "Authorization": "Basic " +
                     base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["statements"]
