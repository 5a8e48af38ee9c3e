"""Calendar files: one event's .ics and each person's subscribable feed."""

from flask import Response, abort, render_template, request
from flask_login import current_user, login_required

from classroom.forms import ConfirmForm
from classroom.models import CalendarFeed, TrainingEvent
from classroom.services import calendar
from lms.core.extensions import db
from lms.core.i18n import in_language, language_of
from lms.core.requests import unit_of_work
from lms.core.urls import public_url

ICS = "text/calendar; charset=utf-8"


@login_required
def event_ics(event_id: int):
    event = db.get_or_404(TrainingEvent, event_id)
    return Response(calendar.event_calendar(event), mimetype=ICS, headers={
        "Content-Disposition": f'attachment; filename="training-{event.id}.ics"'})


@login_required
def feed_settings():
    """The feed page; POST action=new makes a new address (shown once), action=revoke ends
    it."""
    form = ConfirmForm()
    address = None
    if form.validate_on_submit():
        if request.form.get("action") == "revoke":
            unit_of_work(calendar.revoke_feed, db.session, current_user)
        else:
            done = unit_of_work(calendar.new_feed, db.session, current_user)
            if done:
                address = public_url(f"/classroom/feed/{done.value}.ics")
    has_feed = db.session.get(CalendarFeed, current_user.id) is not None
    return render_template("classroom/feed.html", form=form, address=address,
                           has_feed=has_feed)


def feed(token: str):
    """The person's sessions as iCalendar, for calendar apps (no sign-in: the token is the
    key)."""
    person = calendar.feed_owner(db.session, token)
    if person is None:
        abort(404)
    with in_language(language_of(person)):
        body = calendar.calendar_for(calendar.person_sessions(db.session, person.id),
                                     calendar.feed_name())
    return Response(body, mimetype=ICS, headers={"Cache-Control": "private, no-store"})
