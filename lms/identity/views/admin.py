"""The administrators' sign-in page: identity providers, password sign-in on or off, and
SCIM tokens (shown once, when made)."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.core.extensions import db
from lms.core.policy import require
from lms.core.requests import render_form, unit_of_work
from lms.core.urls import public_url
from lms.identity.forms import (
    OidcProviderForm,
    SamlProviderForm,
    ScimTokenForm,
    SignInSettingsForm,
)
from lms.identity.models import IdentityProvider, ScimToken
from lms.identity.services import providers, scim_tokens
from lms.paths.models import CertificationPath
from lms.people.models import Team
from lms.people.services.invitations import set_local_passwords, sign_in_settings


def _page(settings_form=None, token_form=None, status=200):
    settings_form = settings_form or SignInSettingsForm(
        local_passwords=sign_in_settings(db.session).local_passwords)
    rows = db.session.scalars(select(IdentityProvider).order_by(IdentityProvider.name)).all()
    tokens = db.session.scalars(select(ScimToken).order_by(ScimToken.created_at.desc())).all()
    return render_template(
        "identity/admin.html", providers=rows, settings_form=settings_form,
        token_form=token_form or ScimTokenForm(), tokens=tokens,
        callback=lambda p: public_url(url_for(
            "identity.saml_metadata" if p.protocol == "saml" else "identity.callback",
            key=p.key)),
        scim_base=public_url("/scim/v2")), status


@require("identity.manage")
def sign_in_admin():
    return _page()


@require("identity.manage")
def save_settings():
    form = SignInSettingsForm()
    if form.validate_on_submit() and unit_of_work(
            set_local_passwords, db.session, current_user, bool(form.local_passwords.data),
            form=form):
        flash(_("Sign-in settings saved."), "success")
        return redirect(url_for("identity.sign_in_admin"))
    return _page(settings_form=form, status=422)


def _provider_form(provider: IdentityProvider | None, saml: bool = False):
    form = (SamlProviderForm if saml else OidcProviderForm)(obj=provider)
    if provider is not None and not form.is_submitted():
        form.mapping_text.data = providers.mapping_text(db.session, provider.mapping)
        if saml:
            form.idp_metadata_xml.data = provider.metadata_doc.get("idp_metadata_xml", "")
    form.default_team_id.set_choices(
        (t.id, t.name) for t in db.session.scalars(
            select(Team).where(Team.active.is_(True)).order_by(Team.name)))
    form.default_tier_id.set_choices(
        (p.id, p.tr("name")) for p in db.session.scalars(
            select(CertificationPath).order_by(CertificationPath.position)))
    return form


def _provider_data(form, saml: bool) -> providers.ProviderData:
    common = {"key": form.key.data, "name": form.name.data,
              "employee_id_claim": form.employee_id_claim.data,
              "provisioning": bool(form.provisioning.data),
              "default_team_id": form.default_team_id.data,
              "default_tier_id": form.default_tier_id.data,
              "mapping_text": form.mapping_text.data or "", "enabled": bool(form.enabled.data)}
    if saml:
        return providers.ProviderData(issuer="", client_id="", client_secret=None, scopes="",
                                      protocol="saml",
                                      idp_metadata_xml=form.idp_metadata_xml.data, **common)
    return providers.ProviderData(issuer=form.issuer.data, client_id=form.client_id.data,
                                  client_secret=form.client_secret.data or None,
                                  scopes=form.scopes.data, **common)


@require("identity.manage")
def provider_form(provider_id: int | None, protocol: str = "oidc"):
    provider = db.get_or_404(IdentityProvider, provider_id) if provider_id else None
    saml = (provider.protocol if provider else protocol) == "saml"
    form = _provider_form(provider, saml)
    if form.validate_on_submit() and unit_of_work(
            providers.save_provider, db.session, current_user, provider,
            _provider_data(form, saml), current_app.config["SECRET_KEY"], form=form):
        flash(_("Identity provider saved."), "success")
        return redirect(url_for("identity.sign_in_admin"))
    key = provider.key if provider else "KEY"
    addresses = {"callback": public_url(url_for("identity.callback", key=key))}
    if saml:
        addresses = {"entity_id": public_url(url_for("identity.saml_metadata", key=key)),
                     "acs": public_url(url_for("identity.saml_acs", key=key))}
    return render_form("identity/provider_form.html", form, provider=provider, saml=saml,
                       **addresses)


@require("identity.manage")
def scim_token_new():
    form = ScimTokenForm()
    if form.validate_on_submit():
        done = unit_of_work(scim_tokens.create_token, db.session, current_user,
                            form.name.data, form=form)
        if done:
            return render_template("identity/scim_token_created.html", token=done.value,
                                   scim_base=public_url("/scim/v2"))
    return _page(token_form=form, status=422)


@require("identity.manage")
def scim_token_revoke(token_id: int):
    token = db.get_or_404(ScimToken, token_id)
    if not SignInSettingsForm().validate_on_submit():
        return redirect(url_for("identity.sign_in_admin"))
    if unit_of_work(scim_tokens.revoke_token, db.session, current_user, token):
        flash(_("SCIM token revoked."), "success")
    return redirect(url_for("identity.sign_in_admin"))
