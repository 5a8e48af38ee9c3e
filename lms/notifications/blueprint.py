"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from lms.notifications import views

bp = Blueprint("notifications", __name__)

# lms.notifications.views
bp.app_context_processor(views.unread_notifications)
bp.add_url_rule("/notifications", view_func=views.index, methods=["GET"])
bp.add_url_rule("/notifications/<int:notification_id>/read", view_func=views.mark_read,
                methods=["POST"])
bp.add_url_rule("/notifications/read-all", view_func=views.mark_all_read, methods=["POST"])
bp.add_url_rule("/admin/outbox", view_func=views.outbox, methods=["GET"])
