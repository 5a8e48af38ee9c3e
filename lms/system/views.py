"""The admin's System page: the deployment checks, as `flask --app lms doctor` prints them."""

from flask import current_app, render_template

from lms.core import fonts
from lms.core.policy import require
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
