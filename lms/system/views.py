"""The admin's System page: the deployment checks, as `flask --app lms doctor` prints them."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.core import fonts
from lms.core.extensions import db
from lms.core.i18n import ZH
from lms.core.policy import require
from lms.core.requests import render_form, unit_of_work
from lms.system.forms import OrganisationNameForm
from lms.system.services import organisation
from lms.system.services.checks import run_checks, status_labels


@require("system.view")
def system_page():
    results = run_checks(current_app)
    failed = sum(r.status == "failed" for r in results)
    warnings = sum(r.status == "warning" for r in results)
    return render_template("system/system.html", results=results, failed=failed,
                           warnings=warnings, labels=status_labels(),
                           install_command=fonts.INSTALL_COMMAND,
                           font_trouble=any(found.status != "ok"
                                            for found in fonts.script_coverage()))


@require("system.organisation")
def organisation_page():
    """The organisation's name in each language (header, e-mails, badges)."""
    row = organisation.stored(db.session)
    form = OrganisationNameForm(obj=row)
    if row is not None and not form.is_submitted():
        form.name_zh.data = row.translation("name", ZH) or ""
    if form.validate_on_submit() and unit_of_work(
            organisation.save_name, db.session, current_user, form.name.data,
            form.name_zh.data or "", form=form):
        flash(_("The organisation's name has been saved."), "success")
        return redirect(url_for("system.organisation_page"))
    return render_form("system/organisation.html", form)
