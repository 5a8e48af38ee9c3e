"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.core.routes import add_rules
from lms.paths import views

bp = Blueprint("paths", __name__)

# lms.paths.views
add_rules(bp, {"views": views}, """
    GET       /paths                                                 views.index
    GET       /admin/paths                                           views.admin_paths
    GET POST  /admin/paths/new                                       views.path_form  path_id=None
    GET POST  /admin/paths/<int:path_id>/edit                        views.path_form
    GET POST  /admin/paths/<int:path_id>/slots/new                   views.slot_form  slot_id=None
    GET POST  /admin/paths/<int:path_id>/slots/<int:slot_id>/edit    views.slot_form
    GET POST  /admin/paths/<int:path_id>/slots/<int:slot_id>/remove  views.slot_remove
""")
