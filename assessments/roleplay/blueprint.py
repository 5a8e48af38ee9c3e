"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from assessments.roleplay.views import authoring, grading, take

bp = Blueprint("roleplay", __name__, url_prefix="/roleplays")

# assessments.roleplay.views.authoring
bp.add_url_rule("/author", view_func=authoring.author_index, methods=["GET"])
bp.add_url_rule("/author/scenarios/new", view_func=authoring.author_scenario,
                methods=["GET", "POST"])
bp.add_url_rule("/author/scenarios/<int:scenario_id>", view_func=authoring.author_scenario,
                methods=["GET", "POST"])
bp.add_url_rule("/author/scenarios/<int:scenario_id>/script", view_func=authoring.author_script,
                methods=["POST"])
bp.add_url_rule("/author/scenarios/<int:scenario_id>/publish", view_func=authoring.author_publish,
                methods=["POST"])
bp.add_url_rule("/author/scenarios/<int:scenario_id>/attachments",
                view_func=authoring.author_attachment_add, methods=["POST"])
bp.add_url_rule("/author/attachments/<int:attachment_id>/delete",
                view_func=authoring.author_attachment_delete, methods=["POST"])
bp.add_url_rule("/author/rubrics", view_func=authoring.author_rubric_new, methods=["POST"])
bp.add_url_rule("/author/rubrics/<int:rubric_id>", view_func=authoring.author_rubric,
                methods=["GET", "POST"])
bp.add_url_rule("/author/rubrics/<int:rubric_id>/criteria/new",
                view_func=authoring.author_criterion, methods=["GET", "POST"])
bp.add_url_rule("/author/rubrics/<int:rubric_id>/criteria/<int:position>",
                view_func=authoring.author_criterion, methods=["GET", "POST"])
bp.add_url_rule("/author/rubrics/<int:rubric_id>/criteria/<int:position>/<action>",
                view_func=authoring.author_criterion_action, methods=["POST"])
bp.add_url_rule("/author/rubrics/import", view_func=authoring.author_rubric_import,
                methods=["POST"])
bp.add_url_rule("/author/rubrics/<int:rubric_id>/import", view_func=authoring.author_rubric_import,
                methods=["POST"])
bp.add_url_rule("/author/rubrics/<int:rubric_id>/export.csv",
                view_func=authoring.author_rubric_export, methods=["GET"])

# assessments.roleplay.views.take
bp.app_template_filter("rp_score")(take.rp_score)
bp.app_template_filter("rp_hours")(take.rp_hours)
bp.app_template_global("scenario_title")(take.scenario_title)
bp.app_template_global("competency_names")(take.competency_names)
bp.add_url_rule("", view_func=take.my_roleplays, methods=["GET"])
bp.add_url_rule("/scenarios/<int:scenario_id>", view_func=take.scenario_page, methods=["GET"])
bp.add_url_rule("/scenarios/<int:scenario_id>/chat", view_func=take.start_chat, methods=["POST"])
bp.add_url_rule("/submissions/<int:submission_id>", view_func=take.submission_page,
                methods=["GET"])
bp.add_url_rule("/submissions/<int:submission_id>/transcript", view_func=take.transcript,
                methods=["GET"])
bp.add_url_rule("/submissions/<int:submission_id>/messages", view_func=take.post_message,
                methods=["POST"])
bp.add_url_rule("/submissions/<int:submission_id>/submit", view_func=take.submit, methods=["POST"])
bp.add_url_rule("/scenarios/<int:scenario_id>/upload", view_func=take.upload,
                methods=["GET", "POST"])
bp.add_url_rule("/submissions/<int:submission_id>/recording", view_func=take.recording,
                methods=["GET"])
bp.add_url_rule("/scenarios/<int:scenario_id>/attachments/<int:attachment_id>",
                view_func=take.attachment, methods=["GET"])

# assessments.roleplay.views.grading
bp.add_url_rule("/queue", view_func=grading.queue_page, methods=["GET"])
bp.add_url_rule("/submissions/<int:submission_id>/grade", view_func=grading.grade_page,
                methods=["GET"])
bp.add_url_rule("/submissions/<int:submission_id>/grade", view_func=grading.grade_post,
                methods=["POST"])
bp.add_url_rule("/submissions/<int:submission_id>/moderate", view_func=grading.moderate,
                methods=["POST"])
bp.add_url_rule("/submissions/<int:submission_id>/assign", view_func=grading.assign,
                methods=["POST"])
bp.add_url_rule("/live", view_func=grading.live, methods=["GET", "POST"])
bp.add_url_rule("/agreement", view_func=grading.agreement_page, methods=["GET"])
bp.add_url_rule("/calibration", view_func=grading.calibration_list, methods=["GET", "POST"])
bp.add_url_rule("/calibration/<int:calibration_id>", view_func=grading.calibration_page,
                methods=["GET"])
