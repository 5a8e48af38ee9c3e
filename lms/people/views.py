"""Sign-in, account, people and team screens. Thin: parse, call a service, commit, render."""

from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from lms.core.errors import DomainError
from lms.core.extensions import db, limiter
from lms.core.forms import Form, apply_domain_error, choices
from lms.core.i18n import LANGUAGE_NAMES, ZH
from lms.core.policy import authorize, require
from lms.core.requests import form_status, render_form, unit_of_work
from lms.core.urls import public_url
from lms.paths.models import CertificationPath
from lms.people import sessions
from lms.people.forms import (
    ActiveForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    ImportForm,
    LanguageForm,
    LoginForm,
    PersonForm,
    ResetPasswordForm,
    TeamForm,
)
from lms.people.models import Person, Team
from lms.people.services import auth, invitations, onboarding
from lms.people.services import directory as services
from lms.people.sessions import END_SESSION_KEY, begin_session

PAGE_SIZE = 50


def _safe_next(target: str | None) -> str:
    """Only a path on this site is followed after sign-in or a language change. Control
    characters are refused, not stripped: the header writer drops a tab, so `/\t/host`
    would leave as `//host` (another site), and a newline would not leave at all (HTTP 500)."""
    if (not target or not target.startswith("/") or "\\" in target
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)):
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return url_for("home.index")
    return target


def end_idle_or_old_sessions():
    """Sign out a session idle longer than SESSION_IDLE_TIMEOUT_SECONDS or older than
    SESSION_ABSOLUTE_LIFETIME_SECONDS (counted from sign-in, however busy)."""
    if not session.get("_user_id"):
        return
    config, now = current_app.config, sessions.session_clock()
    signed_in, seen = session.get("signed_in_at"), session.get("seen_at")
    if (not isinstance(signed_in, int) or not isinstance(seen, int)
            or now - seen > config["SESSION_IDLE_TIMEOUT_SECONDS"]
            or now - signed_in > config["SESSION_ABSOLUTE_LIFETIME_SECONDS"]):
        locale = session.get("locale")
        logout_user()
        session.clear()
        if locale:
            session["locale"] = locale
        flash(_("Your session has ended. Please sign in again."), "info")
        return
    # Rewriting the cookie once a minute is enough to measure hours of idleness.
    if now - seen >= 60:
        session["seen_at"] = now


@limiter.limit("30 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            person = auth.authenticate(
                db.session, current_app.config, form.login.data, form.password.data,
                request.remote_addr or "unknown",
            )
        except DomainError as error:
            db.session.commit()  # keep the failure count
            form.form_errors.append(error.message)
        else:
            begin_session(person)
            return redirect(_safe_next(request.args.get("next")))
    return render_form("people/login.html", form)


@login_required
def logout():
    unit_of_work(services.end_sessions, db.session, current_user)
    end_session = session.get(END_SESSION_KEY)
    logout_user()
    session.clear()
    if end_session:
        # The provider's session ends too; it sends the browser back to the sign-in page.
        return redirect(end_session)
    flash(_("You have signed out."), "info")
    return redirect(url_for("people.login"))


@login_required
def account():
    password_form = ChangePasswordForm(prefix="pw")
    language_form = _language_form()
    if request.method == "POST" and "pw-current_password" in request.form:
        if password_form.validate_on_submit() and unit_of_work(
                services.change_password, db.session, current_user,
                password_form.current_password.data, password_form.new_password.data,
                form=password_form):
            # The version bump ended every session, this one included: sign in again here.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other sessions were signed out."),
                  "success")
            return redirect(url_for("people.account"))
    return render_template(
        "people/account.html", password_form=password_form, language_form=language_form
    ), form_status(password_form)


def _language_form() -> LanguageForm:
    form = LanguageForm(prefix="lang")
    form.locale.choices = choices([("", _("Browser default")), *LANGUAGE_NAMES.items()])
    if request.method == "GET":
        form.locale.data = (current_user.locale if current_user.is_authenticated
                            else session.get("locale")) or ""
    return form


def set_language():
    form = _language_form()
    if not form.validate_on_submit():
        abort(400)
    locale = form.locale.data or None
    session["locale"] = locale
    if current_user.is_authenticated:
        unit_of_work(services.set_locale, db.session, current_user, locale)
    return redirect(_safe_next(request.form.get("next")))


@limiter.limit("20 per minute")
def reset_password(token: str):
    config = current_app.config
    try:
        person = services.person_for_reset_token(
            db.session, token, config["SECRET_KEY"], config["PASSWORD_RESET_MAX_AGE_SECONDS"]
        )
    except DomainError as error:
        return render_template("people/reset_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit() and unit_of_work(
            services.set_password, db.session, person, form.new_password.data, form=form):
        flash(_("Your password is set. Sign in with it now."), "success")
        return redirect(url_for("people.login"))
    return render_form("people/reset.html", form, person=person)


@limiter.limit("20 per minute")
def first_sign_in(token: str):
    """The link of the onboarding e-mail: the reset page, worded for a first visit."""
    config = current_app.config
    try:
        person = services.person_for_reset_token(
            db.session, token, config["SECRET_KEY"], config["FIRST_SIGN_IN_MAX_AGE_SECONDS"],
            "first-sign-in")
    except DomainError as error:
        return render_template("people/reset_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit() and unit_of_work(
            services.set_password, db.session, person, form.new_password.data, form=form):
        flash(_("Your password is set. Sign in with it now."), "success")
        return redirect(url_for("people.login"))
    return render_form("people/reset.html", form, person=person, first=True)


@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    """Ask for a reset link. The answer is the same whether or not the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        config = current_app.config
        unit_of_work(invitations.request_reset, db.session, form.email.data,
                     config["SECRET_KEY"], config["PASSWORD_RESET_MAX_AGE_SECONDS"])
        flash(_("If an account uses that address, a reset link is on its way to it. "
                "Check your e-mail."), "info")
        return redirect(url_for("people.login"))
    return render_form("people/forgot.html", form)


# People


@require("people.list")
def people_list():
    query = request.args.get("q", "").strip()
    team_id = request.args.get("team", type=int)
    show_inactive = request.args.get("inactive") == "1"
    people = db.paginate(services.people_query(current_user, query, team_id, show_inactive),
                         per_page=PAGE_SIZE, error_out=False)
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    return render_template(
        "people/list.html", people=people, teams=teams, query=query, team_id=team_id,
        show_inactive=show_inactive,
    )


@login_required
def person_detail(person_id: int):
    person = db.get_or_404(Person, person_id)
    authorize("person.view", person)
    return render_template("people/detail.html", person=person, active_form=ActiveForm())


def _person_form(person: Person | None = None) -> PersonForm:
    form = PersonForm(obj=person) if person else PersonForm()
    if person is not None and request.method == "GET":
        form.roles.data = sorted(person.roles)
    form.team_id.set_choices(
        (t.id, t.name) for t in db.session.scalars(
            select(Team).where(Team.active.is_(True)).order_by(Team.name))
    )
    exclude = person.id if person is not None else None
    for name, roles in services.PICKABLE.items():
        picker = getattr(form, name)
        picker.lookup = lambda text, roles=roles: services.pick_person(db.session, text, roles,
                                                                       exclude)
        picker.show = lambda person_id: db.session.get(Person, person_id)
        picker.search_url = url_for("people.person_lookup", field=name, exclude=exclude)
    form.tier_id.set_choices(
        (p.id, p.tr("name")) for p in db.session.scalars(
            select(CertificationPath).order_by(CertificationPath.position))
    )
    return form


@require("people.manage")
def person_lookup():
    """Suggestions for a person picker: {"people": [{"value", "label"}]} (JSON)."""
    roles = services.PICKABLE.get(request.args.get("field", ""))
    if roles is None:
        abort(404)
    people = services.suggest_people(db.session, request.args.get("q", ""), roles,
                                     request.args.get("exclude", type=int))
    return {"people": [{"value": f"{p.name} ({p.employee_id})",
                        "label": p.team.name if p.team else ""} for p in people]}


def _person_data(form: PersonForm) -> services.PersonData:
    return services.PersonData(
        employee_id=form.employee_id.data, name=form.name.data, email=form.email.data,
        team_id=form.team_id.data, manager_id=form.manager_id.data,
        mentor_id=form.mentor_id.data, hire_date=form.hire_date.data,
        tier_id=form.tier_id.data, roles=tuple(form.roles.data or ()),
    )


@require("people.manage")
def person_new():
    form = _person_form()
    if form.validate_on_submit():
        done = unit_of_work(invitations.create_and_invite, db.session, current_user,
                            _person_data(form), form.password.data or None,
                            current_app.config["SECRET_KEY"],
                            current_app.config["FIRST_SIGN_IN_MAX_AGE_SECONDS"], form=form)
        if done:
            flash(_("%(name)s has been added.", name=done.value.name), "success")
            return redirect(url_for("people.person_detail", person_id=done.value.id))
    return render_form("people/form.html", form, person=None)


@require("people.manage")
def person_edit(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = _person_form(person)
    del form.password
    if form.validate_on_submit():
        data = _person_data(form)
        data.locale = person.locale
        if unit_of_work(services.update_person, db.session, current_user, person, data,
                        form=form):
            flash(_("Changes saved."), "success")
            return redirect(url_for("people.person_detail", person_id=person.id))
    return render_form("people/form.html", form, person=person)


@require("people.manage")
def person_set_active(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    activate = request.form.get("active") == "1"
    if unit_of_work(services.set_active, db.session, current_user, person, activate,
                    form.reason.data or ""):
        flash(_("%(name)s has been reactivated.", name=person.name) if activate
              else _("%(name)s has been deactivated.", name=person.name), "success")
    return redirect(url_for("people.person_detail", person_id=person.id))


@require("people.reset_password")
def person_reset_link(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    done = unit_of_work(services.issue_reset_token, db.session, current_user, person,
                        current_app.config["SECRET_KEY"])
    if not done:
        return redirect(url_for("people.person_detail", person_id=person.id))
    link = public_url(url_for("people.reset_password", token=done.value))
    return render_template("people/reset_link.html", person=person, link=link)


@require("people.invite")
def person_send_first_sign_in(person_id: int):
    person = db.get_or_404(Person, person_id)
    if not ActiveForm().validate_on_submit():
        abort(400)
    config = current_app.config
    if unit_of_work(invitations.send_first_sign_in, db.session, current_user, person,
                    config["SECRET_KEY"], config["FIRST_SIGN_IN_MAX_AGE_SECONDS"]):
        flash(_("The first sign-in e-mail has been sent to %(email)s.", email=person.email),
              "success")
    return redirect(url_for("people.person_detail", person_id=person.id))


# Teams


@require("teams.manage")
def teams():
    return render_template("people/teams.html",
                           rows=services.teams_with_headcount(db.session))


@require("teams.manage")
def team_form(team_id: int | None):
    team = db.get_or_404(Team, team_id) if team_id else None
    form = TeamForm(obj=team)
    if team is not None and not form.is_submitted():
        form.name_zh.data = team.translation("name", ZH) or ""
    form.parent_id.set_choices(
        (t.id, t.name) for t in db.session.scalars(select(Team).order_by(Team.name))
        if team is None or t.id != team.id
    )
    if form.validate_on_submit() and unit_of_work(
            services.save_team, db.session, current_user, team, form.name.data,
            form.description.data or "", form.parent_id.data, form.active.data,
            form.name_zh.data or "", form=form):
        flash(_("Team saved."), "success")
        return redirect(url_for("people.teams"))
    return render_form("people/team_form.html", form, team=team)


# Bulk onboarding


@require("people.import")
def import_people():
    """Upload → dry-run preview (every bad line listed); confirm posts the same text back,
    which is checked again in full before anything is written."""
    form = ImportForm()
    max_bytes = current_app.config["CSV_IMPORT_MAX_BYTES"]
    if request.method == "POST" and request.form.get("confirm") == "1":
        if not Form().validate_on_submit():
            abort(400)
        text = request.form.get("csv_text", "")
        if _decoded_csv(form, text.encode("utf-8"), max_bytes) is None:
            # Not echoed back: the limits are what keep this page small.
            return render_form("people/import.html", form, plan=None)
        done = unit_of_work(onboarding.run_import, db.session, current_user, text, form=form,
                            invite=(current_app.config["SECRET_KEY"],
                                    current_app.config["FIRST_SIGN_IN_MAX_AGE_SECONDS"]))
        if done:
            flash(ngettext("%(num)d person imported.", "%(num)d people imported.", done.value),
                  "success")
            return redirect(url_for("people.people_list"))
        return render_form("people/import.html", form, text=text, error=done.error.message,
                           plan=onboarding.plan_import(db.session, text))
    if form.validate_on_submit():
        text = _decoded_csv(form, form.file.data.read(max_bytes + 1), max_bytes)
        if text is not None:
            plan = onboarding.plan_import(db.session, text)
            db.session.rollback()
            return render_template("people/import.html", form=form, plan=plan, text=text,
                                   confirm_form=Form())
    return render_form("people/import.html", form, plan=None)


def _decoded_csv(form: ImportForm, raw: bytes, max_bytes: int) -> str | None:
    """The uploaded CSV as text, or None with the refusal shown beside the file field."""
    try:
        return onboarding.decode_csv(raw, max_bytes)
    except DomainError as error:
        apply_domain_error(form, DomainError(error.message, "file"))
        return None
