"""Signals of the SCORM package, for higher packages (reports: xAPI) to react to.

    attempt_launched.send(session, attempt=…)   a learner opened the package
    attempt_finished.send(session, attempt=…)   an attempt was completed (or passed/failed)
    statement_received.send(session, attempt=…, statement=…)
                                                an xAPI package sent a statement (checked and
                                                rebuilt) for the Learning Record Store

Receivers work inside the caller's transaction: they may flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

attempt_launched = _signals.signal("scorm-attempt-launched")
attempt_finished = _signals.signal("scorm-attempt-finished")
statement_received = _signals.signal("xapi-statement-received")
