"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.competencies import views

bp = Blueprint("competencies", __name__)

# lms.competencies.views
bp.add_url_rule("/matrix", view_func=views.matrix, methods=["GET"])
bp.add_url_rule("/admin/matrix", view_func=views.matrix_edit, methods=["GET", "POST"])
bp.add_url_rule("/admin/framework", view_func=views.admin_framework, methods=["GET"])
bp.add_url_rule("/admin/framework/areas/new", view_func=views.area_form, methods=["GET", "POST"],
                defaults={"area_id": None})
bp.add_url_rule("/admin/framework/areas/<int:area_id>/edit", view_func=views.area_form,
                methods=["GET", "POST"])
bp.add_url_rule("/admin/framework/competencies/new", view_func=views.competency_form,
                methods=["GET", "POST"], defaults={"competency_id": None})
bp.add_url_rule("/admin/framework/competencies/<int:competency_id>/edit",
                view_func=views.competency_form, methods=["GET", "POST"])
bp.add_url_rule("/admin/framework/scale/<int:level>/edit", view_func=views.level_form,
                methods=["GET", "POST"])
bp.add_url_rule("/admin/framework/scale/new", view_func=views.level_add, methods=["GET", "POST"])
bp.add_url_rule("/admin/framework/scale/remove-top", view_func=views.level_remove_top,
                methods=["POST"])
bp.add_url_rule("/paths/<int:path_id>", view_func=views.path_requirements, methods=["GET"])
