"""The in-app notification list, the unread count in the header, and the admins' outbox."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from lms.core.extensions import db
from lms.core.forms import Form
from lms.core.policy import require
from lms.core.requests import unit_of_work
from lms.notifications import services
from lms.notifications.models import Notification, OutboxEmail

PAGE_SIZE = 50


def unread_notifications():
    """`unread_notifications()` for the header: one indexed count, only when a page asks."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(db.session, current_user.id)

    return {"unread_notifications": count}


def _safe_link(link: str) -> str | None:
    """Only same-site paths are followed (no open redirect through a stored link)."""
    if link and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return None


@require("notifications.view")
def index():
    items = db.paginate(
        select(Notification).where(Notification.person_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        per_page=PAGE_SIZE, error_out=False,
    )
    return render_template("notifications/index.html", items=items, form=Form(),
                           safe_link=_safe_link)


@require("notifications.view")
def mark_read(notification_id: int):
    if not Form().validate_on_submit():
        abort(400)
    notification = unit_of_work(services.mark_read, db.session, current_user,
                                notification_id).value
    if notification is None:
        abort(404)
    link = _safe_link(notification.link)
    if request.form.get("open") == "1" and link:
        return redirect(link)
    return redirect(url_for("notifications.index"))


@require("notifications.view")
def mark_all_read():
    if not Form().validate_on_submit():
        abort(400)
    count = unit_of_work(services.mark_all_read, db.session, current_user).value
    flash(ngettext("%(num)d notification marked read.", "%(num)d notifications marked read.",
                   count), "success")
    return redirect(url_for("notifications.index"))


@require("notifications.outbox")
def outbox():
    emails = db.paginate(
        select(OutboxEmail).order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc()),
        per_page=PAGE_SIZE, error_out=False,
    )
    return render_template("notifications/outbox.html", emails=emails,
                           smtp_host=current_app.config["SMTP_HOST"])
