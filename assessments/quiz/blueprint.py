"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from assessments.quiz.views import attempts, bank, quizzes
from lms.core.routes import add_rules

bp = Blueprint("quiz", __name__)

# assessments.quiz.views.bank
add_rules(bp, {"bank": bank, "quizzes": quizzes}, """
    GET       /author/bank                                     bank.bank_index
    GET POST  /author/bank/categories/new                      bank.bank_category  category_id=None
    GET POST  /author/bank/categories/<int:category_id>/edit   bank.bank_category
    POST      /author/bank/categories/<int:category_id>/delete
                                                               bank.bank_category_delete
    GET POST  /author/bank/questions/new                       bank.bank_question_new
    GET POST  /author/bank/questions/<int:question_id>/edit    bank.bank_question_edit
    GET POST  /author/bank/questions/<int:question_id>         bank.bank_question
    POST      /author/bank/questions/<int:question_id>/archive
                                                               bank.bank_question_archive
    GET POST  /author/bank/import                              bank.bank_import
    GET POST  /author/bank/tagging                             bank.bank_tagging
    GET       /author/bank/export                              bank.bank_export
    GET       /quiz/files/<sha256>/<path:filename>             bank.question_file
    GET       /author/bank/analysis                            bank.analysis_index
    GET       /author/quizzes/<int:quiz_id>/analysis           bank.item_analysis
    # assessments.quiz.views.quizzes
    GET       /author/quizzes                                  quizzes.author_quizzes
    GET POST  /author/quizzes/new                              quizzes.quiz_settings  quiz_id=None
    GET POST  /author/quizzes/<int:quiz_id>/settings           quizzes.quiz_settings
    GET       /author/quizzes/<int:quiz_id>                    quizzes.author_quiz
    POST      /author/quizzes/<int:quiz_id>/questions          quizzes.add_question
    POST      /author/quizzes/<int:quiz_id>/draws              quizzes.add_draw
    POST      /author/quiz-items/<int:item_id>/remove          quizzes.remove_item
    POST      /author/quiz-items/<int:item_id>/move            quizzes.move_item
    POST      /author/quizzes/<int:quiz_id>/publish            quizzes.publish
    GET       /author/quizzes/<int:quiz_id>/results            quizzes.results
    GET POST  /author/quizzes/<int:quiz_id>/regrade            quizzes.regrade
    GET POST  /quizzes/<int:quiz_id>/overrides                 quizzes.overrides
    POST      /quiz-overrides/<int:override_id>/delete         quizzes.delete_override
""")

# assessments.quiz.views.attempts
bp.app_template_filter("quiz_marks")(attempts.quiz_marks)
add_rules(bp, {"attempts": attempts}, """
    GET   /quizzes                                                 attempts.my_quizzes
    GET   /quizzes/<int:quiz_id>                                   attempts.quiz_page
    POST  /quizzes/<int:quiz_id>/start                             attempts.start
    GET   /attempts/<int:attempt_id>                               attempts.attempt_page
    POST  /attempts/<int:attempt_id>                               attempts.save
    POST  /attempts/<int:attempt_id>/autosave                      attempts.autosave
    GET   /attempts/<int:attempt_id>/summary                       attempts.summary
    POST  /attempts/<int:attempt_id>/submit                        attempts.submit
    GET   /attempts/<int:attempt_id>/review                        attempts.review_page
    GET   /grading/quizzes                                         attempts.grading_queue
    GET   /grading/attempts/<int:attempt_id>                       attempts.grade_attempt
    POST  /grading/attempts/<int:attempt_id>/questions/<int:slot>  attempts.grade_essay
""")
