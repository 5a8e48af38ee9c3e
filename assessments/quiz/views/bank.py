"""Question bank screens for authors under /author/bank, and item analysis per quiz.

Thin: parse a form, call one bank service, commit, flash, redirect. Every route needs the
author right ("quiz.author").
"""

import re
from decimal import Decimal
from functools import partial

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
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from assessments.quiz.forms import (
    QTYPE_HINTS,
    QTYPE_LABELS,
    QUESTION_FORMS,
    CategoryForm,
    ImportForm,
    apply_question_error,
)
from assessments.quiz.models import (
    QUESTION_TYPES,
    Attempt,
    Question,
    QuestionAttachment,
    QuestionCategory,
    QuestionVersion,
    Quiz,
)
from assessments.quiz.services import analysis, bank, formats, languages, scoring
from lms.competencies.models import Competency, CompetencyArea
from lms.core import uploads
from lms.core.extensions import db
from lms.core.forms import Form, choices
from lms.core.i18n import other_languages
from lms.core.numbers import HUNDREDTHS, half_up
from lms.core.policy import require
from lms.core.requests import form_status, render_form, unit_of_work
from lms.people.models import Person

FLAG_LABELS = {
    "too_easy": _l("very easy (facility above 95)"),
    "too_hard": _l("very hard (facility below 5)"),
    "negative_discrimination": _l("negative discrimination: check the key"),
    "weak_discrimination": _l("weak discrimination (below 10)"),
}


def _check_post() -> None:
    if not Form().validate_on_submit():
        abort(400)


def _category_choices() -> list[tuple[int, str]]:
    return [(node.category.id, "\u2003" * node.depth + node.category.name)
            for node in bank.category_tree(db.session)]


def _competency_choices():
    rows = db.session.execute(
        select(Competency, CompetencyArea).join(CompetencyArea)
        .where(Competency.active.is_(True))
        .order_by(CompetencyArea.position, CompetencyArea.code, Competency.position)).all()
    return choices((c.id, f"{c.code} · {c.tr('name')}") for c, _area in rows)


# The bank


@require("quiz.author")
def bank_index():
    category_id = request.args.get("category", type=int)
    category = db.get_or_404(QuestionCategory, category_id) if category_id else None
    qtype = request.args.get("type", "")
    search = request.args.get("q", "").strip()
    archived = request.args.get("archived") == "1"
    listed = (bank.questions_in(db.session, category, archived,
                                qtype if qtype in QUESTION_TYPES else "", search)
              if category is not None or search or qtype else [])
    tree = bank.category_tree(db.session)
    children: dict[int | None, list] = {}
    for node in tree:
        children.setdefault(node.category.parent_id, []).append(node)
    return render_template(
        "assessments/quiz/bank/index.html", tree=tree, children=children,
        untranslated={version.id: [language for language in other_languages()
                                   if not languages.is_complete(version, language)]
                      for _question, version in listed},
        category=category, path=bank.category_path(category) if category else [],
        questions=listed, qtype=qtype, search=search, archived=archived,
        qtype_labels=QTYPE_LABELS, delete_form=Form())


@require("quiz.author")
def bank_category(category_id: int | None):
    category = db.get_or_404(QuestionCategory, category_id) if category_id else None
    form = CategoryForm(obj=category)
    form.parent_id.set_choices(
        (cid, label) for cid, label in _category_choices()
        if category is None or cid not in bank.subtree_ids(db.session, category))
    if category is None and request.method == "GET":
        form.parent_id.data = request.args.get("parent", type=int)
    if form.validate_on_submit():
        parent = (db.session.get(QuestionCategory, form.parent_id.data)
                  if form.parent_id.data else None)
        saved = (unit_of_work(bank.create_category, db.session, current_user,
                              form.name.data, parent, form.description.data or "", form=form)
                 if category is None else
                 unit_of_work(bank.update_category, db.session, current_user, category,
                              form.name.data, parent, form.description.data or "", form=form))
        if saved:
            category = category or saved.value
            flash(_("Category %(name)s saved.", name=category.name), "success")
            return redirect(url_for("quiz.bank_index", category=category.id))
    title = (_("Edit category %(name)s", name=category.name) if category
             else _("Add a category"))
    return render_form("assessments/quiz/bank/category_form.html", form, title=title,
                       category=category)


@require("quiz.author")
def bank_category_delete(category_id: int):
    category = db.get_or_404(QuestionCategory, category_id)
    _check_post()
    parent_id = category.parent_id
    if not unit_of_work(bank.delete_category, db.session, current_user, category):
        return redirect(url_for("quiz.bank_index", category=category_id))
    flash(_("The category has been deleted."), "success")
    return redirect(url_for("quiz.bank_index", category=parent_id))


# Questions


def _question_page(form, title: str, question=None):
    """The question form. After a post it shows again only when refused (a row's error may
    sit outside `form.errors`), unless the post only asked for more rows."""
    status = 200 if request.form.get("action") == "more" else form_status()
    return render_template(
        "assessments/quiz/bank/question_form.html", form=form, title=title, question=question,
        qtype_label=QTYPE_LABELS[form.qtype], qtype_hint=QTYPE_HINTS[form.qtype],
        usage=bank.version_usage(db.session, question) if question else {}), status


def _save_question(form, operation, *args):
    """Save through `operation`; a refusal goes beside the row it names."""
    data, kept = form.question_data()
    category = db.get_or_404(QuestionCategory, form.category_id.data)
    return unit_of_work(operation, *args, data, category, form=form,
                        show=partial(apply_question_error, kept=kept))


def _prepare(form) -> None:
    form.category_id.choices = choices(_category_choices())
    form.competency_ids.choices = _competency_choices()


def _create_question(actor, data, category) -> Question:
    return bank.create_question(db.session, actor, category, data)


@require("quiz.author")
def bank_question_new():
    qtype = request.values.get("type", "")
    category_id = request.values.get("category", type=int)
    if qtype not in QUESTION_FORMS:
        return render_template("assessments/quiz/bank/question_type.html",
                               qtype_labels=QTYPE_LABELS, qtype_hints=QTYPE_HINTS,
                               category_id=category_id)
    form = QUESTION_FORMS[qtype]()
    _prepare(form)
    if request.method == "GET":
        form.category_id.data = category_id
        if qtype == "truefalse":
            form.answer.data = "true"
        form.add_blank_rows(4)
    elif request.form.get("action") == "more":
        form.add_blank_rows()
    elif form.validate_on_submit():
        saved = _save_question(form, _create_question, current_user)
        if saved:
            flash(_("Question saved."), "success")
            return redirect(url_for("quiz.bank_question", question_id=saved.value.id))
    return _question_page(form, _("New question: %(type)s", type=QTYPE_LABELS[qtype]))


@require("quiz.author")
def bank_question_edit(question_id: int):
    question = db.get_or_404(Question, question_id)
    latest = bank.current_version(question)
    form = QUESTION_FORMS[latest.qtype]()
    _prepare(form)
    if request.method == "GET":
        form.load(question, latest)
    elif request.form.get("action") == "more":
        form.add_blank_rows()
    elif form.validate_on_submit():
        saved = _save_question(form, bank.edit_question, db.session, current_user, question)
        if saved:
            version = saved.value
            flash(_("Question saved as version %(number)d.", number=version.number)
                  if version.number != latest.number
                  else _("Question saved; its content did not change."), "success")
            return redirect(url_for("quiz.bank_question", question_id=question.id))
    return _question_page(form, _("Edit question: %(name)s", name=latest.name), question)


def _preview_response(version: QuestionVersion) -> dict | None:
    """A response posted on the preview page, in the shape scoring reads."""
    form = request.form
    if version.qtype == "single":
        return {"choice": form["answer"]} if form.get("answer") else None
    if version.qtype == "multiple":
        picked = form.getlist("answer")
        return {"choices": picked} if picked else None
    if version.qtype == "truefalse":
        answer = form.get("answer")
        return {"answer": answer == "true"} if answer in ("true", "false") else None
    if version.qtype == "matching":
        matches = {pair["id"]: form.get(f"match-{pair['id']}", "")
                   for pair in version.data.get("pairs", [])}
        return {"matches": {k: v for k, v in matches.items() if v}}
    text = form.get("answer", "")
    return {"text": text[:5000]} if text.strip() else None


def _matching_choices(version: QuestionVersion) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for pair in version.data.get("pairs", []):
        seen.setdefault(pair["answer"], pair["id"])
    return [(choice_id, text) for text, choice_id in seen.items()]


@require("quiz.author")
def bank_question(question_id: int):
    """The question as learners see it (try an answer: it is scored, never saved), its key,
    and its versions."""
    question = db.get_or_404(Question, question_id)
    number = request.args.get("version", type=int)
    versions = {v.number: v for v in question.versions}
    version = versions.get(number) if number else bank.current_version(question)
    if version is None:
        abort(404)
    tried = response = None
    if request.method == "POST":
        _check_post()
        response = _preview_response(version)
        fraction = scoring.score_response(version, response)
        tried = {"fraction": fraction, "feedback": scoring.answer_feedback(version, response),
                 "percent": None if fraction is None else bank.canonical(
                     half_up(fraction * 100, HUNDREDTHS))}
    codes = db.session.scalars(select(Competency).where(Competency.id.in_(
        [link.competency_id for link in question.competency_links])).order_by(Competency.code))
    author_ids = {v.created_by_id for v in question.versions if v.created_by_id}
    authors = dict(db.session.execute(select(Person.id, Person.name)
                                      .where(Person.id.in_(author_ids))).all())
    return render_template(
        "assessments/quiz/bank/question.html", question=question, version=version,
        other_versions=[languages.shown(version, language) for language in other_languages()],
        latest=bank.current_version(question), path=bank.category_path(question.category),
        competencies=list(codes), usage=bank.version_usage(db.session, question),
        authors=authors,
        qtype_labels=QTYPE_LABELS, tried=tried, response=response or {},
        matching_choices=_matching_choices(version) if version.qtype == "matching" else [],
        html=bank.question_html, percent=_percent, action_form=Form())


def _percent(value) -> str:
    return bank.canonical(Decimal(str(value)) * 100)


@require("quiz.author")
def bank_question_archive(question_id: int):
    question = db.get_or_404(Question, question_id)
    _check_post()
    archived = request.form.get("archived") == "1"
    if unit_of_work(bank.set_archived, db.session, current_user, question, archived):
        flash(_("The question has been archived: it is hidden from the bank and random "
                "draws.") if archived else _("The question has been restored."), "success")
    return redirect(url_for("quiz.bank_question", question_id=question.id))


# Import and export


def _import(form: ImportForm):
    """Import the uploaded file in the chosen (or detected) format."""
    text = bank.decode_bank_file(form.file.data.read(bank.XML_UPLOAD_MAX_BYTES + 1))
    target = (db.session.get(QuestionCategory, form.category_id.data)
              if form.category_id.data else None)
    fmt = None if form.file_format.data == "auto" else form.file_format.data
    return formats.import_bank_file(db.session, current_user, text, fmt, target,
                                    form.on_error.data, current_app.config["STORAGE_DIR"])


@require("quiz.author")
def bank_import():
    form = ImportForm()
    form.category_id.set_choices(_category_choices())
    if request.method == "GET":
        form.category_id.data = request.args.get("category", type=int)
    problems, skipped, imported_count = [], [], None
    if form.validate_on_submit():
        imported = unit_of_work(_import, form, form=form)
        if imported:
            _fmt, result = imported.value
            questions = result.questions
            flash(_("%(n)d questions imported.", n=len(questions)), "success")
            if not result.skipped:
                first = questions[0].category_id if questions else None
                return redirect(url_for("quiz.bank_index", category=first))
            skipped = [str(problem) for problem in result.skipped]
            imported_count = len(questions)
        elif isinstance(imported.error, bank.ImportRefused):
            problems = [str(problem) for problem in imported.error.problems]
    return render_form("assessments/quiz/bank/import.html", form, problems=problems,
                       skipped=skipped, imported_count=imported_count)


@require("quiz.author")
def bank_export():
    category = db.get_or_404(QuestionCategory, request.args.get("category", type=int))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", category.name).strip("-").lower() or "questions"
    fmt = request.args.get("format", "gift")
    if fmt not in formats.FORMATS:
        abort(404)
    text, _skipped = formats.export_bank(db.session, category, fmt,
                                         current_app.config["STORAGE_DIR"])
    mimetype = "application/xml" if fmt == "moodle-xml" else "text/plain"
    return Response(text, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{slug}.{formats.EXTENSIONS[fmt]}"'})


@login_required
def question_file(sha256: str, filename: str):
    """A file a question's text shows (an image imported with it), for anyone signed in."""
    row = db.session.scalar(select(QuestionAttachment).where(
        QuestionAttachment.sha256 == sha256).limit(1))
    if row is None:
        abort(404)
    return uploads.send_stored(current_app.config["STORAGE_DIR"], row.sha256,
                               row.content_type, row.filename,
                               inline=row.content_type in uploads.IMAGE_TYPES)


# Item analysis


@require("quiz.author")
def analysis_index():
    counts = dict(db.session.execute(
        select(Attempt.quiz_id, func.count()).where(Attempt.state == "finished",
                                                    Attempt.score.is_not(None))
        .group_by(Attempt.quiz_id)).all())
    quizzes = db.session.scalars(select(Quiz).order_by(func.lower(Quiz.title))).all()
    return render_template("assessments/quiz/bank/analysis_index.html", quizzes=quizzes,
                           counts=counts)


@require("quiz.author")
def item_analysis(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    which = request.args.get("attempts", "first")
    if which not in analysis.ATTEMPT_CHOICES:
        which = "first"
    stats = analysis.quiz_statistics(db.session, quiz, which, _("True"), _("False"))
    return render_template("assessments/quiz/bank/analysis.html", quiz=quiz, stats=stats,
                           which=which, flag_labels=FLAG_LABELS, qtype_labels=QTYPE_LABELS,
                           minimum=analysis.MIN_RESPONSES_FOR_DISCRIMINATION)
