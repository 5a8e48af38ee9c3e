"""Signals of the quiz package, for higher packages (reports: xAPI) to react to.

    attempt_finished.send(session, attempt=…)   an attempt was submitted (or ran out of time)
                                                and its automatic questions graded
    essay_graded.send(session, attempt=…, question=…, finalised=…)
                                                a grader marked an essay; `finalised` when
                                                this grade made the attempt's score final

Receivers work inside the caller's transaction: they may flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

attempt_finished = _signals.signal("quiz-attempt-finished")
essay_graded = _signals.signal("quiz-essay-graded")
