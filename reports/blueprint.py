"""The reports blueprints: `reports` (pages and downloads) and `api` (/api/v1, token auth)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
# The read API authenticates by bearer token, never by cookie, so CSRF does not apply to it.
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
