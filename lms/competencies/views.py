"""The competency matrix page (everyone) and the framework admin screens."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from lms.competencies import services
from lms.competencies.models import Competency
from lms.errors import DomainError
from lms.extensions import db
from lms.policy import require

bp = Blueprint("competencies", __name__)


@bp.get("/matrix")
@require("matrix.view")
def matrix():
    paths, required = services.matrix(db.session)
    return render_template(
        "competencies/matrix.html", areas=services.framework(db.session), paths=paths,
        required=required, scale=services.scale(db.session),
    )


@bp.route("/admin/matrix", methods=["GET", "POST"])
@require("framework.manage")
def matrix_edit():
    """One grid of selects; every cell is checked and saved in one transaction."""
    paths, required = services.matrix(db.session)
    areas = services.framework(db.session)
    levels = {lvl.level for lvl in services.scale(db.session)}
    form = FlaskForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        competencies = {c.id: c for c in db.session.query(Competency)}
        try:
            for path in paths:
                for competency in competencies.values():
                    raw = request.form.get(f"req-{competency.id}-{path.id}", "")
                    if raw == "":
                        level = None
                    elif raw.isdigit() and int(raw) in levels:
                        level = int(raw)
                    else:
                        errors[f"req-{competency.id}-{path.id}"] = _("Not on the scale.")
                        continue
                    services.set_requirement(db.session, current_user, path, competency, level)
            if errors:
                raise DomainError(_("Some required levels are outside the scale; nothing was "
                                    "saved."))
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template(
                "competencies/matrix_edit.html", areas=areas, paths=paths, required=required,
                scale=services.scale(db.session), form=form, errors=errors,
                submitted=request.form,
            ), 400
        db.session.commit()
        flash(_("The matrix has been saved."), "success")
        return redirect(url_for("competencies.matrix"))
    return render_template(
        "competencies/matrix_edit.html", areas=areas, paths=paths, required=required,
        scale=services.scale(db.session), form=form, errors=errors, submitted=None,
    )


