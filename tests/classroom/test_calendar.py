"""Calendar files: the .ics parses with icalendar and carries the session's zone; times
around daylight-saving changes; the personal feed and its revocation."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from classroom.services import calendar, enrolment, events
from lms.core.errors import DomainError
from tests.conftest import PASSWORD

BERLIN = "Europe/Berlin"


def _vevents(body: bytes):
    return [c for c in Calendar.from_ical(body).walk("VEVENT")]


def test_event_ics_has_the_local_times_in_the_sessions_zone(db, client, make_event,
                                                             make_person, hr):
    event = make_event()
    agent = make_person()
    enrolment.enrol(db.session, hr, event.id, [agent])
    db.session.commit()
    client.post("/login", data={"login": agent.email, "password": PASSWORD})
    response = client.get(f"/classroom/events/{event.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    [entry] = _vevents(response.data)
    start, end = entry.decoded("dtstart"), entry.decoded("dtend")
    assert str(start.tzinfo) == "Asia/Shanghai"
    assert (start.hour, end.hour) == (9, 17)
    assert start.astimezone(UTC) == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
    assert b"BEGIN:VTIMEZONE" in response.data and b"TZID:Asia/Shanghai" in response.data
    assert str(entry["summary"]) == "New-hire cohort"


def test_sessions_either_side_of_a_dst_change_keep_their_local_time(db, make_event):
    # Berlin leaves summer time on 25 October 2026: 09:00 is 07:00 UTC before, 08:00 after.
    event = make_event(zone=BERLIN, sessions=[(date(2026, 10, 23), time(9), time(12)),
                                               (date(2026, 10, 26), time(9), time(12))])
    before, after = event.sessions
    assert before.starts_at == datetime(2026, 10, 23, 7, 0, tzinfo=UTC)
    assert after.starts_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    entries = _vevents(calendar.event_calendar(event))
    local = [e.decoded("dtstart") for e in entries]
    assert [(d.hour, d.minute) for d in local] == [(9, 0), (9, 0)]
    assert [d.utcoffset().total_seconds() / 3600 for d in local] == [2, 1]
    # A session across the change lasts its real length: 00:00–04:00 on the night is 5 h.
    night = make_event(zone=BERLIN, sessions=[(date(2026, 10, 25), time(0), time(4))])
    assert night.sessions[0].minutes == 5 * 60


@pytest.mark.parametrize(("day", "at", "message"), [
    (date(2026, 3, 29), time(2, 30), "does not exist"),   # spring forward: 02:00 → 03:00
    (date(2026, 10, 25), time(2, 30), "happens twice"),   # fall back: 02:00–03:00 twice
])
def test_local_times_a_clock_change_skips_or_repeats_are_refused(db, make_event, hr, day, at,
                                                                  message):
    event = make_event()
    count = len(event.sessions)
    with pytest.raises(DomainError, match=message):
        events.add_session(db.session, hr, event, events.SessionData(
            day=day, starts=at, ends=time(5), timezone=BERLIN))
    db.session.rollback()
    assert len(event.sessions) == count


def test_unknown_zone_and_end_before_start_are_refused(db, make_event, hr):
    event = make_event()
    with pytest.raises(DomainError, match="Unknown time zone"):
        events.add_session(db.session, hr, event, events.SessionData(
            day=date(2026, 12, 9), starts=time(9), ends=time(10), timezone="Mars/Olympus"))
    with pytest.raises(DomainError, match="end after"):
        events.add_session(db.session, hr, event, events.SessionData(
            day=date(2026, 12, 9), starts=time(10), ends=time(9), timezone="UTC"))


def test_personal_feed_lists_my_sessions_and_stops_when_revoked(db, client, make_event,
                                                                make_person, hr):
    event = make_event(sessions=[(date(2026, 12, 8), time(9), time(12)),
                                 (date(2026, 12, 9), time(9), time(12))])
    other = make_event(title="Not mine")
    agent = make_person()
    enrolment.enrol(db.session, hr, event.id, [agent])
    db.session.commit()
    client.post("/login", data={"login": agent.email, "password": PASSWORD})
    page = client.post("/classroom/feed", data={"action": "new"}).get_data(as_text=True)
    address = page.split('id="feed-address" readonly value="', 1)[1].split('"', 1)[0]
    path = address.split("://", 1)[1].split("/", 1)[1]
    client.post("/logout")
    feed = client.get(f"/{path}")  # calendar apps call without signing in
    assert feed.status_code == 200
    entries = _vevents(feed.data)
    assert len(entries) == 2 and all("Not mine" not in str(e["summary"]) for e in entries)
    assert other.id != event.id
    client.post("/login", data={"login": agent.email, "password": PASSWORD})
    client.post("/classroom/feed", data={"action": "revoke"})
    assert client.get(f"/{path}").status_code == 404
    assert client.get("/classroom/feed/not-a-token.ics").status_code == 404


def test_feed_shows_the_time_in_the_zone_not_the_servers(db, make_event, make_person, hr):
    event = make_event(zone="America/New_York",
                       sessions=[(date(2026, 12, 8), time(8, 30), time(10))])
    agent = make_person()
    enrolment.enrol(db.session, hr, event.id, [agent])
    db.session.commit()
    [entry] = _vevents(calendar.calendar_for(calendar.person_sessions(db.session, agent.id)))
    start = entry.decoded("dtstart")
    assert start.astimezone(ZoneInfo("America/New_York")).hour == 8
    assert start.astimezone(UTC).hour == 13
