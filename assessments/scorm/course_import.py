"""SCORM and xAPI packages on the course import page (see courses.services.packages)."""

from flask import url_for
from flask_babel import gettext as _

from assessments.scorm.services import packages
from courses.services.packages import KeptPackage, PackageReader, PackageReport, reads_packages


def _plan(session, raw: bytes, lesson_key: str | None) -> PackageReport:
    plan = packages.plan_package(session, raw, lesson_key)
    notes = []
    if plan.course is None:
        notes.append(_("It will be listed with the packages, not yet the content of a lesson."))
    return PackageReport(kind=plan.kind, title=plan.title, launch=plan.launch, files=plan.files,
                         identifier=plan.identifier, lesson_key=plan.lesson_key,
                         course_title=plan.course.tr("title") if plan.course else "",
                         notes=notes)


def _keep(session, actor, storage_dir: str, raw: bytes, lesson_key: str | None) -> KeptPackage:
    package = packages.import_package(session, actor, storage_dir, raw, lesson_key)
    return KeptPackage(_("The %(kind)s package %(title)s is ready.",
                         kind=packages.kind_label(package.version), title=package.title),
                       url_for("scorm.packages"))


READER = reads_packages(PackageReader(markers=(packages.MANIFEST, packages.TINCAN),
                                      plan=_plan, keep=_keep))
