"""The paper sign-in sheet: HTML first (plain values), then WeasyPrint (lms.core.pdf)."""

from zoneinfo import ZoneInfo

from flask import render_template
from markupsafe import Markup

from classroom.models import TrainingSession
from classroom.services.attendance import seat_holders
from lms.core.fonts import PDF_FONT_STACK
from lms.core.pdf import html_to_pdf


def sign_in_context(session, row: TrainingSession) -> dict:
    """Plain values of the sheet: the session's title, local times and the seat holders."""
    tz = ZoneInfo(row.timezone)
    return {
        "font": Markup(PDF_FONT_STACK), "title": row.event.tr("title"), "topic": row.title,
        "day": row.starts_at.astimezone(tz).strftime("%Y-%m-%d"),
        "starts": row.starts_at.astimezone(tz).strftime("%H:%M"),
        "ends": row.ends_at.astimezone(tz).strftime("%H:%M"), "zone": row.timezone,
        "room": row.room, "trainers": ", ".join(t.name for t in row.trainers),
        "people": [{"name": p.name, "employee_id": p.employee_id,
                    "team": p.team.name if p.team else ""}
                   for p in seat_holders(session, row)],
    }


def sign_in_html(session, row: TrainingSession) -> str:
    return render_template("classroom/sign_in_pdf.html", **sign_in_context(session, row))


def sign_in_pdf(session, row: TrainingSession) -> bytes:
    """The sheet as PDF; raises MissingGlyphs when a name cannot be drawn."""
    return html_to_pdf(sign_in_html(session, row))
