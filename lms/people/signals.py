"""Signals that packages above lms/ listen to, so lms/ never imports them.

    tier_changed.send(session, actor=…, people=[…])

is sent after people were placed on a tier (created with one, moved to another, imported) and
flushed. Receivers work inside the caller's transaction: they flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

tier_changed = _signals.signal("tier-changed")
