"""The certificate's design (admins): template, colours, organisation, signatory, logo,
signature and seal, and a sample PDF of the saved design."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from certificates.forms import DesignForm
from certificates.services import documents
from certificates.views import pdf_response
from lms.core.extensions import db
from lms.core.i18n import ZH
from lms.core.pdf import html_to_pdf
from lms.core.policy import require
from lms.core.requests import render_form, unit_of_work


def _upload(field) -> bytes | None:
    return field.data.read() if field.data else None


@require("certificates.configure")
def design():
    look = documents.design(db.session)
    form = DesignForm(obj=look)
    if request.method == "GET":
        form.template.data = look.template
        form.organisation_zh.data = look.translation("organisation", ZH) or ""
        form.signatory_title_zh.data = look.translation("signatory_title", ZH) or ""
    if form.validate_on_submit() and unit_of_work(
            documents.save_design, db.session, current_user, template=form.template.data,
            primary_colour=form.primary_colour.data.strip(),
            accent_colour=form.accent_colour.data.strip(),
            organisation=form.organisation.data, signatory_name=form.signatory_name.data,
            signatory_title=form.signatory_title.data,
            organisation_zh=form.organisation_zh.data,
            signatory_title_zh=form.signatory_title_zh.data, logo=_upload(form.logo),
            signature=_upload(form.signature), seal=_upload(form.seal),
            remove_logo=form.remove_logo.data, remove_signature=form.remove_signature.data,
            remove_seal=form.remove_seal.data, form=form):
        flash(_("The certificate design has been saved."), "success")
        return redirect(url_for("certificates.design"))
    return render_form("certificates/design.html", form, look=look,
                       default_template=documents.DEFAULT_TEMPLATE)


@require("certificates.configure")
def design_sample():
    look = documents.design(db.session)
    context = documents.sample_context(look)
    html = documents._sandbox.from_string(look.template or documents.DEFAULT_TEMPLATE) \
        .render(context)
    return pdf_response(html_to_pdf(html), "sample-certificate.pdf")
