"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from certificates import views
from certificates.views import approvals, batches, design, holder, hr, public, settings
from lms.core.routes import add_rules

bp = Blueprint("certificates", __name__)
bp.context_processor(views.template_helpers)

# certificates.views.holder: a person's certification and downloads
add_rules(bp, {"holder": holder}, """
    GET   /certificates                                       holder.mine
    GET   /people/<int:person_id>/certification               holder.person_page
    POST  /people/<int:person_id>/certification/evaluate      holder.evaluate
    GET   /people/<int:person_id>/transcript.pdf              holder.transcript
    GET   /certificates/<int:certificate_id>                  holder.detail
    GET   /certificates/<int:certificate_id>/certificate.pdf  holder.pdf
    GET   /certificates/<int:certificate_id>/badge.jwt        holder.badge
""")

# certificates.views.hr: revoke and reinstate (one handler), correct the holder's name
for change in hr.STATUS_CHANGES:
    bp.add_url_rule(f"/certificates/<int:certificate_id>/{change}", endpoint=change,
                    view_func=hr.change_status, methods=["POST"], defaults={"change": change})
add_rules(bp, {
    "approvals": approvals,
    "batches": batches,
    "design": design,
    "hr": hr,
    "public": public,
    "settings": settings,
}, """
    POST      /certificates/<int:certificate_id>/name          hr.correct_name
    # certificates.views.approvals
    GET       /certificates/approvals                          approvals.approvals
    POST      /certificates/approvals/<int:approval_id>        approvals.decide
    # certificates.views.settings: a path's certification settings (admins)
    GET       /admin/certification                             settings.settings_list
    GET POST  /admin/certification/<int:path_id>               settings.settings
    POST      /admin/certification/<int:path_id>/recert-slots  settings.add_recert_slot
    POST      /admin/certification/<int:path_id>/recert-slots/<int:slot_id>/remove
                                                               settings.remove_recert_slot
    # certificates.views.design (admins)
    GET POST  /admin/certificate-design                        design.design
    GET       /admin/certificate-design/sample.pdf             design.design_sample
    # certificates.views.batches (HR)
    GET POST  /certificates/batches                            batches.batch_list
    GET       /certificates/batches/<int:batch_id>             batches.batch_page
    GET       /certificates/batches/<int:batch_id>.json        batches.batch_progress
    GET       /certificates/batches/<int:batch_id>/download    batches.batch_download
    # certificates.views.public: verification and Open Badges documents, no sign-in
    GET POST  /verify                                          public.verify_form
    GET       /verify/transcript/<token>                       public.verify_transcript
    GET       /verify/<path:code>                              public.verify
    POST      /verify/badge                                    public.verify_badge
    GET       /badges/issuer                                   public.issuer
    GET       /badges/jwks.json                                public.jwks
    GET       /badges/revocations                              public.revocations
    GET       /badges/achievements/<code>                      public.achievement
    GET       /badges/<code>                                   public.public_badge
""")
