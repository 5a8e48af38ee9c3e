"""Course authoring screens under /author, and the attachment download every reader uses.

Thin: parse a form, call one authoring service, commit, flash, redirect. Learner pages add
their routes to the same blueprint in courses/views/learning.py.
"""

import shutil
import tempfile
import zipfile
from pathlib import Path

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
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from courses.forms import (
    AttachmentForm,
    CourseImportForm,
    LessonForm,
    ModuleForm,
    PreviewForm,
    PublishForm,
    ReasonForm,
    course_form_for,
)
from courses.models import (
    COURSE_STATES,
    Course,
    CourseModule,
    CourseVersion,
    Lesson,
    LessonAttachment,
)
from courses.services import authoring
from courses.services import packages as package_readers
from courses.services import versions as services
from courses.services.content_files import import_course
from courses.services.content_files.preview import preview_course
from courses.services.content_files.sources import MAX_ARCHIVE_BYTES
from lms.competencies.models import Competency, CompetencyArea
from lms.core import uploads
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.forms import Form, choices
from lms.core.i18n import ZH
from lms.core.markdown import render_markdown
from lms.core.policy import authorize, require
from lms.core.requests import flash_reevaluation, render_form, unit_of_work
from lms.paths.models import CertificationPath
from lms.people.models import Person

PAGE_SIZE = 50


def _check_post() -> None:
    if not Form().validate_on_submit():
        abort(400)


def _flash_form_errors(form) -> None:
    """A form posted from a page it does not render itself: its errors as flashed messages."""
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


def _offset() -> int:
    """-1 for "up", 1 for "down"; anything else is a bad request."""
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    return -1 if direction == "up" else 1


# Courses


@require("courses.author")
def author_courses():
    query = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    courses = db.paginate(authoring.course_list_query(query, status), per_page=PAGE_SIZE,
                          error_out=False)
    return render_template(
        "courses/authoring/list.html", courses=courses, query=query,
        status=status if status in COURSE_STATES else "", states=COURSE_STATES,
    )


def _paths() -> list[CertificationPath]:
    return list(db.session.scalars(
        select(CertificationPath).order_by(CertificationPath.position, CertificationPath.code)))


def _course_form(course: Course | None, paths: list[CertificationPath]):
    form = course_form_for(paths)(obj=course)
    linked = {link.competency_id for link in course.competency_links} if course else set()
    competencies = db.session.scalars(
        select(Competency).join(CompetencyArea)
        .order_by(CompetencyArea.position, Competency.position)
    ).all()
    form.competency_ids.choices = choices(
        (c.id, c.tr("name")) for c in competencies if c.active or c.id in linked)
    form.prerequisite_ids.choices = choices(
        (c.id, f"{c.code} · {c.tr('title')}") for c in db.session.scalars(
            select(Course).order_by(Course.code)) if course is None or c.id != course.id)
    if request.method == "GET" and course is not None:
        form.competency_ids.data = sorted(linked)
        form.prerequisite_ids.data = sorted(link.requires_id for link in course.prerequisite_links)
        current = (course.translations or {}).get(ZH, {})
        form.title_zh.data = current.get("title", "")
        form.summary_zh.data = current.get("summary", "")
        for link in course.path_links:
            if f"path_{link.path_id}" in form:
                form[f"path_{link.path_id}"].data = True
                form[f"required_{link.path_id}"].data = link.required
                form[f"due_{link.path_id}"].data = link.due_days
    return form


def _course_data(form, paths) -> authoring.CourseData:
    return authoring.CourseData(
        code=form.code.data, title=form.title.data, title_zh=form.title_zh.data or "",
        summary=form.summary.data or "", summary_zh=form.summary_zh.data or "",
        self_enrol=form.self_enrol.data,
        paths=[authoring.PathLink(p.id, form[f"required_{p.id}"].data, form[f"due_{p.id}"].data)
               for p in paths if form[f"path_{p.id}"].data],
        competency_ids=list(form.competency_ids.data or ()),
        prerequisite_ids=list(form.prerequisite_ids.data or ()),
    )


@require("courses.author")
def author_course_settings(course_id: int | None):
    course = db.get_or_404(Course, course_id) if course_id else None
    paths = _paths()
    form = _course_form(course, paths)
    if form.validate_on_submit():
        done = unit_of_work(authoring.save_course, db.session, current_user, course,
                            _course_data(form, paths), form=form)
        if done:
            flash(_("%(course)s has been saved.", course=done.value.tr("title")), "success")
            flash_reevaluation()
            return redirect(url_for("courses.author_course", course_id=done.value.id))
    return render_form("courses/authoring/settings.html", form, course=course, paths=paths)


@require("courses.author")
def author_course(course_id: int):
    course = db.get_or_404(Course, course_id)
    latest = services.latest_version(db.session, course)
    version = _eager_version(latest.id) if latest is not None else None
    changes = None
    if version is not None and version.is_draft:
        changes = authoring.draft_changes(db.session, course, version)
    versions = db.session.scalars(
        select(CourseVersion).where(CourseVersion.course_id == course.id)
        .order_by(CourseVersion.number.desc())).all()
    publishers = {p.id: p for p in db.session.scalars(select(Person).where(
        Person.id.in_({v.published_by_id for v in versions if v.published_by_id})))}
    return render_template(
        "courses/authoring/course.html", course=course, version=version, changes=changes,
        versions=versions, publishers=publishers, module_form=ModuleForm(),
        reason_form=ReasonForm(),
        translation_status=authoring.translation_status(version) if version else [],
    )


@require("courses.author")
def author_course_draft(course_id: int):
    course = db.get_or_404(Course, course_id)
    _check_post()
    if unit_of_work(services.draft, db.session, current_user, course):
        flash(_("A new draft has been started. Learners keep reading the published version "
                "until you publish it."), "success")
    return redirect(url_for("courses.author_course", course_id=course.id))


@require("courses.author")
def author_course_discard(course_id: int):
    course = db.get_or_404(Course, course_id)
    _check_post()
    if unit_of_work(authoring.discard_draft, db.session, current_user, course):
        flash(_("The draft has been discarded."), "success")
    return redirect(url_for("courses.author_course", course_id=course.id))


@require("courses.author")
def author_course_archive(course_id: int):
    course = db.get_or_404(Course, course_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    archive = request.form.get("archived") == "1"
    if unit_of_work(authoring.set_archived, db.session, current_user, course, archive,
                    form.reason.data or ""):
        flash(_("%(course)s has been archived.", course=course.tr("title")) if archive
              else _("%(course)s is back in the catalogue.", course=course.tr("title")), "success")
        flash_reevaluation()
    return redirect(url_for("courses.author_course", course_id=course.id))


@require("courses.author")
def author_course_publish(course_id: int):
    course = db.get_or_404(Course, course_id)
    version = authoring.current_draft(db.session, course)
    if version is None:
        flash(_("There is no draft to publish."), "error")
        return redirect(url_for("courses.author_course", course_id=course.id))
    changes = authoring.draft_changes(db.session, course, version)
    form = PublishForm()
    form.recomplete.choices = choices((lesson.key, lesson.title) for lesson in changes.changed)
    if form.validate_on_submit():
        done = unit_of_work(services.publish, db.session, current_user, course,
                            form.notes.data or "", frozenset(form.recomplete.data or ()),
                            form=form)
        if done:
            flash(_("Version %(number)d of %(course)s is published.",
                    number=done.value.number, course=course.tr("title")), "success")
            flash_reevaluation()
            return redirect(url_for("courses.author_course", course_id=course.id))
    return render_form("courses/authoring/publish.html", form, course=course, version=version,
                       changes=changes)


# Modules


def _module(module_id: int) -> CourseModule:
    return db.get_or_404(CourseModule, module_id)


def _course_page(module: CourseModule, anchor: str | None = None):
    return redirect(url_for("courses.author_course", course_id=module.version.course_id,
                            _anchor=anchor))


@require("courses.author")
def author_module_add(course_id: int):
    course = db.get_or_404(Course, course_id)
    form = ModuleForm()
    if form.validate_on_submit():
        done = unit_of_work(authoring.add_module, db.session, current_user, course,
                            form.title.data, form.title_zh.data or "")
        if done:
            flash(_("Module %(title)s has been added.", title=done.value.tr("title")), "success")
            return _course_page(done.value, f"module-{done.value.id}")
    else:
        _flash_form_errors(form)
    return redirect(url_for("courses.author_course", course_id=course.id))


@require("courses.author")
def author_module_edit(module_id: int):
    module = _module(module_id)
    form = ModuleForm(obj=module)
    if request.method == "GET":
        form.title_zh.data = (module.translations or {}).get(ZH, {}).get("title", "")
    if form.validate_on_submit() and unit_of_work(
            authoring.rename_module, db.session, current_user, module, form.title.data,
            form.title_zh.data or "", form=form):
        flash(_("Changes saved."), "success")
        return _course_page(module, f"module-{module.id}")
    return render_form("courses/authoring/module.html", form, module=module,
                       course=module.version.course)


@require("courses.author")
def author_module_delete(module_id: int):
    module = _module(module_id)
    _check_post()
    title, course_id = module.title, module.version.course_id
    if unit_of_work(authoring.delete_module, db.session, current_user, module):
        flash(_("Module %(title)s has been removed from the draft.", title=title), "success")
    return redirect(url_for("courses.author_course", course_id=course_id))


@require("courses.author")
def author_module_move(module_id: int):
    module = _module(module_id)
    _check_post()
    unit_of_work(authoring.move_module, db.session, current_user, module, _offset())
    return _course_page(module, f"module-{module.id}")


# Lessons


def _lesson(lesson_id: int) -> Lesson:
    return db.get_or_404(Lesson, lesson_id)


def _lesson_editor(module: CourseModule, lesson: Lesson | None):
    """Shared by new and edit: "preview" renders the posted text without saving (works
    without JavaScript); "save" saves."""
    form = LessonForm(obj=lesson)
    if lesson is not None and request.method == "GET":
        form.title_zh.data = (lesson.translations or {}).get(ZH, {}).get("title", "")
        form.body_zh.data = (lesson.translations or {}).get(ZH, {}).get("body", "")
    preview = None
    if lesson is not None and request.method == "GET":
        preview = render_markdown(lesson.body)
    if request.method == "POST" and request.form.get("action") == "preview":
        form.validate_on_submit()  # show field errors beside the preview
        preview = render_markdown(form.body.data or "")
    elif form.validate_on_submit():
        data = authoring.LessonData(title=form.title.data, title_zh=form.title_zh.data or "",
                                    body=form.body.data or "", minutes=form.minutes.data,
                                    body_zh=form.body_zh.data or "")
        done = unit_of_work(authoring.save_lesson, db.session, current_user, module, lesson,
                            data, form=form)
        if done:
            saved = done.value
            flash(_("Lesson %(title)s has been saved.", title=saved.tr("title")), "success")
            if request.form.get("then") == "close":
                return _course_page(module, f"lesson-{saved.id}")
            return redirect(url_for("courses.author_lesson_edit", lesson_id=saved.id))
    return render_form(
        "courses/authoring/lesson_form.html", form, module=module, lesson=lesson,
        course=module.version.course, preview=preview, upload_form=AttachmentForm(),
        max_mb=f"{current_app.config['ATTACHMENT_MAX_BYTES'] / 1024 / 1024:g}",
        allowed=uploads.ATTACHMENTS.allowed,
    )


@require("courses.author")
def author_lesson_new(module_id: int):
    module = _module(module_id)
    if not module.version.is_draft:
        flash(_("Published versions cannot be changed; edit the draft instead."), "error")
        return _course_page(module)
    return _lesson_editor(module, None)


@require("courses.author")
def author_lesson_edit(lesson_id: int):
    lesson = _lesson(lesson_id)
    if not lesson.module.version.is_draft:
        return redirect(url_for("courses.author_lesson", lesson_id=lesson.id))
    return _lesson_editor(lesson.module, lesson)


@require("courses.author")
def author_lesson(lesson_id: int):
    """The lesson as learners will read it (sanitised), in any version."""
    lesson = _lesson(lesson_id)
    return render_template("courses/authoring/lesson.html", lesson=lesson,
                           module=lesson.module, version=lesson.module.version,
                           course=lesson.module.version.course,
                           body=render_markdown(lesson.tr("body")), is_image=authoring.is_image)


@require("courses.author")
def author_lesson_delete(lesson_id: int):
    lesson = _lesson(lesson_id)
    _check_post()
    module, title = lesson.module, lesson.title
    if unit_of_work(authoring.delete_lesson, db.session, current_user, lesson):
        flash(_("Lesson %(title)s has been removed from the draft.", title=title), "success")
    return _course_page(module, f"module-{module.id}")


@require("courses.author")
def author_lesson_move(lesson_id: int):
    lesson = _lesson(lesson_id)
    _check_post()
    unit_of_work(authoring.move_lesson, db.session, current_user, lesson, _offset())
    return _course_page(lesson.module, f"lesson-{lesson.id}")


@require("courses.author")
def author_preview():
    """The sanitised HTML of posted Markdown: the fragment the editor's script shows."""
    form = PreviewForm()
    if not form.validate_on_submit():
        abort(400)
    return Response(str(render_markdown(form.body.data or "")), mimetype="text/html")


# Attachments


@require("courses.author")
def author_attachment_add(lesson_id: int):
    lesson = _lesson(lesson_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        done = unit_of_work(
            authoring.add_attachment, db.session, current_user, lesson, upload.filename or "",
            upload.stream, current_app.config["STORAGE_DIR"],
            current_app.config["ATTACHMENT_MAX_BYTES"],
        )
        if done:
            flash(_("%(name)s has been attached.", name=done.value.filename), "success")
    else:
        _flash_form_errors(form)
    return redirect(url_for("courses.author_lesson_edit", lesson_id=lesson.id,
                            _anchor="attachments"))


@require("courses.author")
def author_attachment_delete(attachment_id: int):
    attachment = db.get_or_404(LessonAttachment, attachment_id)
    _check_post()
    lesson_id, name = attachment.lesson_id, attachment.filename
    if unit_of_work(authoring.remove_attachment, db.session, current_user, attachment):
        flash(_("%(name)s has been removed.", name=name), "success")
    return redirect(url_for("courses.author_lesson_edit", lesson_id=lesson_id,
                            _anchor="attachments"))


@login_required
def attachment_file(attachment_id: int):
    """A lesson's file for its readers: images inline (lessons embed them), everything else
    as a download; the type is the one checked at upload, never sniffed by the browser."""
    attachment = db.get_or_404(LessonAttachment, attachment_id)
    authorize("courses.read_attachment", attachment)
    return uploads.send_stored(current_app.config["STORAGE_DIR"], attachment.sha256,
                               attachment.content_type, attachment.filename,
                               inline=authoring.is_image(attachment))


# The author right


@require("courses.manage_authors")
def author_authors():
    authors, candidates = authoring.authors_and_candidates(db.session)
    return render_template("courses/authoring/authors.html", authors=authors,
                           candidates=candidates)


@require("courses.manage_authors")
def author_set_right(person_id: int):
    person = db.get_or_404(Person, person_id)
    _check_post()
    allowed = request.form.get("allowed") == "1"
    if unit_of_work(authoring.set_author_right, db.session, current_user, person, allowed):
        flash(_("%(name)s may now author courses.", name=person.name) if allowed
              else _("%(name)s may no longer author courses.", name=person.name), "success")
    return redirect(url_for("courses.author_authors"))


def _eager_version(version_id: int) -> CourseVersion | None:
    return db.session.scalar(
        select(CourseVersion).where(CourseVersion.id == version_id)
        .options(selectinload(CourseVersion.modules).selectinload(CourseModule.lessons)
                 .selectinload(Lesson.attachments)))


# Importing a course folder (.zip) from the browser: a dry run first, then the import


def _stored_zip(sha256: str) -> Path:
    """The uploaded .zip (kept under its digest) as a file whose name ends in .zip."""
    source = uploads.path_for(current_app.config["STORAGE_DIR"], sha256)
    if not source.is_file():
        raise DomainError(_("The uploaded file has expired; upload it again."), "file")
    target = Path(tempfile.gettempdir()) / f"course-import-{sha256}.zip"
    shutil.copyfile(source, target)
    return target


def _keep_upload(form: CourseImportForm) -> str:
    data = form.file.data
    if data is None or not getattr(data, "filename", ""):
        raise DomainError(_("Choose a file to upload."), "file")
    try:
        stored = uploads.store(current_app.config["STORAGE_DIR"], data.stream,
                               MAX_ARCHIVE_BYTES)
    except uploads.TooLarge:
        raise DomainError(_("The archive is larger than %(size)d MB.",
                            size=MAX_ARCHIVE_BYTES >> 20), "file") from None
    return stored.sha256


def _names(path: Path) -> set[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return set()


def _package_reader(path: Path):
    """The registered reader of a SCORM/xAPI package (by its marker file), unless the zip is
    a course folder (course.yaml at the top or in its one folder)."""
    names = _names(path)
    if any(n == "course.yaml" or n.count("/") == 1 and n.endswith("/course.yaml")
           for n in names):
        return None
    return package_readers.reader_for(names)


def _preview(form: CourseImportForm):
    """(digest, course preview or package report) of the uploaded zip; nothing kept."""
    sha256 = _keep_upload(form)
    path = _stored_zip(sha256)
    try:
        reader = _package_reader(path)
        if reader is not None:
            return sha256, reader.plan(db.session, path.read_bytes(), form.lesson_key.data)
        return sha256, preview_course(db.session, path)
    finally:
        path.unlink(missing_ok=True)


def _confirm(form: CourseImportForm):
    sha256 = form.sha256.data or ""
    if not uploads.SHA256.match(sha256):
        raise DomainError(_("Upload the course again."), "file")
    path = _stored_zip(sha256)
    try:
        reader = _package_reader(path)
        if reader is not None:
            return reader.keep(db.session, current_user, current_app.config["STORAGE_DIR"],
                               path.read_bytes(), form.lesson_key.data)
        return import_course(db.session, current_user, path, publish_now=bool(
            form.publish.data))
    finally:
        path.unlink(missing_ok=True)


@require("courses.author")
def author_course_import():
    """Upload a course .zip, or a SCORM or xAPI package (told apart by content): the
    dry-run report first (nothing written), then the import."""
    form = CourseImportForm()
    report = problems = None
    if form.validate_on_submit():
        if request.form.get("action") == "import":
            done = unit_of_work(_confirm, form, form=form)
            if done and isinstance(done.value, package_readers.KeptPackage):
                flash(done.value.message, "success")
                return redirect(done.value.url)
            if done:
                flash(_("Course %(code)s imported.", code=done.value.code), "success")
                flash_reevaluation()
                return redirect(url_for("courses.author_course", course_id=done.value.id))
        else:
            checked = unit_of_work(_preview, form, form=form)
            if checked:
                form.sha256.data, report = checked.value
    if form.errors.get("file") and "\n" in form.errors["file"][0]:
        problems = form.errors["file"][0].split("\n")
        form.file.errors = [problems.pop(0)]
    package = report if isinstance(report, package_readers.PackageReport) else None
    return render_form("courses/authoring/import.html", form,
                       report=None if package else report, package=package,
                       problems=problems)
