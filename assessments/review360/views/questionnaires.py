"""Questionnaire templates (admins): the list, one questionnaire's current items, adding and
removing items (a new version when a cycle uses the current one)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from assessments.review360.forms import ConfirmForm, ItemForm
from assessments.review360.models import Questionnaire
from assessments.review360.services import questionnaires
from lms.competencies.models import Competency
from lms.core.extensions import db
from lms.core.forms import choices
from lms.core.policy import require
from lms.core.requests import form_status, unit_of_work


@require("review360.questionnaires")
def questionnaire_list():
    rows = db.session.scalars(select(Questionnaire).order_by(Questionnaire.tier,
                                                             Questionnaire.code)).all()
    return render_template("assessments/review360/questionnaires.html", questionnaires=rows)


def _item_form(form=None) -> ItemForm:
    form = form or ItemForm(formdata=None)
    competencies = db.session.scalars(select(Competency).where(Competency.active.is_(True))
                                      .order_by(Competency.code)).all()
    form.competencies.choices = choices((c.id, f"{c.code} — {c.tr('name')}")
                                        for c in competencies)
    return form


@require("review360.questionnaires")
def questionnaire_detail(questionnaire_id: int, form=None, status: int = 200):
    questionnaire = db.get_or_404(Questionnaire, questionnaire_id)
    names = {c.id: c for c in db.session.scalars(select(Competency))}
    return render_template("assessments/review360/questionnaire.html",
                           questionnaire=questionnaire, version=questionnaire.current,
                           form=_item_form(form), confirm=ConfirmForm(), competencies=names,
                           anchors=questionnaires.anchors_for(questionnaire.current,
                                                              "en")), status


@require("review360.questionnaires")
def questionnaire_add_item(questionnaire_id: int):
    questionnaire = db.get_or_404(Questionnaire, questionnaire_id)
    form = _item_form(ItemForm())
    if form.validate_on_submit():
        data = questionnaires.ItemData(form.kind.data, form.text.data,
                                       tuple(form.competencies.data or ()),
                                       form.text_zh.data or "")
        if unit_of_work(questionnaires.add_item, db.session, current_user, questionnaire, data,
                        form=form):
            flash(_("Item added to version %(n)d.", n=questionnaire.current.number),
                  "success")
            return redirect(url_for("review360.questionnaire_detail",
                                    questionnaire_id=questionnaire.id))
    return questionnaire_detail(questionnaire_id, form=form, status=form_status(form))


@require("review360.questionnaires")
def questionnaire_remove_item(questionnaire_id: int):
    questionnaire = db.get_or_404(Questionnaire, questionnaire_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    position = request.form.get("position", type=int)
    if position is None:
        flash(_("That item is not in this questionnaire."), "error")
    elif unit_of_work(questionnaires.remove_item, db.session, current_user, questionnaire,
                      position):
        flash(_("Item removed (version %(n)d).", n=questionnaire.current.number), "success")
    return redirect(url_for("review360.questionnaire_detail",
                            questionnaire_id=questionnaire.id))
