"""Answering a questionnaire: colleagues from their invitation (signed in), external raters
through their one-time link (no account; the page shows that questionnaire and nothing else)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assessments.review360.forms import ConfirmForm
from assessments.review360.models import Rater
from assessments.review360.services import nominations, questionnaires, responses
from lms.core.errors import DomainError
from lms.core.extensions import db, limiter
from lms.core.i18n import current_language
from lms.core.policy import authorize
from lms.core.requests import form_status, unit_of_work


def _posted_answers() -> dict[str, str]:
    """{item id: value} from the form's item-<id> fields (checked by the service)."""
    return {key.removeprefix("item-"): value for key, value in request.form.items()
            if key.startswith("item-")}


def _page(rater: Rater, action: str, values: dict, error: str | None = None,
          status: int = 200, external: bool = False):
    version = rater.subject.version
    return render_template(
        "assessments/review360/respond.html", rater=rater, subject=rater.subject,
        version=version, anchors=questionnaires.anchors_for(version, current_language()),
        values=values, error=error, action=action, form=ConfirmForm(), external=external,
        points=list(range(version.scale_min, version.scale_max + 1))), status


def _handle(rater: Rater, actor, action: str, external: bool):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    posted = _posted_answers()
    submit = request.form.get("intent") == "submit"
    saved = unit_of_work(responses.save, db.session, actor, rater, posted, submit=submit,
                         external=external, form=form)
    if not saved:
        values = {int(k): v for k, v in posted.items() if k.isdigit()}
        return _page(rater, action, values, saved.error.message, form_status(form), external)
    if submit:
        return render_template("assessments/review360/thanks.html", subject=rater.subject,
                               external=external)
    flash(_("Draft saved. You can come back and finish before the cycle closes."),
          "success")
    return redirect(action)


@login_required
def respond(rater_id: int):
    rater = db.session.get(Rater, rater_id)
    if rater is None:
        abort(404)
    authorize("review360.respond", rater)
    action = url_for("review360.respond", rater_id=rater.id)
    if request.method == "POST":
        return _handle(rater, current_user, action, external=False)
    if rater.submitted:
        return render_template("assessments/review360/thanks.html", subject=rater.subject,
                               external=False, already=True)
    try:
        responses.check_may_answer(current_user, rater)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("review360.mine"))
    return _page(rater, action, responses.draft_values(rater))


@limiter.limit("30 per minute")
def respond_external(token: str):
    try:
        rater = nominations.rater_for_token(db.session, token)
    except nominations.DeadLink as dead:
        status = {"used": 200, "not_open": 200, "expired": 410, "unknown": 404}[dead.reason]
        return render_template("assessments/review360/link_dead.html", message=dead.message,
                               reason=dead.reason), status
    action = url_for("review360.respond_external", token=token)
    if request.method == "POST":
        return _handle(rater, None, action, external=True)
    return _page(rater, action, responses.draft_values(rater), external=True)
