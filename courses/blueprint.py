"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from courses.views import authoring, learning
from lms.core.routes import add_rules

bp = Blueprint("courses", __name__)

# courses.views.authoring
add_rules(bp, {"authoring": authoring, "learning": learning}, """
    GET       /author/courses                      authoring.author_courses
    GET POST  /author/courses/import               authoring.author_course_import
    GET POST  /author/courses/new                  authoring.author_course_settings  course_id=None
    GET POST  /author/courses/<int:course_id>/settings
                                                   authoring.author_course_settings
    GET       /author/courses/<int:course_id>      authoring.author_course
    POST      /author/courses/<int:course_id>/draft
                                                   authoring.author_course_draft
    POST      /author/courses/<int:course_id>/discard-draft
                                                   authoring.author_course_discard
    POST      /author/courses/<int:course_id>/archive
                                                   authoring.author_course_archive
    GET POST  /author/courses/<int:course_id>/publish
                                                   authoring.author_course_publish
    POST      /author/courses/<int:course_id>/modules
                                                   authoring.author_module_add
    GET POST  /author/modules/<int:module_id>/edit
                                                   authoring.author_module_edit
    POST      /author/modules/<int:module_id>/delete
                                                   authoring.author_module_delete
    POST      /author/modules/<int:module_id>/move
                                                   authoring.author_module_move
    GET POST  /author/modules/<int:module_id>/lessons/new
                                                   authoring.author_lesson_new
    GET POST  /author/lessons/<int:lesson_id>/edit
                                                   authoring.author_lesson_edit
    GET       /author/lessons/<int:lesson_id>      authoring.author_lesson
    POST      /author/lessons/<int:lesson_id>/delete
                                                   authoring.author_lesson_delete
    POST      /author/lessons/<int:lesson_id>/move
                                                   authoring.author_lesson_move
    POST      /author/preview                      authoring.author_preview
    POST      /author/lessons/<int:lesson_id>/attachments
                                                   authoring.author_attachment_add
    POST      /author/attachments/<int:attachment_id>/delete
                                                   authoring.author_attachment_delete
    GET       /attachments/<int:attachment_id>     authoring.attachment_file
    GET       /author/authors                      authoring.author_authors
    POST      /author/authors/<int:person_id>      authoring.author_set_right
    # courses.views.learning
    GET       /my-path                             learning.my_path
    GET       /people/<int:person_id>/path         learning.person_path
    GET       /team                                learning.team
    GET       /courses                             learning.catalogue
    GET       /courses/<int:course_id>             learning.course_page
    POST      /courses/<int:course_id>/enrol       learning.course_enrol
    GET POST  /courses/<int:course_id>/assign      learning.course_assign
    GET POST  /enrolments/<int:enrollment_id>/withdraw
                                                   learning.enrollment_withdraw
    GET       /courses/<int:course_id>/lessons/<lesson_key>
                                                   learning.lesson_page
    POST      /courses/<int:course_id>/lessons/<lesson_key>/complete
                                                   learning.lesson_complete
""")
