"""Signals courses sends, so higher packages (certificates) can react without courses
importing them.

    course_completed.send(session, person_id=…, course_id=…)

is sent once a person's enrolment in a course becomes completed, after the flush;

    course_started.send(session, person_id=…, course_id=…)

once they complete the first lesson of a course (a person 10 % through a course is in
training, which the certification standing shows). Receivers
work inside the caller's transaction: they may flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

course_completed = _signals.signal("course-completed")
course_started = _signals.signal("course-started")
