"""SCORM URLs: authors' upload page, the player, and the sandboxed content with its
run-time; the xAPI endpoint of launched xAPI packages."""

from flask import Blueprint

from assessments.scorm import views, xapi_views
from lms.core.extensions import csrf
from lms.core.routes import add_rules

bp = Blueprint("scorm", __name__)
# The xAPI endpoint launched packages use as their LRS (token-authenticated, no cookies).
xapi_bp = Blueprint("xapi", __name__)
csrf.exempt(xapi_bp)
xapi_bp.after_request(xapi_views.cross_origin)

add_rules(bp, {"views": views}, """
    GET POST  /author/scorm                                    views.packages
    GET       /scorm/<int:package_id>                          views.launch
    GET       /scorm/content/<token>/__lms_runtime.js          views.runtime_script
    POST      /scorm/content/<token>/__lms_commit              views.runtime_commit
    GET       /scorm/content/<token>/<path:name>               views.content
""")

add_rules(xapi_bp, {"xapi_views": xapi_views}, """
    GET              /xapi/about                       xapi_views.about
    POST PUT         /xapi/statements                  xapi_views.statements
    GET PUT POST DELETE
                     /xapi/activities/state            xapi_views.activities_state
    GET              /xapi/activities                  xapi_views.activities
""")
