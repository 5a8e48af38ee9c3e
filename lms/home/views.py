"""The role-aware home page and the health check."""

from flask import redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select, text

from lms.core.extensions import db
from lms.people.models import Person, Team


def index():
    if not current_user.is_authenticated:
        return redirect(url_for("people.login"))
    from lms.competencies.services.matrix import heat, matrix_row_for

    me = current_user
    context = {"matrix_row": matrix_row_for(db.session, me) if me.tier_id else None,
               "heat": heat}
    if me.has_role("mentor"):
        context["mentees"] = db.session.scalars(
            select(Person).where(Person.mentor_id == me.id, Person.active.is_(True))
            .order_by(Person.name)
        ).all()
    if me.has_role("manager"):
        context["reports"] = db.session.scalars(
            select(Person).where(Person.manager_id == me.id, Person.active.is_(True))
            .order_by(Person.name)
        ).all()
    if me.has_role("hr", "admin"):
        context["headcount"] = db.session.scalar(
            select(func.count()).where(Person.active.is_(True))
        )
        context["team_count"] = db.session.scalar(
            select(func.count()).select_from(Team).where(Team.active.is_(True))
        )
    return render_template("home/index.html", **context)


def healthz():
    """Liveness and database reachability, for load balancers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
