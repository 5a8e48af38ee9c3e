"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.core.routes import add_rules
from lms.people import views

bp = Blueprint("people", __name__)

# lms.people.views
bp.before_app_request(views.end_idle_or_old_sessions)
add_rules(bp, {"views": views}, """
    GET POST  /login                                    views.login
    POST      /logout                                   views.logout
    GET POST  /account                                  views.account
    POST      /language                                 views.set_language
    GET POST  /reset/<token>                            views.reset_password
    GET       /people                                   views.people_list
    GET       /people/<int:person_id>                   views.person_detail
    GET POST  /admin/people/new                         views.person_new
    GET       /admin/people/lookup                      views.person_lookup
    GET POST  /admin/people/<int:person_id>/edit        views.person_edit
    POST      /admin/people/<int:person_id>/active      views.person_set_active
    POST      /admin/people/<int:person_id>/reset-link  views.person_reset_link
    GET       /admin/teams                              views.teams
    GET POST  /admin/teams/new                          views.team_form  team_id=None
    GET POST  /admin/teams/<int:team_id>/edit           views.team_form
    GET POST  /admin/people/import                      views.import_people
""")
