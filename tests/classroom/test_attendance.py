"""Attendance: QR codes that change every 30 s and only work during the session, replay
refused; the register, its confirmation and audited changes; the sign-in sheet; the path's
programme requirement."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from certificates.models import CertificationEvaluation
from certificates.services.awards import evaluate_person
from certificates.services.missing import describe_all
from classroom.models import Attendance
from classroom.services import attendance, enrolment, sheets
from classroom.services.attendance import Mark
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.core.pdf import document_text
from lms.paths.models import AssessmentSlot
from tests.conftest import PASSWORD

# The default session: 8 December 2026, 09:00–17:00 Asia/Shanghai = 01:00–09:00 UTC.
START = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


@pytest.fixture
def seated(db, make_event, make_person, hr):
    event = make_event()
    people = [make_person(name="Ann Agent"), make_person(name="李娜")]
    enrolment.enrol(db.session, hr, event.id, people)
    db.session.commit()
    return event.sessions[0], people


def test_code_changes_every_30_seconds(seated):
    row, _people = seated
    at = START + timedelta(seconds=5)
    code, left = attendance.current_code(row, at)
    assert left == 25 and len(code) == 8
    assert attendance.current_code(row, at + timedelta(seconds=24))[0] == code
    assert attendance.current_code(row, at + timedelta(seconds=26))[0] != code


@pytest.mark.parametrize("at", [START - timedelta(minutes=16), START + timedelta(hours=8,
                                                                               seconds=1)])
def test_check_in_outside_the_session_is_refused(db, seated, at):
    row, (ann, _li) = seated
    clock.freeze(at)
    code, _left = attendance.current_code(row)
    with pytest.raises(DomainError, match="only during the session"):
        attendance.check_in(db.session, ann, row, code)
    db.session.rollback()
    assert db.session.scalars(select(Attendance)).all() == []


def test_replayed_or_reused_codes_are_refused(db, seated):
    row, (ann, li) = seated
    clock.freeze(START + timedelta(minutes=2))
    code, _left = attendance.current_code(row)
    record = attendance.check_in(db.session, ann, row, code.lower())
    db.session.commit()
    assert (record.status, record.minutes, record.method) == ("present", 478, "qr")
    with pytest.raises(DomainError, match="already checked in"):
        attendance.check_in(db.session, ann, row, code)
    db.session.rollback()
    # The code photographed and used a minute later by someone else: expired.
    clock.freeze(START + timedelta(minutes=3, seconds=5))
    with pytest.raises(DomainError, match="expired or is wrong"):
        attendance.check_in(db.session, li, row, code)
    db.session.rollback()
    with pytest.raises(DomainError, match="expired or is wrong"):
        attendance.check_in(db.session, li, row, "ABCDEFGH")
    db.session.rollback()
    # The code of the step before still works (a scan at the turn of a step).
    previous = attendance.code_for(row, attendance.step_at(clock.now()) - 1)
    late = attendance.check_in(db.session, li, row, previous)
    assert late.status == "present"


def test_late_check_in_counts_the_minutes_left(db, seated):
    row, (ann, _li) = seated
    clock.freeze(START + timedelta(minutes=30))
    record = attendance.check_in(db.session, ann, row, attendance.current_code(row)[0])
    assert (record.status, record.minutes) == ("late", 450)


def test_no_seat_no_check_in(db, seated, make_person):
    row, _people = seated
    stranger = make_person()
    clock.freeze(START)
    with pytest.raises(DomainError, match="do not have a seat"):
        attendance.check_in(db.session, stranger, row, attendance.current_code(row)[0])


def test_check_in_through_the_page(db, client, seated):
    row, (ann, _li) = seated
    clock.freeze(START + timedelta(minutes=1))
    code = attendance.current_code(row)[0]
    client.post("/login", data={"login": ann.email, "password": PASSWORD})
    url = f"/classroom/checkin/{row.id}/{code}"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"code": code}).status_code == 302
    again = client.post(url, data={"code": code})
    assert again.status_code == 422 and "already checked in" in again.get_data(as_text=True)


def test_register_confirmation_and_audited_changes(db, seated, trainer):
    row, (ann, li) = seated
    clock.freeze(START + timedelta(hours=1))
    assert attendance.save_register(db.session, trainer, row,
                                    [Mark(ann.id, "present", 480)]) == 1
    attendance.confirm_register(db.session, trainer, row)
    db.session.commit()
    lines = {p.id: r for p, r in attendance.register_lines(db.session, row)}
    assert (lines[li.id].status, lines[li.id].minutes) == ("absent", 0)
    with pytest.raises(DomainError, match="give a reason"):
        attendance.save_register(db.session, trainer, row, [Mark(li.id, "late", 300)])
    db.session.rollback()
    with pytest.raises(DomainError, match="between 0 and 480"):
        attendance.save_register(db.session, trainer, row, [Mark(li.id, "late", 481)], "x")
    db.session.rollback()
    attendance.save_register(db.session, trainer, row, [Mark(li.id, "late", 300)],
                             "Came after the doctor's appointment")
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "classroom.attendance_change"))
    assert entry.reason == "Came after the doctor's appointment"
    assert entry.details["old"] == {"status": "absent", "minutes": 0}
    assert entry.details["new"] == {"status": "late", "minutes": 300}
    with pytest.raises(DomainError, match="already confirmed"):
        attendance.confirm_register(db.session, trainer, row)


def test_register_page_access_and_post(db, client, seated, trainer, make_person):
    row, (ann, li) = seated
    clock.freeze(START + timedelta(hours=1))
    client.post("/login", data={"login": ann.email, "password": PASSWORD})
    assert client.get(f"/classroom/sessions/{row.id}/register").status_code == 403
    client.post("/logout")
    client.post("/login", data={"login": trainer.email, "password": PASSWORD})
    page = client.get(f"/classroom/sessions/{row.id}/register")
    assert page.status_code == 200 and "李娜" in page.get_data(as_text=True)
    posted = client.post(f"/classroom/sessions/{row.id}/register", data={
        f"status-{ann.id}": "present", f"minutes-{ann.id}": "480",
        f"status-{li.id}": "excused", f"minutes-{li.id}": "0"})
    assert posted.status_code == 302
    bad = client.post(f"/classroom/sessions/{row.id}/register", data={
        f"status-{ann.id}": "present", f"minutes-{ann.id}": "lots"})
    assert bad.status_code == 422
    assert client.post(f"/classroom/sessions/{row.id}/confirm").status_code == 302
    db.session.expire_all()
    assert row.confirmed_at is not None


def test_sign_in_sheet_html_and_pdf(db, seated, client, trainer):
    row, _people = seated
    html = sheets.sign_in_html(db.session, row)
    text = document_text(html)
    assert "Ann Agent" in text and "李娜" in text and "09:00–17:00 (Asia/Shanghai)" in text
    client.post("/login", data={"login": trainer.email, "password": PASSWORD})
    response = client.get(f"/classroom/sessions/{row.id}/sign-in.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_programme_requirement_follows_the_confirmed_register(db, make_event, make_person,
                                                              hr, trainer, defaults):
    path = defaults["NEWHIRE"]
    db.session.add(AssessmentSlot(path_id=path.id, code="PROGRAMME",
                                  label="Programme attendance", kind="programme",
                                  reference="path:NEWHIRE", pass_mark=Decimal(90),
                                  position=99))
    db.session.commit()
    event = make_event(sessions=[(date(2026, 12, 8), time(9), time(17)),
                                 (date(2026, 12, 9), time(9), time(17))])
    ann = make_person(name="Ann Agent", tier_id=path.id)
    enrolment.enrol(db.session, hr, event.id, [ann])
    db.session.commit()

    def missing():
        # The stored answer, as "what is missing" shows it: confirming a register re-evaluates
        # the people on it (result_recorded), nothing here asks the rules again.
        stored = db.session.scalar(select(CertificationEvaluation).where(
            CertificationEvaluation.person_id == ann.id,
            CertificationEvaluation.path_id == path.id).execution_options(
                populate_existing=True))
        return [m for m in describe_all(stored.missing) if "Programme" in m]

    evaluate_person(db.session, ann)
    db.session.commit()
    assert missing() == ["Programme attendance 0 %, 90 % required"]
    first, second = event.sessions
    clock.freeze(datetime(2026, 12, 8, 2, 0, tzinfo=UTC))
    attendance.save_register(db.session, trainer, first, [Mark(ann.id, "present", 480)])
    attendance.confirm_register(db.session, trainer, first)
    db.session.commit()
    assert missing() == ["Programme attendance 50 %, 90 % required"]
    clock.freeze(datetime(2026, 12, 9, 2, 0, tzinfo=UTC))
    attendance.save_register(db.session, trainer, second, [Mark(ann.id, "late", 420)])
    attendance.confirm_register(db.session, trainer, second)
    db.session.commit()
    assert missing() == []  # 900 of 960 minutes: 93.75 %

