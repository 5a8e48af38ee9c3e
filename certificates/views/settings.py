"""A certification path's settings (admins): approval, the recertification window and its
own slots."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from certificates.forms import RecertSlotForm, SettingsForm
from certificates.models import RecertificationSlot
from certificates.services import settings as services
from certificates.services.rules import settings_for
from lms.core.extensions import db
from lms.core.forms import Form
from lms.core.policy import require
from lms.core.requests import flash_reevaluation, form_status, unit_of_work
from lms.paths.models import CertificationPath
from lms.paths.services import ordered_paths
from lms.people.models import Person, PersonRole


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


def _settings_form(path: CertificationPath, formdata=True) -> SettingsForm:
    current = settings_for(db.session, path)
    form = SettingsForm(obj=current) if formdata else SettingsForm(formdata=None, obj=current)
    form.approver_id.set_choices(_approver_choices())
    if request.method == "GET":
        form.approver_id.data = current.approver_id
    return form


@require("certificates.configure")
def settings(path_id: int):
    path = db.get_or_404(CertificationPath, path_id)
    form = _settings_form(path)
    if form.validate_on_submit():
        data = services.SettingsData(
            require_approval=form.require_approval.data, approver_id=form.approver_id.data,
            recert_window_days=form.recert_window_days.data,
            recert_grace_days=form.recert_grace_days.data,
            recert_requires_matrix=form.recert_requires_matrix.data)
        if unit_of_work(services.save_settings, db.session, current_user, path, data,
                        form.reason.data or "", form=form):
            flash(_("The certification settings of %(path)s have been saved.",
                    path=path.tr("name")), "success")
            flash_reevaluation()
            return redirect(url_for("certificates.settings", path_id=path.id))
    return _settings_page(path, form, RecertSlotForm(formdata=None), form_status(form))


def _settings_page(path, form, slot_form, status):
    recert = db.session.scalars(select(RecertificationSlot).where(
        RecertificationSlot.path_id == path.id).order_by(RecertificationSlot.position)).all()
    return render_template(
        "certificates/settings.html", path=path, form=form, slot_form=slot_form,
        recert=recert, summary=services.settings_summary(db.session, path),
        note=services.validity_note(db.session, path), remove_form=Form()), status


@require("certificates.configure")
def add_recert_slot(path_id: int):
    path = db.get_or_404(CertificationPath, path_id)
    slot_form = RecertSlotForm()
    done = slot_form.validate_on_submit() and unit_of_work(
        services.add_recert_slot, db.session, current_user, path, slot_form.code.data,
        slot_form.label.data, slot_form.kind.data, slot_form.reference.data or "",
        slot_form.pass_mark.data, slot_form.label_zh.data or "", form=slot_form)
    if done:
        # The slot's label in the reader's language, as the settings page shows it.
        flash(_("%(slot)s has been saved.", slot=done.value.tr("label")), "success")
        flash_reevaluation()
        return redirect(url_for("certificates.settings", path_id=path.id))
    return _settings_page(path, _settings_form(path, formdata=False), slot_form,
                          form_status(slot_form))


@require("certificates.configure")
def remove_recert_slot(path_id: int, slot_id: int):
    slot = db.get_or_404(RecertificationSlot, slot_id)
    if slot.path_id != path_id:
        abort(404)
    if not Form().validate_on_submit():
        abort(400)
    label = slot.tr("label")
    if unit_of_work(services.remove_recert_slot, db.session, current_user, slot):
        flash(_("%(slot)s has been removed.", slot=label), "success")
        flash_reevaluation()
    return redirect(url_for("certificates.settings", path_id=path_id))
