"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from assessments.review360.mystery import labels, views
from lms.core.routes import add_rules

bp = Blueprint("mystery", __name__, url_prefix="/mystery")

# assessments.review360.mystery.views
add_rules(bp, {"views": views}, """
    GET       ""                                          views.mine
    GET       /visits                                     views.visit_list
    GET       /visits/<int:visit_id>                      views.visit_detail
    POST      /visits/<int:visit_id>/resend               views.visit_resend
    GET       /programmes                                 views.programme_list
    GET POST  /programmes/new                             views.programme_settings
              programme_id=None
    GET POST  /programmes/<int:programme_id>/settings     views.programme_settings
    GET       /programmes/<int:programme_id>              views.programme_detail
    POST      /programmes/<int:programme_id>/shoppers     views.programme_add_shopper
    POST      /programmes/<int:programme_id>/schedule     views.programme_schedule
    GET POST  /checklists/<int:checklist_id>              views.checklist_detail
    GET POST  /checklists/<int:checklist_id>/items/<int:item_id>/edit
              views.checklist_edit_item
    POST      /checklists/<int:checklist_id>/items/<int:item_id>/retire
              views.checklist_retire_item
    GET POST  /v/<token>                                  views.respond
""")
bp.context_processor(labels.template_helpers)
