"""Learner pages of the quiz blueprint: my quizzes, a quiz, the attempt form (plain HTML; the
autosave script only adds saving as you go), the summary, submit, the review, and the essay
grading queue. Thin: parse, call a service, commit, render.

Pages that show attempts first finish the person's overdue ones (a write on a GET, only when
something is overdue; it runs in its own IMMEDIATE transaction so SQLite never fails it).
"""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.engine import Engine

from assessments.quiz.forms import EssayGradeForm, MalformedPost, SubmitForm, posted_answers
from assessments.quiz.models import Attempt, AttemptQuestion, Quiz
from assessments.quiz.services import attempts, grading, review
from assessments.quiz.services.attempts import AnswerRefused
from assessments.quiz.services.quizzes import eligibility as quiz_eligibility
from assessments.quiz.services.quizzes import question_count, quiz_list_query, rules_for
from courses.models import Course
from courses.services.progress import current_lesson
from lms.core import clock
from lms.core.database import writing
from lms.core.eligibility import describe as describe_eligibility
from lms.core.errors import DomainError, NotFound
from lms.core.extensions import db
from lms.core.policy import authorize, may, require
from lms.core.requests import form_status, unit_of_work
from lms.people import signed_in
from lms.people.models import Person


def quiz_marks(value) -> str:
    return grading.display_marks(value)


def _finish_overdue_for(person, quiz: Quiz | None = None) -> None:
    """Apply the deadline to the person's overdue attempts before a page shows them."""
    if not attempts.overdue_attempt_ids(db.session, person_id=person.id,
                                        quiz_id=quiz.id if quiz is not None else None):
        return
    db.session.rollback()  # end this GET's read transaction; the write begins IMMEDIATE
    with writing():
        attempts.touch(db.session, person, quiz)
        db.session.commit()


def _own_attempt(attempt_id: int) -> Attempt:
    """The current user's attempt, or 404 (someone else's attempt is not shown at all)."""
    attempt = db.get_or_404(Attempt, attempt_id)
    if not may(current_user, "quiz.attempt", attempt):
        abort(404)
    return attempt


# Quizzes


@login_required
def my_quizzes():
    _finish_overdue_for(current_user)
    quizzes = db.session.scalars(quiz_list_query(published_only=True)).all()
    mine: dict[int, list[Attempt]] = {}
    for attempt in db.session.scalars(select(Attempt).where(
            Attempt.person_id == current_user.id).order_by(Attempt.number)):
        mine.setdefault(attempt.quiz_id, []).append(attempt)
    exams, checks = [], []
    for quiz in quizzes:
        past = mine.get(quiz.id, [])
        grade = grading.QuizGrade(None, None)
        if any(a.state == "finished" for a in past) and review.grade_visible(
                review.reviewable(db.session, quiz, current_user, past)):
            grade = grading.grade_from(quiz, past)
        open_attempt = next((a for a in past if a.state in attempts.OPEN_STATES), None)
        (checks if quiz.lesson_key else exams).append((quiz, grade, open_attempt, bool(past)))
    return render_template("assessments/quiz/take/list.html", exams=exams, checks=checks,
                           courses=_course_titles({q.course_id for q, *_rest in checks}))


def _course_titles(course_ids: set) -> dict[int, str]:
    """{course id: title in the reader's language} for the knowledge checks' courses."""
    ids = {cid for cid in course_ids if cid is not None}
    if not ids:
        return {}
    return {c.id: c.tr("title") for c in db.session.scalars(
        select(Course).where(Course.id.in_(ids)))}


@login_required
def quiz_page(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    if not may(current_user, "quiz.take", quiz) and not may(current_user, "quiz.author"):
        abort(404)
    _finish_overdue_for(current_user, quiz)
    past = attempts.attempts_of(db.session, quiz, current_user.id)
    allowed = review.reviewable(db.session, quiz, current_user, past)
    grade = grading.quiz_grade(db.session, quiz, current_user.id)
    return render_template(
        "assessments/quiz/take/quiz.html", quiz=quiz, past=past, reviewable=allowed,
        rules=rules_for(db.session, quiz, current_user),
        open_attempt=attempts.current_attempt(db.session, quiz, current_user.id),
        availability=attempts.availability(db.session, quiz, current_user),
        grade=grade if review.grade_visible(allowed) else grading.QuizGrade(None, None),
        count=question_count(quiz), form=SubmitForm(), lesson=_lesson_of(quiz),
        who=describe_eligibility(quiz_eligibility(quiz)))


def _lesson_of(quiz: Quiz):
    """The published lesson a knowledge check belongs to (for a link back), or None."""
    if not quiz.lesson_key or quiz.course_id is None:
        return None
    course = db.session.get(Course, quiz.course_id)
    return current_lesson(db.session, course, quiz.lesson_key) if course is not None else None


@login_required
def start(quiz_id: int):
    quiz = db.get_or_404(Quiz, quiz_id)
    started = unit_of_work(attempts.start_attempt, db.session, current_user, quiz)
    if not started:
        return redirect(url_for("quiz.quiz_page", quiz_id=quiz.id))
    return redirect(url_for("quiz.attempt_page", attempt_id=started.value.id))


# The attempt


@login_required
def attempt_page(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    _finish_overdue_for(current_user, attempt.quiz)
    attempt = attempts.load_attempt(db.session, attempt_id)
    if attempt.state == "overdue":
        return redirect(url_for("quiz.summary", attempt_id=attempt.id))
    if attempt.state != "in_progress":
        return redirect(url_for("quiz.review_page", attempt_id=attempt.id))
    items = review.allowed_items(db.session, attempt, current_user)
    return render_template(
        "assessments/quiz/take/attempt.html", attempt=attempt, quiz=attempt.quiz,
        questions=[review.question_view(aq, items, during=True) for aq in attempt.questions],
        seconds_left=_seconds_left(attempt))


def _seconds_left(attempt: Attempt) -> int | None:
    if attempt.deadline_at is None:
        return None
    return max(int((attempt.deadline_at - clock.now()).total_seconds()), 0)


def _save_posted(attempt_id: int) -> dict[int, int]:
    """Save the posted answers; AnswerRefused is committed (its audit entry) and re-raised."""
    try:
        answers = posted_answers(request.form)
    except MalformedPost:
        abort(400)
    # Saves are the hottest write path. Nothing is read after this commit but the signed-in
    # person (their language); keeping them loaded saves a second transaction, which on
    # SQLite would queue for the write lock again.
    db.session().expire_on_commit = False
    try:
        sequences = attempts.save_answers(db.session, current_user, attempt_id, answers)
    except AnswerRefused:
        db.session.commit()
        raise
    db.session.commit()
    return sequences


@login_required
def save(attempt_id: int):
    try:
        _save_posted(attempt_id)
    except NotFound:
        abort(404)
    except AnswerRefused as refused:
        flash(refused.message, "error")
        if refused.reason == "not_yours":
            return redirect(url_for("quiz.my_quizzes"))
        return redirect(url_for("quiz.attempt_page", attempt_id=attempt_id))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("quiz.attempt_page", attempt_id=attempt_id))
    if request.form.get("action") == "finish":
        return redirect(url_for("quiz.summary", attempt_id=attempt_id))
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("quiz.attempt_page", attempt_id=attempt_id))


def autosave(attempt_id: int):
    """The autosave script's endpoint: the same fields as the form, a JSON answer. A save the
    attempt accepts takes two SQL statements (`_save_quickly`); everything else (refusals,
    the deadline, a session that is no longer valid) the full path."""
    sequences = _save_quickly(attempt_id)
    if sequences is None:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        return _autosave_fully(attempt_id)
    return _saved(sequences)


def _save_quickly(attempt_id: int) -> dict[int, int] | None:
    """Save the posted answers in one read and one write, the signed-in person read with the
    attempt; None (nothing written) when the full path must decide."""
    person_id = signed_in.claimed_id()
    if person_id is None:
        return None
    try:
        answers = posted_answers(request.form)
    except MalformedPost:
        return None
    bind = db.session.get_bind()
    if len(answers) == 1 and bind.dialect.name == "postgresql" and isinstance(bind, Engine) \
            and not db.session().in_transaction():
        # One answer is one UPDATE that re-checks whatever could change after the read, so
        # it needs no transaction around the two: each statement commits on its own, saving
        # the BEGIN and COMMIT round trips. (SQLite's IMMEDIATE transaction costs none.)
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    quick = attempts.quick_save(db.session, person_id, attempt_id, answers)
    # Flask-Login now checks the session (its protection, the version, the person active)
    # with the person just read instead of reading them again. Nothing has been written yet.
    if quick is not None:
        signed_in.offer(quick.person)
    if quick is None or current_user._get_current_object() is not quick.person:
        db.session.rollback()  # the full path starts a transaction of its own
        return None
    try:
        sequences = quick.write()
    except attempts.SaveRaced:
        db.session.rollback()
        return None
    db.session().expire_on_commit = False  # the answer reads the person's language after it
    db.session.commit()
    return sequences


def _saved(sequences: dict[int, int]):
    return jsonify(ok=True, sequences={str(k): v for k, v in sequences.items()},
                   message=_("Saved"))


def _autosave_fully(attempt_id: int):
    try:
        sequences = _save_posted(attempt_id)
    except NotFound as missing:
        db.session.rollback()
        return jsonify(ok=False, reason="not_found", message=missing.message), 404
    except AnswerRefused as refused:
        attempt = db.session.get(Attempt, attempt_id)
        body = {"ok": False, "reason": refused.reason, "message": refused.message}
        if attempt.person_id == current_user.id and attempt.state != "in_progress":
            body["redirect"] = url_for("quiz.attempt_page", attempt_id=attempt_id)
        status = {"stale": 409, "not_yours": 403}.get(refused.reason, 422)
        return jsonify(body), status
    except DomainError as error:
        db.session.rollback()
        return jsonify(ok=False, reason="invalid", message=error.message), 422
    return _saved(sequences)


@login_required
def summary(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    _finish_overdue_for(current_user, attempt.quiz)
    attempt = attempts.load_attempt(db.session, attempt_id)
    if attempt.state not in attempts.OPEN_STATES:
        return redirect(url_for("quiz.review_page", attempt_id=attempt.id))
    return render_template("assessments/quiz/take/summary.html", attempt=attempt,
                           quiz=attempt.quiz, form=SubmitForm(),
                           seconds_left=_seconds_left(attempt),
                           grace_ends=attempts.grace_ends(attempt))


@login_required
def submit(attempt_id: int):
    db.get_or_404(Attempt, attempt_id)
    if not SubmitForm().validate_on_submit():
        abort(400)
    try:
        attempt, finished_now = attempts.submit(db.session, current_user, attempt_id)
    except AnswerRefused as refused:
        db.session.commit()
        flash(refused.message, "error")
        return redirect(url_for("quiz.my_quizzes"))
    db.session.commit()
    if finished_now:
        flash(_("Your attempt is submitted."), "success")
    elif attempt.state == "finished":
        flash(_("This attempt was already submitted; nothing changed."), "info")
    return redirect(url_for("quiz.review_page", attempt_id=attempt_id))


# Review


def _reviewer_items(attempt: Attempt) -> tuple[frozenset[str], bool]:
    """(items shown, whether the viewer is staff). Staff who may grade the person or see
    their results (mentor, manager line, HR, admins) see everything; the learner sees what
    the review options allow now. Authoring quizzes shows nobody's answers."""
    if attempt.person_id == current_user.id:
        return review.allowed_items(db.session, attempt, current_user), False
    person = db.session.get(Person, attempt.person_id)
    if may(current_user, "quiz.grade", person) or may(current_user, "quiz.results", person):
        return review.ALL_ITEMS, True
    abort(404)


@login_required
def review_page(attempt_id: int):
    attempt = db.get_or_404(Attempt, attempt_id)
    own = attempt.person_id == current_user.id
    if own:
        _finish_overdue_for(current_user, attempt.quiz)
    attempt = attempts.load_attempt(db.session, attempt_id)
    items, staff = _reviewer_items(attempt)
    if own and attempt.state in attempts.OPEN_STATES:
        return redirect(url_for("quiz.attempt_page", attempt_id=attempt.id))
    shown = [review.question_view(aq, items, with_response=staff or "responses" in items)
             for aq in attempt.questions]
    return render_template("assessments/quiz/take/review.html", attempt=attempt,
                           quiz=attempt.quiz, owner=db.session.get(Person, attempt.person_id),
                           items=items, staff=staff, questions=shown,
                           competencies=review.competencies_to_work_on(db.session, attempt)
                           if "competencies" in items else [])


# Essay grading


@require("quiz.grading_queue")
def grading_queue():
    queue = grading.grading_queue(db.session, current_user)
    people = {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_({a.person_id for a in queue})))} if queue else {}
    return render_template("assessments/quiz/take/grading_queue.html", queue=queue,
                           people=people)


def _gradable(attempt_id: int) -> tuple[Attempt, Person]:
    attempt = db.get_or_404(Attempt, attempt_id)
    person = db.session.get(Person, attempt.person_id)
    authorize("quiz.grade", person)
    return attempt, person


@login_required
def grade_attempt(attempt_id: int):
    attempt, person = _gradable(attempt_id)
    return _grade_page(attempt, person, {})


def _grade_page(attempt: Attempt, person: Person, forms: dict, status: int = 200):
    attempt = attempts.load_attempt(db.session, attempt.id)
    essays = [aq for aq in attempt.questions if aq.version.qtype == "essay"]
    for aq in essays:
        if aq.slot not in forms:
            form = EssayGradeForm(prefix=f"q{aq.slot}", formdata=None)
            if aq.graded_at is not None:
                form.mark.data = aq.fraction * aq.mark
                form.comment.data = aq.feedback
            forms[aq.slot] = form
    return render_template(
        "assessments/quiz/take/grade.html", attempt=attempt, quiz=attempt.quiz, person=person,
        essays=[(aq, review.question_view(aq, review.ALL_ITEMS), forms[aq.slot])
                for aq in essays]), status


@login_required
def grade_essay(attempt_id: int, slot: int):
    attempt, person = _gradable(attempt_id)
    aq = db.session.scalar(select(AttemptQuestion).where(
        AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.slot == slot))
    if aq is None:
        abort(404)
    form = EssayGradeForm(prefix=f"q{slot}")
    if form.validate_on_submit():
        graded = unit_of_work(grading.grade_essay, db.session, current_user, aq,
                              form.mark.data, form.comment.data or "", form=form)
        if isinstance(graded.error, NotFound):
            abort(404)
        if graded:
            flash(_("Grade saved for question %(slot)d.", slot=slot), "success")
            return redirect(url_for("quiz.grade_attempt", attempt_id=attempt.id))
    return _grade_page(attempt, person, {slot: form}, form_status(form))
