"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.core.routes import add_rules
from lms.kpis import plan_views, views

bp = Blueprint("kpis", __name__)

# lms.kpis.views
add_rules(bp, {"views": views}, """
    GET       /admin/kpis                     views.admin_kpis
    GET POST  /admin/kpis/new                 views.kpi_form  kpi_id=None
    GET POST  /admin/kpis/<int:kpi_id>/edit   views.kpi_form
    GET POST  /admin/kpis/requirements        views.kpi_requirements
    POST      /admin/kpis/requirements/<int:requirement_id>/remove  views.kpi_requirement_remove
    GET POST  /kpis/import                    views.import_kpis
""")

# lms.kpis.plan_views
add_rules(bp, {"plan_views": plan_views}, """
    GET       /plans                          plan_views.plan_list
    GET       /plans/report                   plan_views.plan_report
    GET       /plans/report.csv               plan_views.plan_report_csv
    GET POST  /admin/plans/settings           plan_views.plan_settings
    GET POST  /plans/<int:plan_id>            plan_views.plan_page
    POST      /plans/<int:plan_id>/close      plan_views.plan_close
""")
