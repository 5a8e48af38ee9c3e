"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint, current_app

from lms.core.extensions import limiter
from lms.core.routes import add_rules
from reports.services.api import BadParameter
from reports.views import api as api_views
from reports.views import audit, columns, dashboard, exports, heatmap, kpis, pack, tokens

bp = Blueprint("reports", __name__, url_prefix="/reports")
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

# reports.views.dashboard
add_rules(bp, {
    "audit": audit,
    "columns": columns,
    "dashboard": dashboard,
    "exports": exports,
    "heatmap": heatmap,
    "kpis": kpis,
    "pack": pack,
    "tokens": tokens,
}, """
    GET       /                                        dashboard.dashboard
    POST      /columns                                 columns.choose  endpoint=columns
    # reports.views.exports
    GET       /export.csv                              exports.export_csv
    GET       /export.xlsx                             exports.export_xlsx
    # reports.views.heatmap
    GET       /heatmap                                 heatmap.heatmap_page  endpoint=heatmap
    GET       /people/<int:person_id>/evidence         heatmap.person_evidence
    # reports.views.kpis
    GET       /kpi-trend                               kpis.kpi_trend
    GET       /training-impact                         kpis.training_impact_page
                                                       endpoint=training_impact
    GET       /group-figures                           kpis.group_figures_page
                                                       endpoint=group_figures
    GET       /group-figures.csv                       kpis.group_figures_csv
    # reports.views.pack
    GET       /people/<int:person_id>/review-pack.pdf  pack.review_pack_pdf  endpoint=review_pack
    POST      /teams/<int:team_id>/review-packs        pack.team_packs  endpoint=team_packs
    GET       /review-packs/<int:job_id>               pack.pack_job
    GET       /review-packs/<int:job_id>.json          pack.pack_job_progress
    GET       /review-packs/<int:job_id>/download      pack.pack_job_download
    # reports.views.audit
    GET       /audit                                   audit.audit_log_page  endpoint=audit_log
    GET       /audit.csv                               audit.audit_log_csv  endpoint=audit_log_csv
    # reports.views.tokens
    GET       /api-tokens                              tokens.api_tokens
    GET POST  /api-tokens/new                          tokens.api_token_new
    POST      /api-tokens/<int:token_id>/revoke        tokens.api_token_revoke
""")

# reports.views.api
limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", api_views.DEFAULT_RATE_LIMIT),
              key_func=api_views.rate_key)(api_bp)
# Registered per code: Flask prefers the app's handler for a code over a blueprint's
# handler for HTTPException in general.
for _code in (400, 403, 404, 405, 413, 429, 500):
    api_bp.register_error_handler(_code, api_views.http_error)
api_bp.before_request(api_views.authenticate)
api_bp.after_request(api_views.no_store)
api_bp.errorhandler(BadParameter)(api_views.bad_parameter)
add_rules(api_bp, {"api_views": api_views}, """
    GET                             /openapi.json                  api_views.openapi_document
    GET                             /people                        api_views.people
    GET                             /people/<employee_id>          api_views.person
    GET                             /people/<employee_id>/profile  api_views.profile
    GET                             /people/<employee_id>/certifications
                                                                   api_views.person_certifications
    GET                             /certifications                api_views.certifications
    GET                             /framework                     api_views.framework
    POST                            /kpis                          api_views.push_kpis
    GET HEAD POST PUT PATCH DELETE  /<path:rest>                   api_views.fallback
""")
