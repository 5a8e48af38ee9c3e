"""Every URL rule of the sign-off kind."""

from flask import Blueprint

from tests.kinds.signoff import views

bp = Blueprint("signoff", __name__, url_prefix="/signoff")

bp.add_url_rule("", view_func=views.signed_off, methods=["GET"])
