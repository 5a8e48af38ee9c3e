"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from courses.views import authoring, learning

bp = Blueprint("courses", __name__)

# courses.views.authoring
bp.add_url_rule("/author/courses", view_func=authoring.author_courses, methods=["GET"])
bp.add_url_rule("/author/courses/new", view_func=authoring.author_course_settings,
                methods=["GET", "POST"], defaults={"course_id": None})
bp.add_url_rule("/author/courses/<int:course_id>/settings",
                view_func=authoring.author_course_settings, methods=["GET", "POST"])
bp.add_url_rule("/author/courses/<int:course_id>", view_func=authoring.author_course,
                methods=["GET"])
bp.add_url_rule("/author/courses/<int:course_id>/draft", view_func=authoring.author_course_draft,
                methods=["POST"])
bp.add_url_rule("/author/courses/<int:course_id>/discard-draft",
                view_func=authoring.author_course_discard, methods=["POST"])
bp.add_url_rule("/author/courses/<int:course_id>/archive",
                view_func=authoring.author_course_archive, methods=["POST"])
bp.add_url_rule("/author/courses/<int:course_id>/publish",
                view_func=authoring.author_course_publish, methods=["GET", "POST"])
bp.add_url_rule("/author/courses/<int:course_id>/modules", view_func=authoring.author_module_add,
                methods=["POST"])
bp.add_url_rule("/author/modules/<int:module_id>/edit", view_func=authoring.author_module_edit,
                methods=["GET", "POST"])
bp.add_url_rule("/author/modules/<int:module_id>/delete", view_func=authoring.author_module_delete,
                methods=["POST"])
bp.add_url_rule("/author/modules/<int:module_id>/move", view_func=authoring.author_module_move,
                methods=["POST"])
bp.add_url_rule("/author/modules/<int:module_id>/lessons/new",
                view_func=authoring.author_lesson_new, methods=["GET", "POST"])
bp.add_url_rule("/author/lessons/<int:lesson_id>/edit", view_func=authoring.author_lesson_edit,
                methods=["GET", "POST"])
bp.add_url_rule("/author/lessons/<int:lesson_id>", view_func=authoring.author_lesson,
                methods=["GET"])
bp.add_url_rule("/author/lessons/<int:lesson_id>/delete", view_func=authoring.author_lesson_delete,
                methods=["POST"])
bp.add_url_rule("/author/lessons/<int:lesson_id>/move", view_func=authoring.author_lesson_move,
                methods=["POST"])
bp.add_url_rule("/author/preview", view_func=authoring.author_preview, methods=["POST"])
bp.add_url_rule("/author/lessons/<int:lesson_id>/attachments",
                view_func=authoring.author_attachment_add, methods=["POST"])
bp.add_url_rule("/author/attachments/<int:attachment_id>/delete",
                view_func=authoring.author_attachment_delete, methods=["POST"])
bp.add_url_rule("/attachments/<int:attachment_id>", view_func=authoring.attachment_file,
                methods=["GET"])
bp.add_url_rule("/author/authors", view_func=authoring.author_authors, methods=["GET"])
bp.add_url_rule("/author/authors/<int:person_id>", view_func=authoring.author_set_right,
                methods=["POST"])

# courses.views.learning
bp.add_url_rule("/my-path", view_func=learning.my_path, methods=["GET"])
bp.add_url_rule("/people/<int:person_id>/path", view_func=learning.person_path, methods=["GET"])
bp.add_url_rule("/team", view_func=learning.team, methods=["GET"])
bp.add_url_rule("/courses", view_func=learning.catalogue, methods=["GET"])
bp.add_url_rule("/courses/<int:course_id>", view_func=learning.course_page, methods=["GET"])
bp.add_url_rule("/courses/<int:course_id>/enrol", view_func=learning.course_enrol,
                methods=["POST"])
bp.add_url_rule("/courses/<int:course_id>/assign", view_func=learning.course_assign,
                methods=["GET", "POST"])
bp.add_url_rule("/enrolments/<int:enrollment_id>/withdraw", view_func=learning.enrollment_withdraw,
                methods=["POST"])
bp.add_url_rule("/courses/<int:course_id>/lessons/<lesson_key>", view_func=learning.lesson_page,
                methods=["GET"])
bp.add_url_rule("/courses/<int:course_id>/lessons/<lesson_key>/complete",
                view_func=learning.lesson_complete, methods=["POST"])
