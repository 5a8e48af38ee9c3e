"""SCORM pages: the authors' upload page, the player (a sandboxed frame), and what the frame
loads: the package's files and the run-time script, under a per-attempt token."""

import json
import mimetypes
import re
import zipfile
from pathlib import Path
from urllib.parse import urlencode

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from assessments.scorm.forms import PackageForm
from assessments.scorm.models import ScormAttempt, ScormPackage
from assessments.scorm.services import packages as package_service
from assessments.scorm.services import runtime, tincan
from assessments.scorm.signals import attempt_launched
from courses.models import Course
from courses.services.content_files.sources import unsafe_name
from lms.core.errors import DomainError, NotFound
from lms.core.extensions import csrf, db
from lms.core.policy import require
from lms.core.requests import render_form, unit_of_work
from lms.core.urls import public_url
from lms.people.models import Person

RUNTIME_JS = Path(__file__).resolve().parents[2] / "lms" / "static" / "js" / "scorm-runtime.js"
# The package's own pages run in an opaque origin (no cookies, no access to the LMS page);
# they may run their own script, which authoring tools need, but reach nothing but the server.
CONTENT_POLICY = (
    "sandbox allow-scripts allow-forms allow-popups allow-downloads; default-src 'self'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)
_HEAD = re.compile(rb"<head[^>]*>", re.IGNORECASE)
COMMIT_MAX_BYTES = 2 * 1024 * 1024


def _import(form: PackageForm) -> ScormPackage:
    raw = form.file.data.read(package_service.MAX_ARCHIVE_BYTES + 1)
    return package_service.import_package(db.session, current_user,
                                          current_app.config["STORAGE_DIR"], raw,
                                          form.lesson_key.data, form.title.data or "")


@require("scorm.author")
def packages():
    """The packages uploaded so far, and the upload form."""
    form = PackageForm()
    if form.validate_on_submit():
        saved = unit_of_work(_import, form, form=form)
        if saved:
            flash(_("The %(kind)s package %(title)s is ready.",
                    kind=package_service.kind_label(saved.value.version),
                    title=saved.value.title), "success")
            return redirect(url_for("scorm.packages"))
    rows = db.session.scalars(select(ScormPackage).order_by(ScormPackage.id.desc())).all()
    attempts = dict(db.session.execute(
        select(ScormAttempt.package_id, func.count()).group_by(ScormAttempt.package_id)).all())
    courses = {c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_(
        {p.course_id for p in rows if p.course_id})))}
    return render_form("assessments/scorm/packages.html", form, packages=rows,
                       attempts=attempts, courses=courses,
                       kind_label=package_service.kind_label)


@require("scorm.play")
def launch(package_id: int):
    """The player: the learner's current attempt (resumed where it stopped) in a frame."""
    package = db.get_or_404(ScormPackage, package_id)
    attempt = runtime.current_attempt(db.session, package, current_user)
    attempt_launched.send(db.session, attempt=attempt)
    db.session.commit()
    token = runtime.content_token(current_app.config["SECRET_KEY"], attempt)
    course = db.session.get(Course, package.course_id) if package.course_id else None
    src = url_for("scorm.content", token=token, name=package.launch)
    if package.version == tincan.VERSION:
        endpoint = public_url(url_for("xapi.about")).removesuffix("about")
        src += "?" + urlencode(tincan.launch_parameters(
            current_app.config["SECRET_KEY"], endpoint, package, attempt, current_user))
    return render_template("assessments/scorm/player.html", package=package, attempt=attempt,
                           course=course, src=src)


def _attempt(token: str) -> ScormAttempt:
    try:
        return runtime.attempt_for_token(db.session, current_app.config["SECRET_KEY"], token)
    except NotFound:
        abort(404)


def _contained(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def runtime_script(token: str):
    """The run-time API for the package's pages, with the attempt's data."""
    attempt = _attempt(token)
    person = db.session.get(Person, attempt.person_id)
    boot = runtime.launch_data(attempt.package, attempt, person)
    boot["commitUrl"] = url_for("scorm.runtime_commit", token=token)
    script = ("window.__LMS_SCORM__ = " + json.dumps(boot).replace("</", "<\\/") + ";\n"
              + RUNTIME_JS.read_text(encoding="utf-8"))
    return _contained(Response(script, mimetype="text/javascript"))


@csrf.exempt  # the sandboxed frame has no cookies; the token is its credential
def runtime_commit(token: str):
    """What the package committed (JSON sent as text/plain, so no pre-flight is needed)."""
    attempt = _attempt(token)
    if (request.content_length or 0) > COMMIT_MAX_BYTES:
        abort(413)
    try:
        payload = json.loads(request.get_data(cache=False, as_text=True) or "{}")
        values = payload.get("values", {}) if isinstance(payload, dict) else None
        finish = bool(payload.get("finish")) if isinstance(payload, dict) else False
    except ValueError:
        abort(400)
    person = db.session.get(Person, attempt.person_id)
    try:
        runtime.commit(db.session, person, attempt, values, finish)
    except DomainError as error:
        db.session.rollback()
        return _contained(Response(error.message, status=422, mimetype="text/plain"))
    db.session.commit()
    return _contained(Response(status=204))


def content(token: str, name: str):
    """A file of the package, read from its zip; HTML pages get the run-time script."""
    attempt = _attempt(token)
    if unsafe_name(name):
        abort(404)
    try:
        archive = package_service.open_package(current_app.config["STORAGE_DIR"],
                                               attempt.package)
    except (OSError, zipfile.BadZipFile):
        abort(404)
    with archive:
        if name not in archive.NameToInfo:
            abort(404)
        try:
            data = package_service.read_member(archive, name)
        except DomainError:
            abort(404)
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if mimetype == "text/html" and attempt.package.version != tincan.VERSION:
        tag = ('<script src="' + url_for("scorm.runtime_script", token=token)
               + '"></script>').encode()
        match = _HEAD.search(data)
        data = (data[:match.end()] + tag + data[match.end():]) if match else tag + data
    return _contained(Response(data, mimetype=mimetype))
