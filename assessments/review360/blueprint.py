"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from assessments.review360.views import cycles, questionnaires, respond, results
from lms.core.routes import add_rules

bp = Blueprint("review360", __name__, url_prefix="/360")

# assessments.review360.views.cycles
add_rules(bp, {"cycles": cycles}, """
    GET       ""                               cycles.mine
    GET       /cycles                          cycles.cycle_list
    GET POST  /cycles/new                      cycles.cycle_settings  cycle_id=None
    GET POST  /cycles/<int:cycle_id>/settings  cycles.cycle_settings
    GET       /cycles/<int:cycle_id>           cycles.cycle_detail
    POST      /cycles/<int:cycle_id>/subjects  cycles.cycle_add_subjects
    POST      /cycles/<int:cycle_id>/extend    cycles.cycle_extend
    POST      /cycles/<int:cycle_id>/close     cycles.cycle_close
    GET       /subjects/<int:subject_id>       cycles.subject_detail
""")
for nominee in cycles.NOMINEES:  # one handler: subject_add_colleague, subject_add_customer
    bp.add_url_rule(f"/subjects/<int:subject_id>/{nominee}s", endpoint=f"subject_add_{nominee}",
                    view_func=cycles.subject_nominate, methods=["POST"],
                    defaults={"nominee": nominee})
add_rules(bp, {"cycles": cycles}, """
    POST  /subjects/<int:subject_id>/raters/<int:rater_id>/withdraw  cycles.subject_withdraw
    POST  /subjects/<int:subject_id>/submit                          cycles.subject_submit
    POST  /subjects/<int:subject_id>/approve                         cycles.subject_approve
    POST  /subjects/<int:subject_id>/raters/<int:rater_id>/confirm   cycles.subject_confirm_rater
    POST  /subjects/<int:subject_id>/raters/<int:rater_id>/resend    cycles.subject_resend
""")
bp.app_context_processor(cycles._review360_helpers)

# assessments.review360.views.questionnaires
add_rules(bp, {"questionnaires": questionnaires, "respond": respond, "results": results}, """
    GET       /questionnaires                               questionnaires.questionnaire_list
    GET       /questionnaires/<int:questionnaire_id>        questionnaires.questionnaire_detail
    POST      /questionnaires/<int:questionnaire_id>/items  questionnaires.questionnaire_add_item
    POST      /questionnaires/<int:questionnaire_id>/items/remove
              questionnaires.questionnaire_remove_item
    # assessments.review360.views.respond
    GET POST  /respond/<int:rater_id>                       respond.respond
    GET POST  /r/<token>                                    respond.respond_external
    # assessments.review360.views.results
    GET       /subjects/<int:subject_id>/results            results.subject_results
    GET       /subjects/<int:subject_id>/report.pdf         results.subject_report_pdf
    GET       /subjects/<int:subject_id>/results.json       results.subject_results_json
""")
