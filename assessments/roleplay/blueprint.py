"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from assessments.roleplay.services import passmarks
from assessments.roleplay.views import authoring, grading, take
from lms.core.routes import add_rules

bp = Blueprint("roleplay", __name__, url_prefix="/roleplays")

# assessments.roleplay.views.authoring
add_rules(bp, {"authoring": authoring}, """
    GET       /author                                            authoring.author_index
    GET POST  /author/scenarios/new                              authoring.author_scenario
    GET POST  /author/scenarios/<int:scenario_id>                authoring.author_scenario
    POST      /author/scenarios/<int:scenario_id>/script         authoring.author_script
    POST      /author/scenarios/<int:scenario_id>/publish        authoring.author_publish
    POST      /author/scenarios/<int:scenario_id>/attachments    authoring.author_attachment_add
    POST      /author/attachments/<int:attachment_id>/delete     authoring.author_attachment_delete
    POST      /author/rubrics                                    authoring.author_rubric_new
    GET POST  /author/rubrics/<int:rubric_id>                    authoring.author_rubric
    GET POST  /author/rubrics/<int:rubric_id>/criteria/new       authoring.author_criterion
    GET POST  /author/rubrics/<int:rubric_id>/criteria/<int:position>
                                                                 authoring.author_criterion
    POST      /author/rubrics/<int:rubric_id>/criteria/<int:position>/<action>
                                                                 authoring.author_criterion_action
    POST      /author/rubrics/import                             authoring.author_rubric_import
    POST      /author/rubrics/<int:rubric_id>/import             authoring.author_rubric_import
    GET       /author/rubrics/<int:rubric_id>/export.csv         authoring.author_rubric_export
""")

# assessments.roleplay.views.take
bp.app_template_filter("rp_hours")(take.rp_hours)
bp.app_template_global("scenario_title")(take.scenario_title)
bp.app_template_global("competency_names")(take.competency_names)
bp.app_template_global("evidenced_level")(passmarks.evidenced_level)
add_rules(bp, {"grading": grading, "take": take}, """
    GET       ""                                                           take.my_roleplays
    GET       /scenarios/<int:scenario_id>                                 take.scenario_page
    POST      /scenarios/<int:scenario_id>/chat                            take.start_chat
    GET       /submissions/<int:submission_id>                             take.submission_page
    GET       /submissions/<int:submission_id>/transcript                  take.transcript
    POST      /submissions/<int:submission_id>/messages                    take.post_message
    POST      /submissions/<int:submission_id>/submit                      take.submit
    GET POST  /scenarios/<int:scenario_id>/upload                          take.upload
    GET       /submissions/<int:submission_id>/recording                   take.recording
    GET       /scenarios/<int:scenario_id>/attachments/<int:attachment_id>
                                                                           take.attachment
    # assessments.roleplay.views.grading
    GET       /queue                                                       grading.queue_page
    GET       /submissions/<int:submission_id>/grade                       grading.grade_page
    POST      /submissions/<int:submission_id>/grade                       grading.grade_post
    POST      /submissions/<int:submission_id>/moderate                    grading.moderate
    POST      /submissions/<int:submission_id>/assign                      grading.assign
    GET POST  /live                                                        grading.live
    GET       /agreement                                                   grading.agreement_page
    GET POST  /calibration                                                 grading.calibration_list
    GET       /calibration/<int:calibration_id>                            grading.calibration_page
""")
