"""What a course is to the certification rules of the paths it belongs to.

A path's rules (certificates.services.rules.snapshot) quote its required published courses:
their id, position, code and titles. Changing any of that (a link added or removed, the
required flag, publishing or archiving, a new code or title) gives the path a new rules
digest and leaves its people's stored answers out of date, so every editor of these announces
the change (`lms.core.signals.announce_rules_change`) like an edit of a path's slots: the
people on the paths concerned are re-evaluated in the same transaction. Courses sit below
certificates, so the comparison is made here from what the snapshot reads."""

from courses.models import Course
from lms.core.i18n import ZH
from lms.core.signals import Reevaluation, announce_rules_change

Faces = dict[int, tuple | None]


def _counts(course: Course) -> bool:
    # The snapshot's own filter: a required course counts once it has been published and
    # while it is not archived.
    return course.status == "published" and (course.published_version or 0) > 0


def required_faces(course: Course) -> Faces:
    """{path id: what that path's rules quote of `course` (None when it does not count as
    required there)} for every path the course is linked to."""
    title_zh = ((course.translations or {}).get(ZH) or {}).get("title", "")
    return {link.path_id: (link.position, course.code, course.title, title_zh)
            if link.required and _counts(course) else None
            for link in course.path_links}


def announce_changed_paths(session, actor, entry, course: Course,
                           before: Faces) -> Reevaluation | None:
    """Announce a rules change for exactly the paths whose quote of `course` differs from
    `before` (the caller's `required_faces` taken before its edit), on the audit `entry`;
    None (and nothing announced) when none does."""
    after = required_faces(course)
    changed = sorted(path_id for path_id in set(before) | set(after)
                     if before.get(path_id) != after.get(path_id))
    if not changed:
        return None
    return announce_rules_change(session, actor, entry, path_ids=changed)
