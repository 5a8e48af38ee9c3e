"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.paths import views

bp = Blueprint("paths", __name__)

# lms.paths.views
bp.add_url_rule("/paths", view_func=views.index, methods=["GET"])
bp.add_url_rule("/admin/paths", view_func=views.admin_paths, methods=["GET"])
bp.add_url_rule("/admin/paths/new", view_func=views.path_form, methods=["GET", "POST"],
                defaults={"path_id": None})
bp.add_url_rule("/admin/paths/<int:path_id>/edit", view_func=views.path_form,
                methods=["GET", "POST"])
bp.add_url_rule("/admin/paths/<int:path_id>/slots/new", view_func=views.slot_form,
                methods=["GET", "POST"], defaults={"slot_id": None})
bp.add_url_rule("/admin/paths/<int:path_id>/slots/<int:slot_id>/edit", view_func=views.slot_form,
                methods=["GET", "POST"])
bp.add_url_rule("/admin/paths/<int:path_id>/slots/<int:slot_id>/remove",
                view_func=views.slot_remove, methods=["POST"])
