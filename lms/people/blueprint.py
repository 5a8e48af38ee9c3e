"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.people import views

bp = Blueprint("people", __name__)

# lms.people.views
bp.before_app_request(views.end_idle_or_old_sessions)
bp.add_url_rule("/login", view_func=views.login, methods=["GET", "POST"])
bp.add_url_rule("/logout", view_func=views.logout, methods=["POST"])
bp.add_url_rule("/account", view_func=views.account, methods=["GET", "POST"])
bp.add_url_rule("/language", view_func=views.set_language, methods=["POST"])
bp.add_url_rule("/reset/<token>", view_func=views.reset_password, methods=["GET", "POST"])
bp.add_url_rule("/people", view_func=views.people_list, methods=["GET"])
bp.add_url_rule("/people/<int:person_id>", view_func=views.person_detail, methods=["GET"])
bp.add_url_rule("/admin/people/new", view_func=views.person_new, methods=["GET", "POST"])
bp.add_url_rule("/admin/people/<int:person_id>/edit", view_func=views.person_edit,
                methods=["GET", "POST"])
bp.add_url_rule("/admin/people/<int:person_id>/active", view_func=views.person_set_active,
                methods=["POST"])
bp.add_url_rule("/admin/people/<int:person_id>/reset-link", view_func=views.person_reset_link,
                methods=["POST"])
bp.add_url_rule("/admin/teams", view_func=views.teams, methods=["GET"])
bp.add_url_rule("/admin/teams/new", view_func=views.team_form, methods=["GET", "POST"],
                defaults={"team_id": None})
bp.add_url_rule("/admin/teams/<int:team_id>/edit", view_func=views.team_form,
                methods=["GET", "POST"])
bp.add_url_rule("/admin/people/import", view_func=views.import_people, methods=["GET", "POST"])
