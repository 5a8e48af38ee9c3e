"""The HR table's column chooser: the reader's choice is kept per person, then they go back
to the table they were on."""

from urllib.parse import parse_qsl

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.core.extensions import db
from lms.core.policy import require
from lms.core.requests import unit_of_work
from reports.forms import ColumnsForm
from reports.services.columns import choose_columns


@require("reports.view")
def choose():
    form = ColumnsForm()
    if form.validate_on_submit() and unit_of_work(
            choose_columns, db.session, current_user.id, form.shown.data or []):
        flash(_("The table shows the columns you chose."), "success")
    elif form.errors:
        flash(_("Those columns could not be kept: choose from the list."), "error")
    # Back to the same filters, sort and page: the posted query string is parsed and
    # written again by url_for, so nothing but query arguments (no newline, no other site)
    # reaches the Location header.
    back = dict(parse_qsl(request.form.get("back", "")))
    return redirect(url_for("reports.dashboard", **back))
