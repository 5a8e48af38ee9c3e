"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint, current_app

from lms.core.extensions import limiter
from reports.services.api import BadParameter
from reports.views import api as api_views
from reports.views import audit, dashboard, exports, heatmap, pack, tokens

bp = Blueprint("reports", __name__, url_prefix="/reports")
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

# reports.views.dashboard
bp.add_url_rule("/", view_func=dashboard.dashboard, methods=["GET"])

# reports.views.exports
bp.add_url_rule("/export.csv", view_func=exports.export_csv, methods=["GET"])
bp.add_url_rule("/export.xlsx", view_func=exports.export_xlsx, methods=["GET"])

# reports.views.heatmap
bp.add_url_rule("/heatmap", view_func=heatmap.heatmap_page, endpoint="heatmap")
bp.add_url_rule("/people/<int:person_id>/evidence", view_func=heatmap.person_evidence)

# reports.views.pack
bp.add_url_rule("/people/<int:person_id>/review-pack.pdf", view_func=pack.review_pack_pdf,
                endpoint="review_pack")
bp.add_url_rule("/teams/<int:team_id>/review-packs", view_func=pack.team_packs,
                methods=["POST"], endpoint="team_packs")
bp.add_url_rule("/review-packs/<int:job_id>", view_func=pack.pack_job, methods=["GET"])
bp.add_url_rule("/review-packs/<int:job_id>.json", view_func=pack.pack_job_progress,
                methods=["GET"])
bp.add_url_rule("/review-packs/<int:job_id>/download", view_func=pack.pack_job_download,
                methods=["GET"])

# reports.views.audit
bp.add_url_rule("/audit", view_func=audit.audit_log_page, methods=["GET"], endpoint="audit_log")
bp.add_url_rule("/audit.csv", view_func=audit.audit_log_csv, methods=["GET"],
                endpoint="audit_log_csv")

# reports.views.tokens
bp.add_url_rule("/api-tokens", view_func=tokens.api_tokens, methods=["GET"])
bp.add_url_rule("/api-tokens/new", view_func=tokens.api_token_new, methods=["GET", "POST"])
bp.add_url_rule("/api-tokens/<int:token_id>/revoke", view_func=tokens.api_token_revoke,
                methods=["POST"])

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
api_bp.add_url_rule("/openapi.json", view_func=api_views.openapi_document, methods=["GET"])
api_bp.add_url_rule("/people", view_func=api_views.people, methods=["GET"])
api_bp.add_url_rule("/people/<employee_id>", view_func=api_views.person, methods=["GET"])
api_bp.add_url_rule("/people/<employee_id>/profile", view_func=api_views.profile, methods=["GET"])
api_bp.add_url_rule("/people/<employee_id>/certifications",
                    view_func=api_views.person_certifications, methods=["GET"])
api_bp.add_url_rule("/certifications", view_func=api_views.certifications, methods=["GET"])
api_bp.add_url_rule("/framework", view_func=api_views.framework, methods=["GET"])
api_bp.add_url_rule("/<path:rest>", view_func=api_views.fallback,
                    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
