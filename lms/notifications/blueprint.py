"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.core.routes import add_rules
from lms.notifications import views

bp = Blueprint("notifications", __name__)

# lms.notifications.views
bp.app_context_processor(views.unread_notifications)
add_rules(bp, {"views": views}, """
    GET   /notifications                             views.index
    POST  /notifications/<int:notification_id>/read  views.mark_read
    POST  /notifications/read-all                    views.mark_all_read
    GET   /admin/outbox                              views.outbox
""")
