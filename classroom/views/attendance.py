"""The trainer's register (a phone-sized page), its confirmation, the QR screen, check-in
and the paper sign-in sheet."""

import segno
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from classroom.forms import ATTENDANCE_LABELS, CheckinForm, ConfirmForm, RegisterForm
from classroom.models import ATTENDANCE_STATES, TrainingSession
from classroom.services import attendance, sheets
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.pdf import MissingGlyphs
from lms.core.policy import authorize
from lms.core.requests import render_form, unit_of_work
from lms.core.urls import public_url


def _session(session_id: int) -> TrainingSession:
    row = db.get_or_404(TrainingSession, session_id)
    authorize("classroom.register", row)
    return row


def _marks(row: TrainingSession) -> list[attendance.Mark]:
    marks = []
    for person, _record in attendance.register_lines(db.session, row):
        status = request.form.get(f"status-{person.id}")
        if not status:
            continue
        try:
            minutes = int(request.form.get(f"minutes-{person.id}") or 0)
        except ValueError:
            raise DomainError(_("Minutes attended must be a whole number."),
                              field="reason") from None
        marks.append(attendance.Mark(person.id, status, minutes))
    return marks


def _save(row: TrainingSession, reason: str) -> int:
    return attendance.save_register(db.session, current_user, row, _marks(row), reason)


@login_required
def register(session_id: int):
    row = _session(session_id)
    form = RegisterForm()
    if form.validate_on_submit():
        done = unit_of_work(_save, row, form.reason.data or "", form=form)
        if done:
            flash(_("Register saved (%(count)d changed).", count=done.value), "success")
            return redirect(url_for("classroom.register", session_id=row.id))
    return render_form("classroom/register.html", form, row=row,
                       lines=attendance.register_lines(db.session, row),
                       states=ATTENDANCE_STATES, labels=ATTENDANCE_LABELS,
                       confirm_form=ConfirmForm(formdata=None))


@login_required
def register_confirm(session_id: int):
    row = _session(session_id)
    if ConfirmForm().validate_on_submit():
        if unit_of_work(attendance.confirm_register, db.session, current_user, row):
            flash(_("The register is confirmed."), "success")
    return redirect(url_for("classroom.register", session_id=row.id))


@login_required
def qr_screen(session_id: int):
    row = _session(session_id)
    code, left = attendance.current_code(row)
    return render_template("classroom/qr.html", row=row, code=code, left=left,
                           open=attendance.checkin_open(row))


def _checkin_url(row: TrainingSession, code: str) -> str:
    return public_url(url_for("classroom.checkin", session_id=row.id, code=code))


@login_required
def qr_image(session_id: int):
    row = _session(session_id)
    code, left = attendance.current_code(row)
    svg = segno.make(_checkin_url(row, code), error="m").svg_inline(scale=8, border=2)
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Cache-Control": "no-store", "X-Code": code,
                             "X-Seconds-Left": str(left)})


@login_required
def checkin(session_id: int, code: str):
    row = db.get_or_404(TrainingSession, session_id)
    form = CheckinForm()
    if not form.is_submitted():
        form.code.data = code
    if form.validate_on_submit():
        if unit_of_work(attendance.check_in, db.session, current_user, row, form.code.data,
                        form=form):
            flash(_("You are checked in."), "success")
            return redirect(url_for("classroom.event_detail", event_id=row.event_id))
    return render_form("classroom/checkin.html", form, row=row)


@login_required
def sign_in_sheet(session_id: int):
    row = _session(session_id)
    try:
        data = sheets.sign_in_pdf(db.session, row)
    except MissingGlyphs as error:
        flash(error.describe(), "error")
        return redirect(url_for("classroom.register", session_id=row.id))
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="sign-in-{row.id}.pdf"'})
