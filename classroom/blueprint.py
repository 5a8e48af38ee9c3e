"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from classroom.services.invitations import when
from classroom.views import attendance, calendar, events, hours, practice
from lms.core.routes import add_rules

bp = Blueprint("classroom", __name__, url_prefix="/classroom")

add_rules(bp, {"events": events, "attendance": attendance, "calendar": calendar,
               "practice": practice, "hours": hours}, """
    GET       ""                                     events.mine
    GET       /events                                events.event_list
    GET POST  /events/new                            events.event_settings  event_id=None
    GET POST  /events/<int:event_id>/settings        events.event_settings
    GET       /events/<int:event_id>                 events.event_detail
    POST      /events/<int:event_id>/sessions        events.session_add
    POST      /events/<int:event_id>/enrol           events.event_enrol
    POST      /events/<int:event_id>/signup          events.event_signup
    POST      /events/<int:event_id>/cancel          events.event_cancel
    POST      /places/<int:enrolment_id>/cancel      events.place_cancel
    # classroom.views.attendance
    GET POST  /sessions/<int:session_id>/register    attendance.register
    POST      /sessions/<int:session_id>/confirm     attendance.register_confirm
    GET       /sessions/<int:session_id>/qr          attendance.qr_screen
    GET       /sessions/<int:session_id>/qr.svg      attendance.qr_image
    GET POST  /checkin/<int:session_id>/<code>       attendance.checkin
    GET       /sessions/<int:session_id>/sign-in.pdf attendance.sign_in_sheet
    # classroom.views.calendar
    GET       /events/<int:event_id>.ics             calendar.event_ics
    GET POST  /feed                                  calendar.feed_settings
    GET       /feed/<token>.ics                      calendar.feed
    # classroom.views.practice
    GET       /mentoring                             practice.mentoring_page
    POST      /mentoring/plan                        practice.mentoring_plan
    POST      /mentoring/log                         practice.mentoring_log
    POST      /mentoring/<int:meeting_id>/confirm    practice.mentoring_confirm
    GET       /rotation                              practice.rotation_page
    POST      /rotation/log                          practice.rotation_log
    POST      /rotation/<int:shift_id>/confirm       practice.rotation_confirm
    # classroom.views.hours
    GET       /hours                                 hours.my_hours
    GET       /hours/report                          hours.hours_report
    POST      /hours/target                          hours.hours_target
    GET       /hours/report.csv                      hours.hours_export
""")

bp.add_app_template_filter(when, "session_when")
