"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.home import views

bp = Blueprint("home", __name__)

# lms.home.views
bp.add_url_rule("/", view_func=views.index, methods=["GET"])
bp.add_url_rule("/healthz", view_func=views.healthz, methods=["GET"])
