"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.core.routes import add_rules
from lms.kpis import views

bp = Blueprint("kpis", __name__)

# lms.kpis.views
add_rules(bp, {"views": views}, """
    GET       /admin/kpis                     views.admin_kpis
    GET POST  /admin/kpis/new                 views.kpi_form  kpi_id=None
    GET POST  /admin/kpis/<int:kpi_id>/edit   views.kpi_form
    GET POST  /admin/kpis/requirements        views.kpi_requirements
    POST      /admin/kpis/requirements/<int:requirement_id>/remove  views.kpi_requirement_remove
    GET POST  /kpis/import                    views.import_kpis
    GET       /plans                          views.plan_list
    GET POST  /plans/<int:plan_id>            views.plan_page
    POST      /plans/<int:plan_id>/close      views.plan_close
""")
