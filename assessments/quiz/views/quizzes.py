"""Quiz set-up pages (authors): settings, questions and draws, publishing, results and
regrades; and the accommodations page (HR, admins, mentors for their mentees). Thin: parse,
call a service, commit, render."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assessments.quiz.forms import (
    AddDrawForm,
    AddQuestionForm,
    ConfirmForm,
    DeleteOverrideForm,
    OverrideForm,
    QuizForm,
    RegradeForm,
)
from assessments.quiz.models import (
    Attempt,
    AttemptQuestion,
    Question,
    QuestionCategory,
    QuestionVersion,
    Quiz,
    QuizItem,
    QuizOverride,
)
from assessments.quiz.services import grading, quizzes
from lms.core.eligibility import describe as describe_eligibility
from lms.core.extensions import db
from lms.core.policy import authorize, may, require
from lms.core.requests import form_status, render_form, unit_of_work
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from lms.people.policy import report_scope, visible_people_filter


@require("quiz.author")
def author_quizzes():
    rows = db.session.scalars(quizzes.quiz_list_query().options(selectinload(Quiz.items))).all()
    return render_template("assessments/quiz/admin/list.html", quizzes=rows)


@require("quiz.author")
def quiz_settings(quiz_id: int | None):
    quiz = db.get_or_404(Quiz, quiz_id) if quiz_id is not None else None
    form = QuizForm()
    form.set_path_choices((p.id, p.tr("name")) for p in db.session.scalars(
        select(CertificationPath).order_by(CertificationPath.position)))
    if quiz is not None and not form.is_submitted():
        form.load(quiz)
    if form.validate_on_submit():
        saved = unit_of_work(quizzes.save_quiz, db.session, current_user, quiz,
                             form.data_for_service(quiz), form=form)
        if saved:
            flash(_("Quiz settings saved."), "success")
            return redirect(url_for("quiz.author_quiz", quiz_id=saved.value.id))
    return render_form("assessments/quiz/admin/settings.html", form, quiz=quiz)


def _question_labels() -> list[tuple[int, str]]:
    """(question id, "Category › name") of every live question, for the add-question select."""
    latest: dict[int, QuestionVersion] = {}
    for version in db.session.scalars(select(QuestionVersion).join(Question).where(
            Question.archived.is_(False))):
        if version.question_id not in latest or version.number > \
                latest[version.question_id].number:
            latest[version.question_id] = version
    paths = _category_paths()
    questions = db.session.scalars(select(Question).where(Question.id.in_(latest))).all()
    labels = [(q.id, f"{paths.get(q.category_id, '')} › {latest[q.id].name}")
              for q in questions]
    return sorted(labels, key=lambda pair: pair[1].lower())


def _category_paths() -> dict[int, str]:
    """{category id: "Parent › Child"} for every category."""
    categories = {c.id: c for c in db.session.scalars(select(QuestionCategory))}

    def path(category: QuestionCategory) -> str:
        names, seen = [], set()
        while category is not None and category.id not in seen:
            names.append(category.name)
            seen.add(category.id)
            category = categories.get(category.parent_id)
        return " › ".join(reversed(names))

    return {cid: path(c) for cid, c in categories.items()}


def _item_forms(question_form=None, draw_form=None):
    question_form = question_form or AddQuestionForm(formdata=None)
    question_form.question_id.set_choices(_question_labels())
    draw_form = draw_form or AddDrawForm(formdata=None)
    draw_form.category_id.set_choices(sorted(_category_paths().items(),
                                             key=lambda pair: pair[1].lower()))
    return question_form, draw_form


@require("quiz.author")
def author_quiz(quiz_id: int, question_form=None, draw_form=None, status: int = 200):
    quiz = db.get_or_404(Quiz, quiz_id)
    question_form, draw_form = _item_forms(question_form, draw_form)
    latest = {}
    for item in quiz.items:
        if item.question is not None:
            latest[item.id] = item.question.versions[-1]
    return render_template(
        "assessments/quiz/admin/quiz.html", quiz=quiz, latest=latest,
        paths=_category_paths(), question_form=question_form, draw_form=draw_form,
        confirm=ConfirmForm(), count=quizzes.question_count(quiz),
        attempted=quizzes.has_attempts(db.session, quiz),
        warnings=quizzes.author_warnings(db.session, quiz),
        who=describe_eligibility(quizzes.eligibility(quiz))), status


@require("quiz.author")
def add_question(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    form, _draw = _item_forms(AddQuestionForm())
    if form.validate_on_submit() and unit_of_work(
            quizzes.add_question, db.session, current_user, quiz, form.question_id.data,
            form.mark.data, form=form):
        flash(_("Question added."), "success")
        return redirect(url_for("quiz.author_quiz", quiz_id=quiz.id))
    return author_quiz(quiz.id, question_form=form, status=form_status(form))


@require("quiz.author")
def add_draw(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    _question, form = _item_forms(draw_form=AddDrawForm())
    if form.validate_on_submit() and unit_of_work(
            quizzes.add_draw, db.session, current_user, quiz, form.category_id.data,
            form.draw_count.data, form.include_subcategories.data, form.mark.data, form=form):
        flash(_("Random draw added."), "success")
        return redirect(url_for("quiz.author_quiz", quiz_id=quiz.id))
    return author_quiz(quiz.id, draw_form=form, status=form_status(form))


def _item_action(item_id: int, action) -> object:
    item = db.get_or_404(QuizItem, item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    unit_of_work(action, item)
    return redirect(url_for("quiz.author_quiz", quiz_id=item.quiz_id))


@require("quiz.author")
def remove_item(item_id: int):
    return _item_action(item_id, lambda item: quizzes.remove_item(
        db.session, current_user, item.quiz, item))


@require("quiz.author")
def move_item(item_id: int):
    offset = -1 if request.form.get("direction") == "up" else 1
    return _item_action(item_id, lambda item: quizzes.move_item(
        db.session, current_user, item.quiz, item, offset))


@require("quiz.author")
def publish(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    change = quizzes.unpublish if quiz.published else quizzes.publish
    if unit_of_work(change, db.session, current_user, quiz):
        flash(_("The quiz is open to learners.") if quiz.published
              else _("The quiz is closed to new attempts."), "success")
    return redirect(url_for("quiz.author_quiz", quiz_id=quiz.id))


# Results and regrades


@require("quiz.results")
def results(quiz_id: int):
    """The attempts of the people the viewer may see (`report_scope`): authoring a quiz does
    not show anyone's results."""
    quiz = db.get_or_404(Quiz, quiz_id)
    rows = db.session.scalars(
        select(Attempt).join(Person, Person.id == Attempt.person_id)
        .where(Attempt.quiz_id == quiz.id, report_scope(current_user))
        .order_by(Attempt.person_id, Attempt.number)).all()
    people = {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_({a.person_id for a in rows})))} if rows else {}
    by_person: dict[int, list[Attempt]] = {}
    for attempt in rows:
        by_person.setdefault(attempt.person_id, []).append(attempt)
    table = sorted(((people[pid], found, grading.quiz_grade(db.session, quiz, pid))
                    for pid, found in by_person.items()), key=lambda row: row[0].name)
    return render_template("assessments/quiz/admin/results.html", quiz=quiz, table=table)


def _regrade_choices(quiz: Quiz, form: RegradeForm) -> None:
    used = db.session.scalars(
        select(QuestionVersion).where(QuestionVersion.id.in_(
            select(AttemptQuestion.question_version_id).join(Attempt)
            .where(Attempt.quiz_id == quiz.id)))
        .order_by(QuestionVersion.name, QuestionVersion.number)).all()
    others = db.session.scalars(
        select(QuestionVersion).where(QuestionVersion.question_id.in_(
            {v.question_id for v in used} or {-1}))
        .order_by(QuestionVersion.name, QuestionVersion.number)).all()

    def label(version: QuestionVersion) -> str:
        return _("%(name)s, version %(n)d", name=version.name, n=version.number)

    form.old_version_id.set_choices([(v.id, label(v)) for v in used])
    form.new_version_id.set_choices([(v.id, label(v)) for v in others])


@require("quiz.author")
def regrade(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    form = RegradeForm()
    _regrade_choices(quiz, form)
    if form.validate_on_submit():
        old = db.session.get(QuestionVersion, form.old_version_id.data)
        new = db.session.get(QuestionVersion, form.new_version_id.data)
        changed = unit_of_work(grading.regrade, db.session, current_user, quiz, old, new,
                               form.reason.data, form=form)
        if changed:
            flash(_("%(n)d attempts were regraded.", n=len(changed.value)), "success")
            return redirect(url_for("quiz.results", quiz_id=quiz.id))
    return render_form("assessments/quiz/admin/regrade.html", form, quiz=quiz)


# Accommodations (overrides)


def _override_choices(form: OverrideForm) -> None:
    stmt = select(Person).where(Person.active.is_(True), visible_people_filter(current_user))
    if not current_user.has_role("admin", "hr"):
        stmt = select(Person).where(Person.active.is_(True), Person.mentor_id == current_user.id)
    form.person_id.set_choices([(p.id, f"{p.name} ({p.employee_id})")
                                for p in db.session.scalars(stmt.order_by(Person.name))])
    teams = db.session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.name)) \
        if may(current_user, "quiz.override_teams") else []
    form.team_id.set_choices([(t.id, t.name) for t in teams])


@login_required
def overrides(quiz_id: int):
    authorize("quiz.override")
    quiz = db.get_or_404(Quiz, quiz_id)
    form = OverrideForm()
    _override_choices(form)
    if form.validate_on_submit() and unit_of_work(
            quizzes.save_override, db.session, current_user, quiz, form.data_for_service(),
            form=form):
        flash(_("Accommodation saved."), "success")
        return redirect(url_for("quiz.overrides", quiz_id=quiz.id))
    rows = db.session.scalars(select(QuizOverride).where(QuizOverride.quiz_id == quiz.id)
                              .order_by(QuizOverride.id)).all()
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(
        {r.person_id for r in rows if r.person_id} | {r.created_by_id for r in rows
                                                       if r.created_by_id})))}
    teams = {t.id: t for t in db.session.scalars(select(Team).where(Team.id.in_(
        {r.team_id for r in rows if r.team_id})))}
    visible = [r for r in rows if may(current_user, "quiz.override",
                                      people.get(r.person_id) or teams.get(r.team_id))]
    return render_form("assessments/quiz/admin/overrides.html", form, quiz=quiz, rows=visible,
                       people=people, teams=teams, delete_form=DeleteOverrideForm())


@login_required
def delete_override(override_id: int):
    authorize("quiz.override")
    override = db.get_or_404(QuizOverride, override_id)
    form = DeleteOverrideForm()
    if not form.validate_on_submit():
        abort(400)
    if unit_of_work(quizzes.delete_override, db.session, current_user, override,
                    form.reason.data or ""):
        flash(_("Accommodation removed."), "success")
    return redirect(url_for("quiz.overrides", quiz_id=override.quiz_id))
