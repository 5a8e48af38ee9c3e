"""Admin screens for the read API's personal access tokens: list, create (the plaintext shown
once), revoke. Only admins (`api_tokens.manage`)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.core import clock
from lms.core.extensions import db
from lms.core.policy import require
from lms.core.requests import form_status, render_form, unit_of_work
from lms.people.models import Person
from reports.forms import RevokeForm, TokenForm
from reports.models import ApiToken
from reports.services import tokens


def _token_form() -> TokenForm:
    people = db.session.scalars(select(Person).where(Person.active.is_(True))
                                .order_by(Person.name, Person.employee_id))
    return TokenForm(list(people))


def _list_page(revoke_forms=None):
    rows = tokens.list_tokens(db.session)
    forms = revoke_forms or {}
    return render_template(
        "reports/api_tokens/list.html", tokens=rows, now=clock.now(),
        revoke_forms={t.id: forms.get(t.id) or RevokeForm(formdata=None, prefix=f"revoke{t.id}")
                      for t in rows},
        scope_labels=tokens.SCOPES)


@require("api_tokens.manage")
def api_tokens():
    return _list_page()


@require("api_tokens.manage")
def api_token_new():
    form = _token_form()
    if form.validate_on_submit():
        done = unit_of_work(tokens.create_token, db.session, current_user, name=form.name.data,
                            person=db.session.get(Person, form.person.data),
                            scopes=form.scopes.data, expires_on=form.expires_on.data, form=form)
        if done:
            token, plaintext = done.value
            # Rendered, not redirected: the plaintext exists only in this response.
            return render_template("reports/api_tokens/created.html", token=token,
                                   plaintext=plaintext, scope_labels=tokens.SCOPES)
    return render_form("reports/api_tokens/form.html", form)


@require("api_tokens.manage")
def api_token_revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    form = RevokeForm(prefix=f"revoke{token.id}")
    if form.validate_on_submit() and unit_of_work(
            tokens.revoke_token, db.session, current_user, token, form.reason.data, form=form):
        flash(_("The token \u201c%(name)s\u201d is revoked; it no longer works.",
                name=token.name), "success")
        return redirect(url_for("reports.api_tokens"))
    return _list_page({token.id: form}), form_status(form)
