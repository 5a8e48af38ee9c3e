"""xAPI: statements about what learners do, kept in an outbox and sent to a Learning Record
Store in the order they happened.

`record` adds a statement to the outbox in the caller's transaction (so a statement exists
exactly when what it describes was committed). `send_pending` posts unsent statements oldest
first, in batches; a batch is marked sent only when the LRS accepted it. When the LRS is down
or refuses, sending stops at the first unsent statement (later ones wait behind it, so order is
kept), the error is kept on it, and the next run starts there again: nothing is lost and
nothing is reordered. A statement the LRS already holds (409 on a resend after a lost reply)
counts as sent. Run `flask --app lms send-xapi` every minute (cron or a worker).
"""

import base64
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from lms.core import clock
from reports.models import XapiStatement

VERBS = {
    "launched": "http://adlnet.gov/expapi/verbs/launched",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "scored": "http://adlnet.gov/expapi/verbs/scored",
    "earned": "http://id.tincanapi.com/verb/earned",
}
XAPI_VERSION = "1.0.3"
BATCH = 50
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Lrs:
    """Where statements go: the LRS endpoint (statements are posted to endpoint +
    "statements") and its Basic credentials."""

    endpoint: str
    username: str = ""
    password: str = ""

    @property
    def statements_url(self) -> str:
        return self.endpoint.rstrip("/") + "/statements"


def statement(person, verb: str, activity_id: str, name: str, *, result: dict | None = None,
              activity_type: str = "", extensions: dict | None = None,
              at: datetime | None = None) -> dict:
    """One xAPI statement: `person` (name and mailbox) `verb` the activity."""
    body = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": person.name, "mbox": f"mailto:{person.email}"},
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": activity_id,
                   "definition": {"name": {"en-US": name}}},
        "timestamp": (at or clock.now()).isoformat(),
    }
    if activity_type:
        body["object"]["definition"]["type"] = activity_type
    if result:
        body["result"] = result
    if extensions:
        body["context"] = {"extensions": extensions}
    return body


def score_result(score, passed: bool | None = None, completed: bool | None = None) -> dict:
    """An xAPI result for a 0–100 score (scaled 0–1, raw, min 0, max 100)."""
    result: dict = {}
    if score is not None:
        value = float(score)
        result["score"] = {"scaled": round(value / 100, 4), "raw": value, "min": 0, "max": 100}
    if passed is not None:
        result["success"] = passed
    if completed is not None:
        result["completion"] = completed
    return result


def record(session, body: dict) -> XapiStatement:
    """Put a statement in the outbox (in the caller's transaction)."""
    row = XapiStatement(statement_id=body["id"], statement=body, created_at=clock.now())
    session.add(row)
    session.flush()
    return row


@dataclass
class SendReport:
    sent: int
    pending: int
    error: str = ""


def _post(lrs: Lrs, bodies: list[dict]) -> int:
    request = urllib.request.Request(
        lrs.statements_url, data=json.dumps(bodies).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION})
    if lrs.username:
        token = base64.b64encode(f"{lrs.username}:{lrs.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _pending(session, limit: int) -> list[XapiStatement]:
    return list(session.scalars(select(XapiStatement).where(XapiStatement.sent_at.is_(None))
                                .order_by(XapiStatement.id).limit(limit)))


def _failed(rows: list[XapiStatement], message: str) -> None:
    rows[0].tries += 1
    rows[0].last_error = message[:2000]


def send_pending(session, lrs: Lrs, batch: int = BATCH, commit=None) -> SendReport:
    """Send every unsent statement, oldest first; stops at the first failure (see the module
    docstring). `commit` (the caller's) is called after each accepted batch, so a crash
    half-way loses nothing and resends nothing already acknowledged."""
    sent = 0
    error = ""
    while True:
        rows = _pending(session, batch)
        if not rows:
            break
        try:
            status = _post(lrs, [row.statement for row in rows])
        except (urllib.error.URLError, OSError, TimeoutError) as problem:
            error = f"the LRS could not be reached: {problem}"
            _failed(rows, error)
            break
        if status == 409 and len(rows) > 1:
            batch = 1  # one of them is already there: find it one by one
            continue
        if status not in (200, 204, 409):
            error = f"the LRS answered HTTP {status}"
            _failed(rows, error)
            break
        now = clock.now()
        for row in rows:
            row.sent_at = now
            row.last_error = ""
        sent += len(rows)
        session.flush()
        if commit is not None:
            commit()
    session.flush()
    pending = session.scalar(select(func.count()).select_from(XapiStatement)
                             .where(XapiStatement.sent_at.is_(None)))
    return SendReport(sent=sent, pending=pending, error=error)
