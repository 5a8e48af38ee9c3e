"""KPI definition admin screens and the KPI file import (dry run first); the improvement
plans have their own module (plan_views)."""

import csv
import io

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.forms import Form, apply_domain_error, choices, load_translations
from lms.core.policy import require
from lms.core.requests import INVALID_FORM, flash_reevaluation, render_form, unit_of_work
from lms.kpis.forms import KpiForm, KpiImportForm, KpiRequirementForm
from lms.kpis.models import KpiDefinition, KpiImport, KpiRequirement
from lms.kpis.services import definitions, requirements, values
from lms.paths.models import CertificationPath


@require("kpis.manage")
def admin_kpis():
    return render_template("kpis/admin_list.html",
                           kpis=definitions.ordered_kpis(db.session, include_inactive=True))


@require("kpis.manage")
def kpi_requirements():
    """The certification rules on KPIs, path by path, and a form to add or change one."""
    form = KpiRequirementForm()
    paths = list(db.session.scalars(select(CertificationPath).order_by(
        CertificationPath.position, CertificationPath.code)))
    kpis = definitions.ordered_kpis(db.session)
    form.path_id.choices = choices((p.id, p.tr("name")) for p in paths)
    form.kpi_id.choices = choices((k.id, k.tr("name")) for k in kpis)
    if form.validate_on_submit():
        path = db.get_or_404(CertificationPath, form.path_id.data)
        kpi = db.get_or_404(KpiDefinition, form.kpi_id.data)
        if unit_of_work(requirements.save_requirement, db.session, current_user, path, kpi,
                        form.threshold.data, form.periods.data, form=form):
            flash(_("The rule has been saved."), "success")
            flash_reevaluation()
            return redirect(url_for("kpis.kpi_requirements"))
    rules = list(db.session.scalars(select(KpiRequirement).order_by(KpiRequirement.path_id,
                                                                   KpiRequirement.id)))
    return render_form("kpis/requirements.html", form, rules=rules, remove_form=Form())


@require("kpis.manage")
def kpi_requirement_remove(requirement_id: int):
    requirement = db.get_or_404(KpiRequirement, requirement_id)
    if not Form().validate_on_submit():
        abort(400)
    if unit_of_work(requirements.remove_requirement, db.session, current_user, requirement):
        flash(_("The rule has been removed."), "success")
        flash_reevaluation()
    return redirect(url_for("kpis.kpi_requirements"))


@require("kpis.manage")
def kpi_form(kpi_id: int | None):
    kpi = db.get_or_404(KpiDefinition, kpi_id) if kpi_id else None
    form = KpiForm(obj=kpi)
    if kpi is not None and request.method == "GET":
        load_translations(form, kpi)
        form.mapping.data = definitions.mapping_text(kpi)
    if form.validate_on_submit():
        data = definitions.KpiData(
            code=form.code.data, name=form.name.data, name_zh=form.name_zh.data or "",
            description=form.description.data or "",
            description_zh=form.description_zh.data or "", unit=form.unit.data,
            direction=form.direction.data, period=form.period.data,
            min_value=form.min_value.data, max_value=form.max_value.data,
            target=form.target.data, weight=form.weight.data,
            periods_below_for_plan=form.periods_below_for_plan.data,
            mapping=form.mapping.data or "", active=form.active.data)
        done = unit_of_work(definitions.save_kpi, db.session, current_user, kpi, data,
                            form=form)
        if done:
            flash(_("%(kpi)s has been saved.", kpi=done.value.tr("name")), "success")
            flash_reevaluation()
            return redirect(url_for("kpis.admin_kpis"))
    return render_form("kpis/kpi_form.html", form, kpi=kpi)


def _recent_imports():
    return list(db.session.scalars(select(KpiImport).order_by(KpiImport.id.desc()).limit(10)))


@require("kpis.import")
def import_kpis():
    """Upload → dry run (every bad line listed) → confirm, which posts the checked rows
    back; they are checked again in full before anything is written."""
    form = KpiImportForm()
    max_bytes = current_app.config["CSV_IMPORT_MAX_BYTES"]
    if request.method == "POST" and request.form.get("confirm") == "1":
        if not Form().validate_on_submit():
            abort(400)
        text = request.form.get("rows_csv", "")
        file_name = request.form.get("file_name", "")[:255]
        reason = request.form.get("reason", "")[:500]
        try:
            records = values.read_file(text.encode("utf-8"), "rows.csv", max_bytes)
        except DomainError as error:
            apply_domain_error(form, DomainError(error.message, "file"))
            return render_form("kpis/import.html", form, plan=None, imports=_recent_imports())
        plan = values.check_rows(db.session, records)
        done = unit_of_work(values.import_values, db.session, current_user, plan,
                            source="upload", file_name=file_name, reason=reason,
                            replace_periods=True, form=form)
        if done:
            flash(ngettext("%(num)d KPI value imported.", "%(num)d KPI values imported.",
                           done.value.rows), "success")
            return redirect(url_for("kpis.import_kpis"))
        return render_form("kpis/import.html", form, plan=plan, rows_csv=text,
                           file_name=file_name, error=done.error.message,
                           confirm_form=Form(), imports=_recent_imports())
    if form.validate_on_submit():
        upload = form.file.data
        try:
            records = values.read_file(upload.read(max_bytes + 1), upload.filename or "",
                                       max_bytes)
        except DomainError as error:
            apply_domain_error(form, DomainError(error.message, "file"))
            return render_form("kpis/import.html", form, plan=None, imports=_recent_imports())
        plan = values.check_rows(db.session, records)
        db.session.rollback()
        page = render_template("kpis/import.html", form=form, plan=plan,
                               rows_csv=_rows_csv(records), file_name=upload.filename or "",
                               confirm_form=Form(), imports=_recent_imports(),
                               reason=form.reason.data or "")
        return page, INVALID_FORM if plan.problems else 200
    return render_form("kpis/import.html", form, plan=None, imports=_recent_imports())


def _rows_csv(records) -> str:
    """The checked records as the four-column CSV the confirmation posts back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(values.COLUMNS)
    for _line, record in records:
        writer.writerow([record.get(c, "") for c in values.COLUMNS])
    return out.getvalue()
