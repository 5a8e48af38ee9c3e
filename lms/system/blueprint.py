"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.core.routes import add_rules
from lms.system import views

bp = Blueprint("system", __name__)

# lms.system.views
add_rules(bp, {"views": views}, """
    GET  /admin/system  views.system_page
    GET POST  /admin/organisation  views.organisation_page
""")
