"""A person's transcript: courses, each assessment's score against its pass mark by path, and
certificates, issued in the organisation's name with its own QR code and verification address.

The address carries a token signed with the site's secret (salt "transcript"): the person
and the day the transcript was made. The public page it opens shows the same results as they
stand now, so a reader can hold a printed transcript against the record; a changed token is
simply not found, and a new SECRET_KEY retires every address printed before it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from sqlalchemy import select

from certificates.models import Certificate, CertificationEvaluation
from certificates.services.documents import (
    COLOUR,
    design,
    display_score,
    monogram,
    qr_data_url,
)
from courses.models import Enrollment
from lms.core import clock
from lms.core.i18n import current_language
from lms.core.pdf import PDF_FONT_STACK, html_to_pdf
from lms.core.urls import public_url
from lms.paths.models import CertificationPath
from lms.people.models import Person

SALT = "transcript"


@dataclass(frozen=True)
class AssessmentLine:
    """One assessment of a path: `result` is "passed", "failed", "pending" (no score yet)
    or "weighted" (no mark of its own: it counts towards the composite)."""

    path: str
    label: str
    score: str
    mark: str
    result: str


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def token(person: Person, day: date) -> str:
    """The signed token of this person's transcript made on `day`."""
    return _serializer().dumps([person.id, day.toordinal()])


def verify_url(person: Person, day: date) -> str:
    return public_url(f"/verify/transcript/{token(person, day)}")


def read_token(session, value: str) -> tuple[Person, date] | None:
    """The person and day a token names; None for a changed, foreign or stale token (one
    whose person is gone)."""
    try:
        person_id, day = _serializer().loads(value)
        made_on = date.fromordinal(day)
    except (BadSignature, ValueError, TypeError, OverflowError):
        return None
    person = session.get(Person, person_id) if isinstance(person_id, int) else None
    return (person, made_on) if person is not None else None


def _result(score, mark) -> str:
    if score is None:
        return "pending"
    if mark is None:
        return "weighted"
    return "passed" if Decimal(str(score)) >= Decimal(str(mark)) else "failed"


def assessment_lines(session, person: Person) -> list[AssessmentLine]:
    """Every assessment of every path the person was evaluated on, with its result; a path
    with a composite mark ends with its composite line."""
    lines = []
    for evaluation in session.scalars(select(CertificationEvaluation).where(
            CertificationEvaluation.person_id == person.id)
            .order_by(CertificationEvaluation.path_id)):
        snapshot = evaluation.rules_version.snapshot
        path = session.get(CertificationPath, evaluation.path_id)
        name = path.tr("name") if path is not None else snapshot["path"]
        slots = {s["code"]: s for s in snapshot["slots"] + snapshot["recert"]["slots"]}
        chinese = current_language().startswith("zh")
        for code, score in (evaluation.components or {}).items():
            slot = slots.get(code, {"label": code, "pass_mark": None})
            label = slot.get("label_zh") if chinese and slot.get("label_zh") else slot["label"]
            lines.append(AssessmentLine(name, label, display_score(score),
                                        display_score(slot["pass_mark"]),
                                        _result(score, slot["pass_mark"])))
        mark = snapshot.get("composite_pass_mark")
        if mark is not None:
            lines.append(AssessmentLine(name, _("Composite score"),
                                        display_score(evaluation.composite),
                                        display_score(mark),
                                        _result(evaluation.composite, mark)))
    return lines


def transcript_context(session, person: Person, day: date) -> dict:
    """What the transcript and its verification page show."""
    look = design(session)
    return {
        "person": person, "today": day, "organisation": look.tr("organisation"),
        "monogram": monogram(look.tr("organisation")), "logo": look.logo,
        "primary": look.primary_colour if COLOUR.match(look.primary_colour) else "#1f4e79",
        "enrollments": session.scalars(select(Enrollment).where(
            Enrollment.person_id == person.id, Enrollment.withdrawn.is_(False))
            .order_by(Enrollment.enrolled_at)).all(),
        "assessments": assessment_lines(session, person),
        "certificates": session.scalars(select(Certificate).where(
            Certificate.person_id == person.id)
            .order_by(Certificate.issued_on, Certificate.id)).all(),
    }


def transcript_pdf(session, person: Person) -> bytes:
    """The person's transcript as an A4 PDF, made today."""
    day = clock.today()
    address = verify_url(person, day)
    # Markup: the stack goes into the stylesheet, where HTML escapes are not decoded.
    html = render_template("certificates/transcript_pdf.html", font=Markup(PDF_FONT_STACK),
                           verify_url=address, qr=qr_data_url(address),
                           **transcript_context(session, person, day))
    return html_to_pdf(html)
