"""Certification path pages (everyone) and their admin screens."""

from flask import Blueprint, render_template

from lms.extensions import db
from lms.paths import services
from lms.paths.models import CertificationPath
from lms.policy import require

bp = Blueprint("paths", __name__)


@bp.get("/paths")
@require("paths.view")
def index():
    return render_template("paths/index.html", paths=services.ordered_paths(db.session))


@bp.get("/paths/<int:path_id>")
@require("paths.view")
def detail(path_id: int):
    path = db.get_or_404(CertificationPath, path_id)
    from lms.competencies.services import framework, matrix

    _paths, required = matrix(db.session)
    return render_template(
        "paths/detail.html", path=path, areas=framework(db.session), required=required,
    )
