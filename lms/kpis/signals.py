"""Signals of the KPI package, so higher packages (certificates, improvement plans) react to
new KPI values without this package importing them.

    kpi_values_recorded.send(session, person_ids=[…])

is sent after an import has written values and their evidence and flushed. Receivers work
inside the caller's transaction: they may flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

kpi_values_recorded = _signals.signal("kpi-values-recorded")
