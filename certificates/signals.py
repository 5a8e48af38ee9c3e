"""Signals of the certificates package, for higher packages (reports) to react to.

    certificate_issued.send(session, certificate=…)

is sent when a certificate is issued (after it is flushed); receivers may flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

certificate_issued = _signals.signal("certificate-issued")
