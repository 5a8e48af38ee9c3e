"""Signals courses sends, so higher packages (certificates) can react without courses
importing them.

    course_completed.send(session, person_id=…, course_id=…)

is sent once a person's enrolment in a course becomes completed, after the flush. Receivers
work inside the caller's transaction: they may flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

course_completed = _signals.signal("course-completed")
