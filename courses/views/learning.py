"""Learner pages on the courses blueprint: my path, a person's path, the team table, the
catalogue, a course, its lessons, and enrolment. Thin: parse, call a service, commit, render.
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from courses.forms import AssignForm, CompleteLessonForm, SelfEnrolForm, WithdrawForm
from courses.models import Course, Enrollment
from courses.services import enrolment, progress
from courses.services.media import lesson_media
from lms.competencies.models import Competency
from lms.core.errors import NotFound
from lms.core.extensions import db
from lms.core.policy import authorize, may, require
from lms.core.requests import render_form, unit_of_work
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from lms.people.policy import visible_people_filter

TEAM_PAGE_SIZE = 50
CATALOGUE_PAGE_SIZE = 20


# Paths


@login_required
def my_path():
    overview = progress.path_overview(db.session, current_user)
    return render_template("courses/learn/path.html", overview=overview, own=True)


@login_required
def person_path(person_id: int):
    person = db.get_or_404(Person, person_id)
    authorize("person.view", person)
    overview = progress.path_overview(db.session, person)
    return render_template("courses/learn/path.html", overview=overview,
                           own=person.id == current_user.id)


@require("team.progress")
def team():
    team_id = request.args.get("team", type=int)
    # No cap on the page size: benchmarks/team_page.py sets it to the whole team.
    people = db.paginate(progress.team_query(current_user, team_id), per_page=TEAM_PAGE_SIZE,
                         max_per_page=None, error_out=False)
    columns, rows = progress.team_rows(db.session, people.items)
    teams = progress.team_choices(db.session, current_user)
    return render_template("courses/learn/team.html", columns=columns, rows=rows, teams=teams,
                           team_id=team_id, people=people)


# Catalogue and course pages


@require("courses.browse")
def catalogue():
    text = request.args.get("q", "").strip()[:200]
    tier_id = request.args.get("tier", type=int)
    competency_id = request.args.get("competency", type=int)
    status = request.args.get("status", "")
    status = status if status in enrolment.CATALOGUE_STATUSES else None
    courses = db.paginate(
        enrolment.catalogue_query(current_user, text, tier_id, competency_id, status),
        per_page=CATALOGUE_PAGE_SIZE, error_out=False)
    standing = progress.progress(db.session, [current_user.id], [c.id for c in courses])
    return render_template(
        "courses/learn/catalogue.html", courses=courses, standing=standing, query=text,
        tier_id=tier_id,
        competency_id=competency_id, status=status or "",
        tiers=db.session.scalars(select(CertificationPath).where(CertificationPath.active)
                                 .order_by(CertificationPath.position)).all(),
        competencies=db.session.scalars(select(Competency).where(Competency.active)
                                        .order_by(Competency.area_id, Competency.position))
        .all(),
    )


def _published_course(course_id: int) -> Course:
    """A course learners may see: one with a published version (archived ones stay readable
    for the people enrolled)."""
    course = db.get_or_404(Course, course_id)
    if not course.published_version or course.status == "draft":
        abort(404)
    return course


@login_required
def course_page(course_id: int):
    course = _published_course(course_id)
    modules = progress.outline(db.session, [course.id])[course.id]
    standing = progress.progress(db.session, [current_user.id], [course.id],
                                 with_keys=True)[(current_user.id, course.id)]
    missing = enrolment.unmet_prerequisites(db.session, current_user.id, course)
    return render_template(
        "courses/learn/course.html", course=course, modules=modules, standing=standing,
        missing=missing, missing_message=enrolment.prerequisite_message(missing) if missing else "",
        next_lesson=progress.first_incomplete(modules, standing.done_keys),
        enrol_form=SelfEnrolForm(),
        may_self_enrol=(may(current_user, "courses.self_enrol", course)
                        and not standing.enrolled),
    )


@login_required
def course_enrol(course_id: int):
    course = _published_course(course_id)
    if not SelfEnrolForm().validate_on_submit():
        abort(400)
    if unit_of_work(enrolment.self_enrol, db.session, current_user, course):
        flash(_("You are enrolled in %(course)s.", course=course.tr("title")), "success")
    return redirect(url_for("courses.course_page", course_id=course.id))


def _enrollable_people() -> list[Person]:
    people = db.session.scalars(
        select(Person).where(visible_people_filter(current_user), Person.active.is_(True))
        .order_by(Person.name)
    ).all()
    return [p for p in people if may(current_user, "courses.enrol_others", p)]


def _assign_form(people: list[Person]) -> AssignForm:
    form = AssignForm()
    form.person_id.set_choices((p.id, f"{p.name} ({p.employee_id})") for p in people)
    if may(current_user, "courses.enrol_team"):
        stmt = select(Team).where(Team.active.is_(True)).order_by(Team.name)
        if not current_user.has_role("admin", "hr"):
            stmt = stmt.where(Team.id.in_({p.team_id for p in people if p.team_id}))
        form.team_id.set_choices((t.id, t.name) for t in db.session.scalars(stmt))
    else:
        del form.team_id
    return form


@require("courses.enrol_others")
def course_assign(course_id: int):
    course = _published_course(course_id)
    form = _assign_form(_enrollable_people())
    if form.validate_on_submit():
        team_id = form.team_id.data if "team_id" in form else None
        if team_id is not None:
            authorize("courses.enrol_team")
            done = unit_of_work(enrolment.enrol_team, db.session, current_user,
                                db.get_or_404(Team, team_id), course, form.due_date.data,
                                form=form)
        else:
            person = db.get_or_404(Person, form.person_id.data)
            authorize("courses.enrol_others", person)
            done = unit_of_work(enrolment.enrol_people, db.session, current_user, [person],
                                course, form.due_date.data, form=form)
        if done:
            _flash_result(done.value)
            return redirect(url_for("courses.course_page", course_id=course.id))
    return render_form("courses/learn/assign.html", form, course=course)


def _flash_result(result: enrolment.EnrolmentResult) -> None:
    flash(ngettext("%(num)d person enrolled.", "%(num)d people enrolled.",
                   len(result.enrolled)), "success")
    if result.unchanged:
        flash(ngettext("%(num)d person was already enrolled.",
                       "%(num)d people were already enrolled.", len(result.unchanged)), "info")
    if result.refused:
        flash(ngettext("%(num)d team member is outside your reporting line and was not "
                       "enrolled.", "%(num)d team members are outside your reporting line "
                       "and were not enrolled.", len(result.refused)), "info")


@login_required
def enrollment_withdraw(enrollment_id: int):
    enrollment = db.get_or_404(Enrollment, enrollment_id)
    authorize("courses.enrol_others", enrollment.person)
    if enrollment.withdrawn:
        return redirect(url_for("courses.person_path", person_id=enrollment.person_id))
    form = WithdrawForm()
    if not form.validate_on_submit():
        # First the page that names the course and the person and asks why (GET), or again
        # with the problem (a POST without a reason answers 422).
        return render_form("courses/learn/withdraw.html", form, enrollment=enrollment)
    if unit_of_work(enrolment.withdraw, db.session, current_user, enrollment,
                    form.reason.data.strip()):
        flash(_("%(name)s is withdrawn from %(course)s. Their progress is kept: enrolling "
                "them again brings it back.", name=enrollment.person.name,
                course=enrollment.course.tr("title")), "success")
    return redirect(url_for("courses.person_path", person_id=enrollment.person_id))


# Lessons


def _lesson_context(course: Course, lesson_key: str):
    """The reader's enrolment (403 without one), the course outline and the lesson (404)."""
    enrollment = progress.active_enrollment(db.session, current_user.id, course.id)
    authorize("courses.learn", enrollment)
    modules = progress.outline(db.session, [course.id])[course.id]
    lessons = progress.lessons_of(modules)
    index = next((i for i, lesson in enumerate(lessons) if lesson.key == lesson_key), None)
    if index is None:
        abort(404)
    return enrollment, modules, lessons, index


@login_required
def lesson_page(course_id: int, lesson_key: str):
    from courses.services.lesson_links import lesson_links
    from lms.core.markdown import render_markdown

    course = _published_course(course_id)
    enrollment, modules, lessons, index = _lesson_context(course, lesson_key)
    lesson = lessons[index]
    standing = progress.progress(db.session, [current_user.id], [course.id],
                                 with_keys=True)[(current_user.id, course.id)]
    missing = enrolment.unmet_prerequisites(db.session, current_user.id, course)
    form = CompleteLessonForm(opened=progress.lesson_token(
        current_app.config["SECRET_KEY"], current_user.id, course.id, lesson))
    media, files = lesson_media(lesson.attachments)
    return render_template(
        "courses/learn/lesson.html", course=course, modules=modules, lesson=lesson,
        media=media, files=files,
        body=render_markdown(lesson.tr("body")), standing=standing, missing=missing,
        missing_message=enrolment.prerequisite_message(missing) if missing else "",
        form=form, previous=lessons[index - 1] if index else None,
        following=lessons[index + 1] if index + 1 < len(lessons) else None,
        done=lesson.key in standing.done_keys,
        links=[] if missing else lesson_links(db.session, current_user, course, lesson),
    )


@login_required
def lesson_complete(course_id: int, lesson_key: str):
    course = _published_course(course_id)
    enrollment = progress.active_enrollment(db.session, current_user.id, course.id)
    authorize("courses.learn", enrollment)
    completed_before = enrollment.completed_at is not None
    form = CompleteLessonForm()
    if not form.validate_on_submit():
        abort(400)
    here = url_for("courses.lesson_page", course_id=course.id, lesson_key=lesson_key)
    # The refusal lands on the form, not in a flash: a lesson gone from the course is a 404.
    done = unit_of_work(progress.mark_complete, db.session, current_user, course, lesson_key,
                        form.opened.data, current_app.config["SECRET_KEY"], form=form)
    if isinstance(done.error, NotFound):
        abort(404)
    if not done:
        flash(done.error.message, "error")
        return redirect(here)
    if not completed_before and enrollment.completed_at is not None:
        flash(_("Well done: you have completed %(course)s.", course=course.tr("title")),
              "success")
        return redirect(url_for("courses.course_page", course_id=course.id))
    flash(_("Lesson completed."), "success")
    return redirect(_next_lesson_url(course) or here)


def _next_lesson_url(course: Course) -> str | None:
    modules = progress.outline(db.session, [course.id])[course.id]
    standing = progress.progress(db.session, [current_user.id], [course.id],
                                 with_keys=True)[(current_user.id, course.id)]
    lesson = progress.first_incomplete(modules, standing.done_keys)
    if lesson is None:
        return url_for("courses.course_page", course_id=course.id)
    return url_for("courses.lesson_page", course_id=course.id, lesson_key=lesson.key)
