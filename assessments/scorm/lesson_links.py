"""The lesson page's link to its SCORM package (see courses.services.lesson_links)."""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from assessments.scorm.models import ScormAttempt, ScormPackage
from courses.services.lesson_links import LessonLink, provides_lesson_links


@provides_lesson_links
def scorm_link(session, person, course, lesson) -> list[LessonLink]:
    """The packages that are this lesson's content, with the person's standing on each."""
    links = []
    for package in session.scalars(select(ScormPackage).where(
            ScormPackage.lesson_key == lesson.key).order_by(ScormPackage.id)):
        latest = session.scalar(select(ScormAttempt).where(
            ScormAttempt.package_id == package.id, ScormAttempt.person_id == person.id)
            .order_by(ScormAttempt.number.desc()).limit(1))
        if latest is None:
            note = _("Completing it completes this lesson.")
        elif latest.completed_at is not None:
            note = _("Completed")
        else:
            note = _("In progress: you will continue where you stopped.")
        links.append(LessonLink(_("Interactive module: %(title)s", title=package.title),
                                url_for("scorm.launch", package_id=package.id), note))
    return links
