"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.core.routes import add_rules
from lms.home import views

bp = Blueprint("home", __name__)

# lms.home.views
add_rules(bp, {"views": views}, """
    GET  /         views.index
    GET  /healthz  views.healthz
""")
