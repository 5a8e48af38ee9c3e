"""Certificate screens: a person's certification, certificates and their downloads, HR's
changes, approvals, path settings, the design, batches; and the public verification pages
and Open Badges documents."""

import json
import re

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from certificates.forms import (
    BadgeCheckForm,
    BatchForm,
    DecisionForm,
    DesignForm,
    NameCorrectionForm,
    ReasonForm,
    RecertSlotForm,
    SettingsForm,
    VerifyForm,
)
from certificates.models import (
    AwardApproval,
    Certificate,
    CertificateBatch,
    RecertificationSlot,
)
from certificates.services import awards, badges, batches, documents
from certificates.services import settings as services
from lms.core.errors import DomainError
from lms.core.extensions import db, limiter
from lms.core.forms import apply_domain_error
from lms.core.policy import authorize, require
from lms.core.urls import public_url
from lms.paths.models import CertificationPath
from lms.paths.services import ordered_paths
from lms.people.models import Person, PersonRole, Team

VERIFY_LIMIT = "30 per minute"
# secrets.token_urlsafe's alphabet; codes are 24 characters (18 random bytes).
CODE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _helpers():
    return {"display_score": documents.display_score, "today": _today()}


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


# A person's certification


@login_required
def mine():
    return _person_page(current_user)


@login_required
def person_page(person_id: int):
    person = db.get_or_404(Person, person_id)
    authorize("certificates.standing", person)
    return _person_page(person)


def _person_page(person: Person):
    overview = services.person_certification(db.session, person)
    slot_labels = {(path.id, slot.code): slot.tr("label") for path, _standing in overview.paths
                   for slot in path.slots}
    return render_template("certificates/person.html", overview=overview, person=person,
                           form=FlaskForm(), slot_labels=slot_labels)


@login_required
def evaluate(person_id: int):
    person = db.get_or_404(Person, person_id)
    authorize("certificates.evaluate", person)
    if not FlaskForm().validate_on_submit():
        abort(400)
    before = len(services.person_certification(db.session, person).certificates)
    awards.evaluate_person(db.session, person, current_user)
    db.session.commit()
    after = len(services.person_certification(db.session, person).certificates)
    if after > before:
        flash(_("A certificate has been issued."), "success")
    else:
        flash(_("The rules have been checked again."), "info")
    target = "certificates.mine" if person.id == current_user.id else "certificates.person_page"
    return redirect(url_for(target, person_id=person.id) if target.endswith("page")
                    else url_for(target))


@login_required
def transcript(person_id: int):
    person = db.get_or_404(Person, person_id)
    authorize("certificates.standing", person)
    return _pdf(documents.transcript_pdf(db.session, person),
                f"transcript-{person.employee_id}.pdf")


# One certificate


def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = db.get_or_404(Certificate, certificate_id)
    authorize("certificates.view", certificate)
    return certificate


@login_required
def detail(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    return _detail_page(certificate)


def _detail_page(certificate, revoke_form=None, reinstate_form=None, name_form=None,
                 status=200):
    name_form = name_form or NameCorrectionForm(formdata=None,
                                                name=certificate.holder_name)
    return render_template(
        "certificates/detail.html", certificate=certificate,
        verify_url=documents.verify_url(certificate),
        revoke_form=revoke_form or ReasonForm(formdata=None, prefix="revoke"),
        reinstate_form=reinstate_form or ReasonForm(formdata=None, prefix="reinstate"),
        name_form=name_form,
        labels=documents._slot_labels(certificate)), status


def _today():
    from lms.core import clock

    return clock.today()


@login_required
def pdf(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    return _pdf(documents.certificate_pdf(db.session, certificate),
                f"{certificate.serial}.pdf")


def _badge_algorithm() -> str:
    """`?alg=RS256` asks for the RSA signature; EdDSA otherwise; anything else is not found."""
    alg = request.args.get("alg", badges.ALGORITHMS[0])
    if alg not in badges.ALGORITHMS:
        abort(404)
    return alg


@login_required
def badge(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    alg = _badge_algorithm()
    try:
        token = badges.signed_credential(db.session, certificate, alg)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    db.session.commit()  # the keys, when this is the first badge since an upgrade
    suffix = "" if alg == badges.ALGORITHMS[0] else f".{alg.lower()}"
    return Response(token, mimetype="application/vc+jwt", headers={
        "Content-Disposition": f'attachment; filename="{certificate.serial}{suffix}.jwt"'})


@require("certificates.manage")
def revoke(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = ReasonForm(prefix="revoke")
    if form.validate_on_submit():
        try:
            awards.revoke(db.session, current_user, certificate, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Certificate %(serial)s has been revoked.", serial=certificate.serial),
                  "success")
            return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    return _detail_page(certificate, revoke_form=form, status=400)


@require("certificates.manage")
def reinstate(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = ReasonForm(prefix="reinstate")
    if form.validate_on_submit():
        try:
            awards.reinstate(db.session, current_user, certificate, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Certificate %(serial)s has been reinstated.", serial=certificate.serial),
                  "success")
            return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    return _detail_page(certificate, reinstate_form=form, status=400)


@require("certificates.manage")
def correct_name(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = NameCorrectionForm()
    if form.validate_on_submit():
        try:
            awards.correct_name(db.session, current_user, certificate, form.name.data,
                                form.reason.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The certificate has been re-issued in the name %(name)s.",
                    name=certificate.holder_name), "success")
            return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    return _detail_page(certificate, name_form=form, status=400)


# Approvals


@require("certificates.approve")
def approvals():
    items = services.pending_approvals(db.session, current_user)
    return render_template("certificates/approvals.html", items=items, form=DecisionForm())


@require("certificates.approve")
def decide(approval_id: int):
    approval = db.get_or_404(AwardApproval, approval_id)
    authorize("certificates.approve", approval)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose approve or decline."), "error")
        return redirect(url_for("certificates.approvals"))
    try:
        certificate = awards.decide_approval(db.session, current_user, approval,
                                             form.decision.data == "approve",
                                             form.reason.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("certificates.approvals"))
    db.session.commit()
    if certificate is not None:
        flash(_("Certificate %(serial)s has been issued.", serial=certificate.serial),
              "success")
    else:
        flash(_("The request has been declined."), "success")
    return redirect(url_for("certificates.approvals"))


# Path settings (admins)


@require("certificates.configure")
def settings_list():
    return render_template("certificates/settings_list.html",
                           paths=ordered_paths(db.session, include_inactive=True))


def _approver_choices():
    people = db.session.scalars(
        select(Person).join(PersonRole).where(PersonRole.role.in_(("hr", "manager", "admin")),
                                              Person.active.is_(True))
        .order_by(Person.name).distinct()).all()
    return [(p.id, f"{p.name} ({p.employee_id})") for p in people]


@require("certificates.configure")
def settings(path_id: int):
    from certificates.services.rules import settings_for

    path = db.get_or_404(CertificationPath, path_id)
    current = settings_for(db.session, path)
    form = SettingsForm(obj=current)
    form.approver_id.set_choices(_approver_choices())
    if request.method == "GET":
        form.approver_id.data = current.approver_id
    if form.validate_on_submit():
        data = services.SettingsData(
            require_approval=form.require_approval.data, approver_id=form.approver_id.data,
            recert_window_days=form.recert_window_days.data,
            recert_grace_days=form.recert_grace_days.data,
            recert_requires_matrix=form.recert_requires_matrix.data)
        try:
            services.save_settings(db.session, current_user, path, data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The certification settings of %(path)s have been saved.",
                      path=path.tr("name")), "success")
            return redirect(url_for("certificates.settings", path_id=path.id))
    return _settings_page(path, form, RecertSlotForm(formdata=None),
                          400 if request.method == "POST" else 200)


def _settings_page(path, form, slot_form, status=200):
    recert = db.session.scalars(select(RecertificationSlot).where(
        RecertificationSlot.path_id == path.id).order_by(RecertificationSlot.position)).all()
    return render_template(
        "certificates/settings.html", path=path, form=form, slot_form=slot_form,
        recert=recert, summary=services.settings_summary(db.session, path),
        note=services.validity_note(db.session, path), remove_form=FlaskForm()), status


@require("certificates.configure")
def add_recert_slot(path_id: int):
    from certificates.services.rules import settings_for

    path = db.get_or_404(CertificationPath, path_id)
    slot_form = RecertSlotForm()
    if slot_form.validate_on_submit():
        try:
            services.add_recert_slot(db.session, current_user, path, slot_form.code.data,
                                     slot_form.label.data, slot_form.kind.data,
                                     slot_form.reference.data or "", slot_form.pass_mark.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(slot_form, error)
        else:
            db.session.commit()
            flash(_("%(slot)s has been saved.", slot=slot_form.label.data), "success")
            return redirect(url_for("certificates.settings", path_id=path.id))
    form = SettingsForm(formdata=None, obj=settings_for(db.session, path))
    form.approver_id.set_choices(_approver_choices())
    return _settings_page(path, form, slot_form, 400)


@require("certificates.configure")
def remove_recert_slot(path_id: int, slot_id: int):
    slot = db.get_or_404(RecertificationSlot, slot_id)
    if slot.path_id != path_id or not FlaskForm().validate_on_submit():
        abort(404 if slot.path_id != path_id else 400)
    label = slot.label
    services.remove_recert_slot(db.session, current_user, slot)
    db.session.commit()
    flash(_("%(slot)s has been removed.", slot=label), "success")
    return redirect(url_for("certificates.settings", path_id=path_id))


# Design (admins)


@require("certificates.configure")
def design():
    look = documents.design(db.session)
    form = DesignForm(obj=look)
    if request.method == "GET":
        form.template.data = look.template
    if form.validate_on_submit():
        try:
            documents.save_design(
                db.session, current_user, template=form.template.data,
                primary_colour=form.primary_colour.data.strip(),
                accent_colour=form.accent_colour.data.strip(),
                organisation=form.organisation.data, signatory_name=form.signatory_name.data,
                signatory_title=form.signatory_title.data,
                logo=form.logo.data.read() if form.logo.data else None,
                signature=form.signature.data.read() if form.signature.data else None,
                remove_logo=form.remove_logo.data, remove_signature=form.remove_signature.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The certificate design has been saved."), "success")
            return redirect(url_for("certificates.design"))
    return render_template("certificates/design.html", form=form, look=look,
                           default_template=documents.DEFAULT_TEMPLATE), \
        400 if request.method == "POST" else 200


@require("certificates.configure")
def design_sample():
    from lms.core.pdf import html_to_pdf

    look = documents.design(db.session)
    context = documents.sample_context()
    context.update(primary=look.primary_colour, accent=look.accent_colour,
                   organisation=look.organisation, signatory_name=look.signatory_name,
                   signatory_title=look.signatory_title, logo=look.logo,
                   signature=look.signature)
    html = documents._sandbox.from_string(look.template or documents.DEFAULT_TEMPLATE) \
        .render(context)
    return _pdf(html_to_pdf(html), "sample-certificate.pdf")


# Batches (HR)


@require("certificates.manage")
def batch_list():
    form = BatchForm()
    form.team_id.set_choices([(t.id, t.name) for t in db.session.scalars(
        select(Team).where(Team.active.is_(True)).order_by(Team.name))])
    form.path_id.set_choices([(p.id, p.tr("name")) for p in ordered_paths(db.session)])
    if form.validate_on_submit():
        try:
            batch = batches.create_batch(db.session, current_user, form.action.data,
                                         form.team_id.data, form.path_id.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            batch_id = batch.id
            db.session.commit()
            batches.start(batch_id)
            return redirect(url_for("certificates.batch_page", batch_id=batch_id))
    items = db.session.scalars(select(CertificateBatch).order_by(
        CertificateBatch.id.desc()).limit(20)).all()
    return render_template("certificates/batches.html", form=form, items=items), \
        400 if request.method == "POST" else 200


@require("certificates.manage")
def batch_page(batch_id: int):
    batch = db.get_or_404(CertificateBatch, batch_id)
    return render_template("certificates/batch.html", batch=batch,
                           progress=batches.progress_json(batch))


@require("certificates.manage")
def batch_progress(batch_id: int):
    return jsonify(batches.progress_json(db.get_or_404(CertificateBatch, batch_id)))


@require("certificates.manage")
def batch_download(batch_id: int):
    batch = db.get_or_404(CertificateBatch, batch_id)
    target = batches.zip_path(batch)
    if batch.status != "done" or not target.exists():
        abort(404)
    return send_file(target, mimetype="application/zip", as_attachment=True,
                     download_name=batch.file_name or f"certificates-{batch.id}.zip")


# Public: verification and Open Badges documents


@limiter.limit(VERIFY_LIMIT)
def verify_form():
    form = VerifyForm()
    if form.validate_on_submit():
        code = form.code.data.strip().rsplit("/", 1)[-1]
        return redirect(url_for("certificates.verify", code=code or "-"))
    return render_template("certificates/verify_form.html", form=form,
                           badge_form=BadgeCheckForm(formdata=None))


def _by_code(code: str) -> Certificate | None:
    """The certificate with this verification code; malformed codes (other characters, NUL
    bytes, wrong length) are simply not found, without a query."""
    if not CODE.fullmatch(code or ""):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.verify_code == code))


@limiter.limit(VERIFY_LIMIT)
def verify(code: str):
    certificate = _by_code(code)
    if certificate is None:
        return render_template("certificates/verify_result.html", certificate=None), 404
    return render_template("certificates/verify_result.html", certificate=certificate,
                           state=_state(certificate), newer=_newer(certificate))


def _state(certificate: Certificate) -> str:
    if certificate.status == "revoked":
        return "revoked"
    return "expired" if certificate.expires_on < _today() else "valid"


def _newer(certificate: Certificate) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(
        Certificate.previous_id == certificate.id))


@limiter.limit(VERIFY_LIMIT)
def verify_badge():
    form = BadgeCheckForm()
    if not form.validate_on_submit():
        return render_template("certificates/verify_form.html", form=VerifyForm(formdata=None),
                               badge_form=form), 400
    token = form.token.data or ""
    if form.upload.data:
        token = form.upload.data.read(badges.MAX_TOKEN + 1).decode("utf-8", "replace")
    check = badges.verify_badge(db.session, token)
    return render_template("certificates/badge_result.html", check=check), \
        200 if check.state != "invalid" else 422


def _json(data: dict, mimetype: str = "application/json") -> Response:
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype=mimetype,
                    headers={"Access-Control-Allow-Origin": "*"})


def issuer():
    return _json(badges.issuer_profile(db.session), "application/ld+json")


def jwks():
    return _json(badges.jwks(db.session), "application/jwk-set+json")


def revocations():
    return _json(badges.revocation_list(db.session))


def achievement(code: str):
    path = db.session.scalar(select(CertificationPath).where(CertificationPath.code == code))
    if path is None:
        abort(404)
    return _json({"@context": badges.CONTEXTS, "id": public_url(
        f"/badges/achievements/{path.code}"), "type": ["Achievement"],
        "achievementType": "Certificate", "name": path.name,
        "description": path.description or path.name,
        "criteria": {"narrative": path.description or path.name}}, "application/ld+json")


@limiter.limit(VERIFY_LIMIT)
def public_badge(code: str):
    certificate = _by_code(code)
    if certificate is None:
        abort(404)
    alg = _badge_algorithm()
    try:
        token = badges.signed_credential(db.session, certificate, alg)
    except badges.BadgeRefused as error:
        # Gone: a revoked or expired certificate gets no fresh signature to present.
        return Response(error.message, status=410, mimetype="text/plain",
                        headers={"Access-Control-Allow-Origin": "*"})
    except badges.BadgeKeyUnreadable as error:
        return Response(error.message, status=503, mimetype="text/plain")
    db.session.commit()  # the keys, when this is the first badge since an upgrade
    return Response(token, mimetype="application/vc+jwt",
                    headers={"Access-Control-Allow-Origin": "*"})
