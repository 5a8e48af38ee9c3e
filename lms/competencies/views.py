"""The competency matrix page (everyone) and the framework admin screens."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.competencies.forms import AreaForm, CompetencyForm, EvidenceWeightForm, LevelForm
from lms.competencies.models import Competency, CompetencyArea, ProficiencyLevel
from lms.competencies.services import matrix as services
from lms.competencies.services import weights
from lms.core.extensions import db
from lms.core.forms import Form, choices, load_translations
from lms.core.policy import require
from lms.core.requests import flash_reevaluation, form_status, render_form, unit_of_work
from lms.paths.models import CertificationPath


@require("matrix.view")
def matrix():
    paths, required = services.matrix(db.session)
    return render_template(
        "competencies/matrix.html", areas=services.framework(db.session), paths=paths,
        required=required, scale=services.scale(db.session),
    )


@require("framework.manage")
def matrix_edit():
    """One grid of selects; every cell is checked and saved in one transaction."""
    paths, required = services.matrix(db.session)
    form = Form()
    errors: dict[str, str] = {}
    refused = None
    if form.validate_on_submit():
        done = unit_of_work(services.save_matrix, db.session, current_user, paths, request.form,
                            request.form.get("reason", "")[:500])
        if done:
            flash(_("The matrix has been saved."), "success")
            flash_reevaluation()
            return redirect(url_for("competencies.matrix"))
        refused, errors = request.form, getattr(done.error, "cells", {})
    return render_template(
        "competencies/matrix_edit.html", areas=services.framework(db.session), paths=paths,
        required=required, scale=services.scale(db.session), form=form, errors=errors,
        submitted=refused,
    ), form_status() if refused is not None else 200


# Framework admin: areas, competencies, the scale.


@require("framework.manage")
def admin_framework():
    return render_template(
        "competencies/admin_framework.html", areas=services.framework(db.session),
        scale=services.scale(db.session), remove_form=Form(),
    )


@require("framework.manage")
def area_form(area_id: int | None):
    area = db.get_or_404(CompetencyArea, area_id) if area_id else None
    form = AreaForm(obj=area)
    if area is not None and request.method == "GET":
        load_translations(form, area)
    if form.validate_on_submit():
        data = services.AreaData(
            code=form.code.data, name=form.name.data, name_zh=form.name_zh.data or "",
            description=form.description.data or "",
            description_zh=form.description_zh.data or "", position=form.position.data,
        )
        done = unit_of_work(services.save_area, db.session, current_user, area, data, form=form)
        if done:
            flash(_("Area %(code)s saved.", code=done.value.code), "success")
            return redirect(url_for("competencies.admin_framework"))
    title = _("Edit area %(code)s", code=area.code) if area else _("Add a competency area")
    return _form_page(form, title)


@require("framework.manage")
def competency_form(competency_id: int | None):
    competency = db.get_or_404(Competency, competency_id) if competency_id else None
    form = CompetencyForm(obj=competency)
    form.area_id.choices = choices(
        (a.id, f"{a.code} · {a.tr('name')}") for a in db.session.scalars(
            select(CompetencyArea).order_by(CompetencyArea.position, CompetencyArea.code))
    )
    if request.method == "GET":
        if competency is not None:
            load_translations(form, competency)
        else:
            form.area_id.data = request.args.get("area", type=int)
    if form.validate_on_submit():
        data = services.CompetencyData(
            area_id=form.area_id.data, code=form.code.data, name=form.name.data,
            name_zh=form.name_zh.data or "", description=form.description.data or "",
            description_zh=form.description_zh.data or "", position=form.position.data,
            active=form.active.data,
            min_items=3 if form.min_items.data is None else form.min_items.data,
        )
        done = unit_of_work(services.save_competency, db.session, current_user, competency, data,
                            form=form)
        if done:
            flash(_("Competency %(code)s saved.", code=done.value.code), "success")
            return redirect(url_for("competencies.admin_framework"))
    title = (_("Edit competency %(code)s", code=competency.code) if competency
             else _("Add a competency"))
    return _form_page(form, title)


def _level_data(form: LevelForm) -> services.LevelData:
    return services.LevelData(
        name=form.name.data, name_zh=form.name_zh.data or "",
        description=form.description.data or "", description_zh=form.description_zh.data or "",
    )


@require("framework.manage")
def level_form(level: int):
    row = db.get_or_404(ProficiencyLevel, level)
    form = LevelForm(obj=row)
    if request.method == "GET":
        load_translations(form, row)
    if form.validate_on_submit() and unit_of_work(
            services.save_level, db.session, current_user, row, _level_data(form), form=form):
        flash(_("Level %(level)d saved.", level=level), "success")
        return redirect(url_for("competencies.admin_framework"))
    return _form_page(form, _("Edit level %(level)d of the scale", level=level))


@require("framework.manage")
def level_add():
    form = LevelForm()
    if form.validate_on_submit():
        done = unit_of_work(services.add_level, db.session, current_user, _level_data(form),
                            form=form)
        if done:
            flash(_("Level %(level)d added at the top of the scale.", level=done.value.level),
                  "success")
            return redirect(url_for("competencies.admin_framework"))
    return _form_page(form, _("Add a level at the top of the scale"))


@require("framework.manage")
def level_remove_top():
    if not Form().validate_on_submit():
        abort(400)
    done = unit_of_work(services.remove_top_level, db.session, current_user)
    if done:
        flash(_("Level %(level)d has been removed from the scale.", level=done.value),
              "success")
    return redirect(url_for("competencies.admin_framework"))


def _form_page(form, title: str):
    """The shared admin form page; 422 when a post was invalid or refused."""
    return render_form("competencies/form.html", form, title=title)


# A path's requirements: the matrix column of one tier. Served here, not by lms.paths, because
# the matrix (competencies × paths) sits above the paths it reads.
@require("paths.view")
def path_requirements(path_id: int):
    path = db.get_or_404(CertificationPath, path_id)
    _paths, required = services.matrix(db.session)
    return render_template(
        "paths/detail.html", path=path, areas=services.framework(db.session), required=required,
    )


@require("framework.manage")
def evidence_weights():
    form = EvidenceWeightForm()
    kinds = weights.kind_weights(db.session)
    form.source_kind.choices = choices((k.source_kind, k.label) for k in kinds)
    if form.validate_on_submit():
        done = unit_of_work(weights.change_kind_weight, db.session, current_user,
                            form.source_kind.data, form.weight.data, form.reason.data,
                            form=form)
        if done:
            flash(_("The weight is saved; %(n)d competency levels were recomputed.",
                    n=done.value), "success")
            return redirect(url_for("competencies.evidence_weights"))
    return render_form("competencies/evidence_weights.html", form, kinds=kinds)
