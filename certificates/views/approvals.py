"""Approvals: the awards waiting for the viewer's decision, and the decision."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from certificates.forms import DecisionForm
from certificates.models import AwardApproval
from certificates.services import awards
from certificates.services import settings as services
from lms.core.extensions import db
from lms.core.policy import authorize, require
from lms.core.requests import unit_of_work


@require("certificates.approve")
def approvals():
    items = services.pending_approvals(db.session, current_user)
    return render_template("certificates/approvals.html", items=items, form=DecisionForm())


@require("certificates.approve")
def decide(approval_id: int):
    approval = db.get_or_404(AwardApproval, approval_id)
    authorize("certificates.approve", approval)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose approve or decline."), "error")
        return redirect(url_for("certificates.approvals"))
    decided = unit_of_work(awards.decide_approval, db.session, current_user, approval,
                           form.decision.data == "approve", form.reason.data or "")
    if decided and decided.value is not None:
        flash(_("Certificate %(serial)s has been issued.", serial=decided.value.serial),
              "success")
    elif decided:
        flash(_("The request has been declined."), "success")
    return redirect(url_for("certificates.approvals"))
