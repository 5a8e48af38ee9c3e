"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.competencies import views
from lms.core.routes import add_rules

bp = Blueprint("competencies", __name__)

# lms.competencies.views
add_rules(bp, {"views": views}, """
    GET       /matrix                                     views.matrix
    GET POST  /admin/matrix                               views.matrix_edit
    GET       /admin/framework                            views.admin_framework
    GET POST  /admin/framework/areas/new                  views.area_form  area_id=None
    GET POST  /admin/framework/areas/<int:area_id>/edit   views.area_form
    GET POST  /admin/framework/competencies/new           views.competency_form  competency_id=None
    GET POST  /admin/framework/competencies/<int:competency_id>/edit
                                                          views.competency_form
    GET POST  /admin/framework/scale/<int:level>/edit     views.level_form
    GET POST  /admin/framework/scale/new                  views.level_add
    POST      /admin/framework/scale/remove-top           views.level_remove_top
    GET POST  /admin/framework/evidence-weights           views.evidence_weights
    GET       /paths/<int:path_id>                        views.path_requirements
""")
