"""Certification path pages (everyone) and their admin screens."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.core.extensions import db
from lms.core.forms import load_translations
from lms.core.kinds import UnknownAssessmentKind, get_kind, registered_kinds
from lms.core.policy import require
from lms.core.requests import flash_reevaluation, render_form, unit_of_work
from lms.paths import services
from lms.paths.forms import SlotForm, SlotRemoveForm, path_form_for, weight_fields
from lms.paths.models import AssessmentSlot, CertificationPath


@require("paths.view")
def index():
    return render_template("paths/index.html", paths=services.ordered_paths(db.session))


# Admin


@require("paths.manage")
def admin_paths():
    return render_template(
        "paths/admin_list.html", paths=services.ordered_paths(db.session, include_inactive=True),
    )


@require("paths.manage")
def path_form(path_id: int | None):
    path = db.get_or_404(CertificationPath, path_id) if path_id else None
    slots = list(path.slots) if path else []
    form = path_form_for(slots)(obj=path)
    form.prerequisite_id.set_choices(
        (p.id, p.tr("name") if p.active else _("%(path)s (deactivated)", path=p.tr("name")))
        for p in db.session.scalars(
            select(CertificationPath).order_by(CertificationPath.position, CertificationPath.code))
        if path is None or p.id != path.id
    )
    if path is not None and request.method == "GET":
        load_translations(form, path)
        for slot in slots:
            form[f"weight_{slot.id}"].data = slot.weight
    if form.validate_on_submit():
        data = services.PathData(
            code=form.code.data, name=form.name.data, name_zh=form.name_zh.data or "",
            description=form.description.data or "",
            description_zh=form.description_zh.data or "", position=form.position.data,
            prerequisite_id=form.prerequisite_id.data,
            validity_months=form.validity_months.data, training_days=form.training_days.data,
            requires_mentor=form.requires_mentor.data,
            composite_pass_mark=form.composite_pass_mark.data, active=form.active.data,
            pass_rate_target=form.pass_rate_target.data,
        )
        weights = {slot.id: form[f"weight_{slot.id}"].data for slot in slots}
        done = unit_of_work(services.save_path, db.session, current_user, path, data, weights,
                            form.reason.data or "", form=form)
        if done and path is None:
            flash(_("%(path)s has been added. Now add its assessments.",
                    path=done.value.tr("name")), "success")
            return redirect(url_for("paths.path_form", path_id=done.value.id))
        if done:
            flash(_("%(path)s has been saved.", path=done.value.tr("name")), "success")
            flash_reevaluation()
            return redirect(url_for("paths.admin_paths"))
    return render_form(
        "paths/path_form.html", form, path=path, weights=weight_fields(form),
        kinds=registered_kinds(),
    )


def _slot_or_404(path: CertificationPath, slot_id: int) -> AssessmentSlot:
    slot = db.get_or_404(AssessmentSlot, slot_id)
    if slot.path_id != path.id:
        abort(404)
    return slot


@require("paths.manage")
def slot_form(path_id: int, slot_id: int | None):
    path = db.get_or_404(CertificationPath, path_id)
    slot = _slot_or_404(path, slot_id) if slot_id else None
    form = SlotForm(obj=slot)
    if slot is None and request.method == "GET":
        form.position.data = max((s.position for s in path.slots), default=-1) + 1
    kinds = registered_kinds()
    if form.validate_on_submit():
        data = services.SlotData(
            code=form.code.data, label=form.label.data, kind=form.kind.data,
            weight=form.weight.data, pass_mark=form.pass_mark.data, position=form.position.data,
            reference=form.reference.data or "",
        )
        done = unit_of_work(services.save_slot, db.session, current_user, path, slot, data,
                            form.reason.data or "", form=form)
        if done:
            saved = done.value
            flash(_("%(slot)s has been saved.", slot=saved.tr("label")), "success")
            flash_reevaluation()
            if saved.kind not in kinds:
                flash(_("No assessment kind is registered as %(kind)s yet. The slot is kept, "
                        "but cannot be assessed until that kind is installed.",
                        kind=saved.kind), "info")
            return redirect(url_for("paths.path_form", path_id=path.id))
    references = _references(form.kind.data)
    if references:
        form.reference.render_kw = {"list": "reference-choices"}
    return render_form(
        "paths/slot_form.html", form, path=path, slot=slot, kinds=kinds, references=references,
    )


def _references(kind_key: str | None) -> list[tuple[str, str]]:
    """The references the slot's kind offers (none when the kind is not installed)."""
    try:
        return get_kind(kind_key or "")().references(db.session)
    except UnknownAssessmentKind:
        return []


@require("paths.manage")
def slot_remove(path_id: int, slot_id: int):
    path = db.get_or_404(CertificationPath, path_id)
    slot = _slot_or_404(path, slot_id)
    form = SlotRemoveForm()
    if form.validate_on_submit():
        label = slot.tr("label")
        if unit_of_work(services.remove_slot, db.session, current_user, slot,
                        form.reason.data, form=form):
            flash(_("%(slot)s has been removed.", slot=label), "success")
            flash_reevaluation()
            return redirect(url_for("paths.path_form", path_id=path.id))
    return render_form("paths/slot_remove.html", form, path=path, slot=slot)
