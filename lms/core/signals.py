"""Signals the assessment kinds send, so higher packages (certificates, reports) can react
without the kinds importing them.

    result_recorded.send(kind_key, session=…, person_id=…, source_id=…)

is sent by a kind after it has written (or replaced) a result's competency evidence and flushed:
a finished quiz attempt, a released role-play grade, a closed 360 cycle's weighted scores.
Receivers work inside the caller's transaction: they may flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

result_recorded = _signals.signal("result-recorded")
