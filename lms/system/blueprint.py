"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.system import views

bp = Blueprint("system", __name__)

# lms.system.views
bp.add_url_rule("/admin/system", view_func=views.system_page, methods=["GET"])
