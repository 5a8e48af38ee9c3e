"""The role-aware home page and the health check."""

from flask import redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from lms.competencies.services.matrix import heat, matrix_row_for
from lms.core import clock
from lms.core.extensions import db
from lms.core.todo import todo_for
from lms.people.services import directory


def index():
    if not current_user.is_authenticated:
        return redirect(url_for("people.login"))
    me = current_user
    context = {"matrix_row": matrix_row_for(db.session, me) if me.tier_id else None,
               "heat": heat, "todo": todo_for(db.session, me, clock.now())}
    if me.has_role("mentor"):
        context["mentees"] = directory.mentees(db.session, me)
    if me.has_role("manager"):
        context["reports"] = directory.direct_reports(db.session, me)
    if me.has_role("hr", "admin"):
        context["headcount"], context["team_count"] = directory.headcount(db.session)
    return render_template("home/index.html", **context)


def healthz():
    """Liveness and database reachability, for load balancers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
