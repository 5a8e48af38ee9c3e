"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from assessments.review360.views import cycles, questionnaires, respond, results

bp = Blueprint("review360", __name__, url_prefix="/360")

# assessments.review360.views.cycles
bp.add_url_rule("", view_func=cycles.mine, methods=["GET"])
bp.add_url_rule("/cycles", view_func=cycles.cycle_list, methods=["GET"])
bp.add_url_rule("/cycles/new", view_func=cycles.cycle_settings, methods=["GET", "POST"],
                defaults={"cycle_id": None})
bp.add_url_rule("/cycles/<int:cycle_id>/settings", view_func=cycles.cycle_settings,
                methods=["GET", "POST"])
bp.add_url_rule("/cycles/<int:cycle_id>", view_func=cycles.cycle_detail, methods=["GET"])
bp.add_url_rule("/cycles/<int:cycle_id>/subjects", view_func=cycles.cycle_add_subjects,
                methods=["POST"])
bp.add_url_rule("/cycles/<int:cycle_id>/extend", view_func=cycles.cycle_extend, methods=["POST"])
bp.add_url_rule("/cycles/<int:cycle_id>/close", view_func=cycles.cycle_close, methods=["POST"])
bp.add_url_rule("/subjects/<int:subject_id>", view_func=cycles.subject_detail, methods=["GET"])
for nominee in cycles.NOMINEES:  # one handler: subject_add_colleague, subject_add_customer
    bp.add_url_rule(f"/subjects/<int:subject_id>/{nominee}s", endpoint=f"subject_add_{nominee}",
                    view_func=cycles.subject_nominate, methods=["POST"],
                    defaults={"nominee": nominee})
bp.add_url_rule("/subjects/<int:subject_id>/raters/<int:rater_id>/withdraw",
                view_func=cycles.subject_withdraw, methods=["POST"])
bp.add_url_rule("/subjects/<int:subject_id>/submit", view_func=cycles.subject_submit,
                methods=["POST"])
bp.add_url_rule("/subjects/<int:subject_id>/approve", view_func=cycles.subject_approve,
                methods=["POST"])
bp.add_url_rule("/subjects/<int:subject_id>/raters/<int:rater_id>/confirm",
                view_func=cycles.subject_confirm_rater, methods=["POST"])
bp.add_url_rule("/subjects/<int:subject_id>/raters/<int:rater_id>/resend",
                view_func=cycles.subject_resend, methods=["POST"])
bp.app_context_processor(cycles._review360_helpers)

# assessments.review360.views.questionnaires
bp.add_url_rule("/questionnaires", view_func=questionnaires.questionnaire_list, methods=["GET"])
bp.add_url_rule("/questionnaires/<int:questionnaire_id>",
                view_func=questionnaires.questionnaire_detail, methods=["GET"])
bp.add_url_rule("/questionnaires/<int:questionnaire_id>/items",
                view_func=questionnaires.questionnaire_add_item, methods=["POST"])
bp.add_url_rule("/questionnaires/<int:questionnaire_id>/items/remove",
                view_func=questionnaires.questionnaire_remove_item, methods=["POST"])

# assessments.review360.views.respond
bp.add_url_rule("/respond/<int:rater_id>", view_func=respond.respond, methods=["GET", "POST"])
bp.add_url_rule("/r/<token>", view_func=respond.respond_external, methods=["GET", "POST"])

# assessments.review360.views.results
bp.add_url_rule("/subjects/<int:subject_id>/results", view_func=results.subject_results,
                methods=["GET"])
bp.add_url_rule("/subjects/<int:subject_id>/report.pdf", view_func=results.subject_report_pdf,
                methods=["GET"])
bp.add_url_rule("/subjects/<int:subject_id>/results.json", view_func=results.subject_results_json,
                methods=["GET"])
