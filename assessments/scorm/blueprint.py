"""SCORM URLs: authors' upload page, the player, and the sandboxed content with its
run-time."""

from flask import Blueprint

from assessments.scorm import views
from lms.core.routes import add_rules

bp = Blueprint("scorm", __name__)

add_rules(bp, {"views": views}, """
    GET POST  /author/scorm                                    views.packages
    GET       /scorm/<int:package_id>                          views.launch
    GET       /scorm/content/<token>/__lms_runtime.js          views.runtime_script
    POST      /scorm/content/<token>/__lms_commit              views.runtime_commit
    GET       /scorm/content/<token>/<path:name>               views.content
""")
