"""Authoring pages: the scenario library (scenarios, scripted customer, attachments,
publishing) and the rubric library (criteria and levels, versions, CSV import/export)."""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from assessments.roleplay.forms import (
    LEVEL_ROWS,
    CriterionForm,
    PostForm,
    RubricForm,
    RubricImportForm,
    ScenarioForm,
)
from assessments.roleplay.models import Rubric, Scenario, ScenarioAttachment, Submission
from assessments.roleplay.services import passmarks, rubrics, scenarios, submissions
from lms.competencies.models import Competency
from lms.core.eligibility import describe as describe_eligibility
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.forms import choices
from lms.core.policy import require
from lms.core.requests import INVALID_FORM, render_form, unit_of_work
from lms.paths.models import CertificationPath


def _check_post() -> None:
    if not PostForm().validate_on_submit():
        abort(400)


@require("roleplay.author")
def author_index():
    counts = dict(db.session.execute(select(Submission.scenario_id, func.count()).where(
        Submission.is_reference.is_(False)).group_by(Submission.scenario_id)).all())
    return render_template(
        "assessments/roleplay/author/index.html",
        scenarios=db.session.scalars(select(Scenario).order_by(Scenario.title)).all(),
        rubrics=db.session.scalars(select(Rubric).order_by(Rubric.title)).all(),
        counts=counts, rubric_form=RubricForm(formdata=None),
        import_form=RubricImportForm(formdata=None))


def _scenario_form(scenario: Scenario | None) -> ScenarioForm:
    form = ScenarioForm(obj=scenario) if request.method == "GET" and scenario else ScenarioForm()
    paths = [(p.id, p.tr("name")) for p in db.session.scalars(
        select(CertificationPath).order_by(CertificationPath.position))]
    form.path_id.set_choices(paths)
    form.certificate_path_id.set_choices(paths)
    form.stage_path_id.set_choices(paths)
    form.rubric_id.choices = choices((r.id, r.title) for r in db.session.scalars(
        select(Rubric).order_by(Rubric.title)))
    form.competency_ids.choices = choices((c.id, f"{c.code} · {c.tr('name')}") for c in
                                          db.session.scalars(select(Competency).where(
                                              Competency.active.is_(True))
                                              .order_by(Competency.code)))
    if request.method == "GET" and scenario is not None:
        form.competency_ids.data = [link.competency_id for link in scenario.competency_links]
        form.title_zh.data = scenario.translation("title", "zh_Hans_CN") or ""
        for name in scenarios.TEXT_FIELDS:
            getattr(form, f"{name}_zh").data = scenario.translation(name, "zh_Hans_CN") or ""
    return form


@require("roleplay.author")
def author_scenario(scenario_id: int | None = None):
    scenario = db.get_or_404(Scenario, scenario_id) if scenario_id else None
    form = _scenario_form(scenario)
    if form.validate_on_submit():
        saved = unit_of_work(scenarios.save_scenario, db.session, current_user, scenario,
                             form.to_data(), bool(form.confirm.data), form=form)
        if saved:
            flash(_("Scenario saved."), "success")
            return redirect(url_for("roleplay.author_scenario", scenario_id=saved.value.id))
    pass_check = passmarks.check(db.session, scenario.rubric.current.criteria,
                                 scenario.pass_mark, scenario.path_id) if scenario else None
    return render_form("assessments/roleplay/author/scenario.html", form, scenario=scenario,
                       post_form=PostForm(), pass_check=pass_check,
                       who=describe_eligibility(submissions.scenario_eligibility(scenario))
                       if scenario else None,
                       format_branches=scenarios.format_branches,
                       format_branches_zh=scenarios.format_branches_zh)


def _refusal_says(says, operation, *args):
    """`operation(*args)`, whose refusal's message is worded by `says(message)`."""
    try:
        return operation(*args)
    except DomainError as error:
        raise DomainError(says(error.message), error.field) from error


def _script_not_saved(message: str) -> str:
    return _("The script was not saved: %(message)s", message=message)


def _nothing_imported(message: str) -> str:
    return _("Nothing was imported: %(message)s", message=message)


def _set_script(actor, scenario: Scenario, posted) -> None:
    turns = []
    for n in range(scenarios.MAX_TURNS):
        reply = posted.get(f"turn-{n}-reply")
        if reply is None:
            break
        branches = scenarios.parse_branches(posted.get(f"turn-{n}-branches", ""))
        turns.append(scenarios.TurnData(reply, branches, translations=scenarios.turn_chinese(
            posted.get(f"turn-{n}-reply_zh", ""), posted.get(f"turn-{n}-branches_zh", ""),
            len(branches))))
    scenarios.set_script(db.session, actor, scenario, turns)


@require("roleplay.author")
def author_script(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    _check_post()
    if unit_of_work(_refusal_says, _script_not_saved, _set_script, current_user, scenario,
                    request.form):
        flash(_("Scripted customer saved."), "success")
    return redirect(url_for("roleplay.author_scenario", scenario_id=scenario_id,
                            _anchor="script"))


@require("roleplay.author")
def author_publish(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    _check_post()
    publish = request.form.get("published") == "1"
    if unit_of_work(scenarios.set_published, db.session, current_user, scenario, publish):
        flash(_("Published: agents can perform it now.") if publish else
              _("Withdrawn: agents no longer see it."), "success")
    return redirect(url_for("roleplay.author_scenario", scenario_id=scenario_id))


@require("roleplay.author")
def author_attachment_add(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    _check_post()
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Choose a file to upload."), "error")
    elif unit_of_work(scenarios.add_attachment, db.session, current_user, scenario,
                      file.filename, file.stream, current_app.config["STORAGE_DIR"],
                      current_app.config["ATTACHMENT_MAX_BYTES"]):
        flash(_("%(name)s has been attached.", name=file.filename), "success")
    return redirect(url_for("roleplay.author_scenario", scenario_id=scenario_id,
                            _anchor="attachments"))


@require("roleplay.author")
def author_attachment_delete(attachment_id: int):
    found = db.get_or_404(ScenarioAttachment, attachment_id)
    _check_post()
    scenario_id = found.scenario_id
    if unit_of_work(scenarios.remove_attachment, db.session, current_user, found):
        flash(_("%(name)s has been removed.", name=found.filename), "success")
    return redirect(url_for("roleplay.author_scenario", scenario_id=scenario_id,
                            _anchor="attachments"))


# Rubrics


@require("roleplay.author")
def author_rubric_new():
    form = RubricForm()
    if form.validate_on_submit():
        created = unit_of_work(rubrics.create_rubric, db.session, current_user,
                               form.title.data, form.description.data or "")
        if created:
            flash(_("Rubric created; add its criteria."), "success")
            return redirect(url_for("roleplay.author_rubric", rubric_id=created.value.id))
    else:
        flash(_("Give the rubric a title."), "error")
    return redirect(url_for("roleplay.author_index"))


@require("roleplay.author")
def author_rubric(rubric_id: int):
    rubric = db.get_or_404(Rubric, rubric_id)
    form = RubricForm(obj=rubric) if request.method == "GET" else RubricForm()
    if form.validate_on_submit() and unit_of_work(
            rubrics.rename_rubric, db.session, current_user, rubric, form.title.data,
            form.description.data or "", form=form):
        flash(_("Rubric saved."), "success")
        return redirect(url_for("roleplay.author_rubric", rubric_id=rubric.id))
    version_number = request.args.get("version", type=int)
    version = next((v for v in rubric.versions if v.number == version_number), rubric.current)
    using = db.session.scalars(select(Scenario).where(Scenario.rubric_id == rubric.id)
                               .order_by(Scenario.title)).all()
    checks = [(scenario, passmarks.check(db.session, version.criteria, scenario.pass_mark,
                                         scenario.path_id)) for scenario in using]
    return render_form("assessments/roleplay/author/rubric.html", form, rubric=rubric,
                       version=version, post_form=PostForm(), pass_checks=checks,
                       in_use=rubrics.in_use(db.session, rubric.current),
                       import_form=RubricImportForm(formdata=None))


def _criterion_form(rubric: Rubric, criterion) -> CriterionForm:
    form = CriterionForm(obj=criterion) if request.method == "GET" and criterion \
        else CriterionForm()
    form.competency_codes.choices = choices((c.code, f"{c.code} · {c.tr('name')}") for c in
                                            db.session.scalars(select(Competency).where(
                                                Competency.active.is_(True))
                                                .order_by(Competency.code)))
    if request.method == "GET" and criterion is not None:
        form.competency_codes.data = list(criterion.competency_codes)
    return form


@require("roleplay.author")
def author_criterion(rubric_id: int, position: int | None = None):
    rubric = db.get_or_404(Rubric, rubric_id)
    criterion = None
    if position is not None:
        criterion = next((c for c in rubric.current.criteria if c.position == position), None)
        if criterion is None:
            abort(404)
    form = _criterion_form(rubric, criterion)
    levels = [{"title": lv.title, "points": f"{lv.points.normalize():f}",
               "descriptor": lv.descriptor,
               "competency_level": str(passmarks.evidenced_level(lv))}
              for lv in criterion.levels] if criterion else []
    if request.method == "POST":
        levels = [{"title": request.form.get(f"level-{n}-title", ""),
                   "points": request.form.get(f"level-{n}-points", ""),
                   "descriptor": request.form.get(f"level-{n}-descriptor", ""),
                   "competency_level": request.form.get(f"level-{n}-competency_level", "")}
                  for n in range(LEVEL_ROWS)]
        if form.validate_on_submit() and unit_of_work(
                rubrics.save_criterion, db.session, current_user, rubric, position,
                form.data_with_levels(request.form), bool(form.confirm.data), form=form):
            flash(_("Criterion saved."), "success")
            return redirect(url_for("roleplay.author_rubric", rubric_id=rubric.id))
    levels += [{"title": "", "points": "", "descriptor": "", "competency_level": ""}] \
        * (LEVEL_ROWS - len(levels))
    return render_form("assessments/roleplay/author/criterion.html", form, rubric=rubric,
                       criterion=criterion, levels=levels[:LEVEL_ROWS], position=position,
                       in_use=rubrics.in_use(db.session, rubric.current))


def _confirm_change(message: str, action: str, back: str, fields: dict | None = None):
    """The page that asks the author to confirm a rubric change whose pass mark no longer
    fits, with the sentence saying why (422: nothing was changed)."""
    return render_template("assessments/roleplay/author/confirm_change.html", message=message,
                           action=action, back=back, fields=fields or {},
                           post_form=PostForm()), INVALID_FORM


def _refused(outcome) -> None:
    # unit_of_work put the refusal on the (CSRF-only) form: show it as a flash instead.
    flash(outcome.error.message, "error")


@require("roleplay.author")
def author_criterion_action(rubric_id: int, position: int, action: str):
    rubric = db.get_or_404(Rubric, rubric_id)
    post = PostForm()
    if not post.validate_on_submit():
        abort(400)
    confirmed = request.form.get("confirm") == "1"
    if action == "delete":
        done = unit_of_work(rubrics.delete_criterion, db.session, current_user, rubric,
                            position, confirmed, form=post)
    elif action in ("up", "down"):
        done = unit_of_work(rubrics.move_criterion, db.session, current_user, rubric, position,
                            -1 if action == "up" else 1, confirmed, form=post)
    else:
        abort(404)
    back = url_for("roleplay.author_rubric", rubric_id=rubric_id)
    if done:
        flash(_("Rubric updated."), "success")
    elif isinstance(done.error, passmarks.NeedsConfirmation):
        return _confirm_change(done.error.message, request.path, back)
    else:
        _refused(done)
    return redirect(back)


@require("roleplay.author")
def author_rubric_import(rubric_id: int | None = None):
    rubric = db.get_or_404(Rubric, rubric_id) if rubric_id else None
    form = RubricImportForm()
    back = url_for("roleplay.author_rubric", rubric_id=rubric_id) if rubric else \
        url_for("roleplay.author_index")
    if not form.validate_on_submit():
        abort(400)
    # A confirmed import posts the file's text back from the confirmation page.
    carried = request.form.get("csv_text")
    file = form.file.data
    if carried is not None:
        raw = carried.encode("utf-8")
    elif file is None or not getattr(file, "filename", ""):
        flash(_nothing_imported(_("Choose a CSV file.")), "error")
        return redirect(back)
    else:
        raw = file.stream.read(rubrics.CSV_MAX_BYTES + 1)
    confirmed = carried is not None and request.form.get("confirm") == "1"
    saved = unit_of_work(_refusal_says, _nothing_imported, rubrics.import_csv, db.session,
                         current_user, rubric, raw, form.title.data or "", confirmed,
                         form=form)
    if not saved:
        if isinstance(saved.error.__cause__, passmarks.NeedsConfirmation):
            return _confirm_change(saved.error.__cause__.message, request.path, back, {
                "csv_text": raw.decode("utf-8", "replace"), "title": form.title.data or ""})
        _refused(saved)
        return redirect(back)
    flash(_("Rubric imported."), "success")
    return redirect(url_for("roleplay.author_rubric", rubric_id=saved.value.id))


@require("roleplay.author")
def author_rubric_export(rubric_id: int):
    rubric = db.get_or_404(Rubric, rubric_id)
    number = request.args.get("version", type=int)
    version = next((v for v in rubric.versions if v.number == number), rubric.current)
    # A BOM so spreadsheet programs read the UTF-8 (Chinese level names) correctly.
    body = "\ufeff" + rubrics.export_csv(version)
    filename = f"rubric-{rubric.id}-v{version.number}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
