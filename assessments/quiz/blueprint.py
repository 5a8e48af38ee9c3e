"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from assessments.quiz.views import attempts, bank, quizzes

bp = Blueprint("quiz", __name__)

# assessments.quiz.views.bank
bp.add_url_rule("/author/bank", view_func=bank.bank_index, methods=["GET"])
bp.add_url_rule("/author/bank/categories/new", view_func=bank.bank_category,
                methods=["GET", "POST"], defaults={"category_id": None})
bp.add_url_rule("/author/bank/categories/<int:category_id>/edit", view_func=bank.bank_category,
                methods=["GET", "POST"])
bp.add_url_rule("/author/bank/categories/<int:category_id>/delete",
                view_func=bank.bank_category_delete, methods=["POST"])
bp.add_url_rule("/author/bank/questions/new", view_func=bank.bank_question_new,
                methods=["GET", "POST"])
bp.add_url_rule("/author/bank/questions/<int:question_id>/edit", view_func=bank.bank_question_edit,
                methods=["GET", "POST"])
bp.add_url_rule("/author/bank/questions/<int:question_id>", view_func=bank.bank_question,
                methods=["GET", "POST"])
bp.add_url_rule("/author/bank/questions/<int:question_id>/archive",
                view_func=bank.bank_question_archive, methods=["POST"])
bp.add_url_rule("/author/bank/import", view_func=bank.bank_import, methods=["GET", "POST"])
bp.add_url_rule("/author/bank/export", view_func=bank.bank_export, methods=["GET"])
bp.add_url_rule("/author/bank/analysis", view_func=bank.analysis_index, methods=["GET"])
bp.add_url_rule("/author/quizzes/<int:quiz_id>/analysis", view_func=bank.item_analysis,
                methods=["GET"])

# assessments.quiz.views.quizzes
bp.add_url_rule("/author/quizzes", view_func=quizzes.author_quizzes, methods=["GET"])
bp.add_url_rule("/author/quizzes/new", view_func=quizzes.quiz_settings, methods=["GET", "POST"],
                defaults={"quiz_id": None})
bp.add_url_rule("/author/quizzes/<int:quiz_id>/settings", view_func=quizzes.quiz_settings,
                methods=["GET", "POST"])
bp.add_url_rule("/author/quizzes/<int:quiz_id>", view_func=quizzes.author_quiz, methods=["GET"])
bp.add_url_rule("/author/quizzes/<int:quiz_id>/questions", view_func=quizzes.add_question,
                methods=["POST"])
bp.add_url_rule("/author/quizzes/<int:quiz_id>/draws", view_func=quizzes.add_draw,
                methods=["POST"])
bp.add_url_rule("/author/quiz-items/<int:item_id>/remove", view_func=quizzes.remove_item,
                methods=["POST"])
bp.add_url_rule("/author/quiz-items/<int:item_id>/move", view_func=quizzes.move_item,
                methods=["POST"])
bp.add_url_rule("/author/quizzes/<int:quiz_id>/publish", view_func=quizzes.publish,
                methods=["POST"])
bp.add_url_rule("/author/quizzes/<int:quiz_id>/results", view_func=quizzes.results,
                methods=["GET"])
bp.add_url_rule("/author/quizzes/<int:quiz_id>/regrade", view_func=quizzes.regrade,
                methods=["GET", "POST"])
bp.add_url_rule("/quizzes/<int:quiz_id>/overrides", view_func=quizzes.overrides,
                methods=["GET", "POST"])
bp.add_url_rule("/quiz-overrides/<int:override_id>/delete", view_func=quizzes.delete_override,
                methods=["POST"])

# assessments.quiz.views.attempts
bp.app_template_filter("quiz_score")(attempts.quiz_score)
bp.app_template_filter("quiz_marks")(attempts.quiz_marks)
bp.add_url_rule("/quizzes", view_func=attempts.my_quizzes, methods=["GET"])
bp.add_url_rule("/quizzes/<int:quiz_id>", view_func=attempts.quiz_page, methods=["GET"])
bp.add_url_rule("/quizzes/<int:quiz_id>/start", view_func=attempts.start, methods=["POST"])
bp.add_url_rule("/attempts/<int:attempt_id>", view_func=attempts.attempt_page, methods=["GET"])
bp.add_url_rule("/attempts/<int:attempt_id>", view_func=attempts.save, methods=["POST"])
bp.add_url_rule("/attempts/<int:attempt_id>/autosave", view_func=attempts.autosave,
                methods=["POST"])
bp.add_url_rule("/attempts/<int:attempt_id>/summary", view_func=attempts.summary, methods=["GET"])
bp.add_url_rule("/attempts/<int:attempt_id>/submit", view_func=attempts.submit, methods=["POST"])
bp.add_url_rule("/attempts/<int:attempt_id>/review", view_func=attempts.review_page,
                methods=["GET"])
bp.add_url_rule("/grading/quizzes", view_func=attempts.grading_queue, methods=["GET"])
bp.add_url_rule("/grading/attempts/<int:attempt_id>", view_func=attempts.grade_attempt,
                methods=["GET"])
bp.add_url_rule("/grading/attempts/<int:attempt_id>/questions/<int:slot>",
                view_func=attempts.grade_essay, methods=["POST"])
