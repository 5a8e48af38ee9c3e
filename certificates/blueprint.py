"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from certificates import views
from certificates.views import approvals, batches, design, holder, hr, public, settings

bp = Blueprint("certificates", __name__)
bp.context_processor(views.template_helpers)

# certificates.views.holder: a person's certification and downloads
bp.add_url_rule("/certificates", view_func=holder.mine, methods=["GET"])
bp.add_url_rule("/people/<int:person_id>/certification", view_func=holder.person_page,
                methods=["GET"])
bp.add_url_rule("/people/<int:person_id>/certification/evaluate", view_func=holder.evaluate,
                methods=["POST"])
bp.add_url_rule("/people/<int:person_id>/transcript.pdf", view_func=holder.transcript,
                methods=["GET"])
bp.add_url_rule("/certificates/<int:certificate_id>", view_func=holder.detail, methods=["GET"])
bp.add_url_rule("/certificates/<int:certificate_id>/certificate.pdf", view_func=holder.pdf,
                methods=["GET"])
bp.add_url_rule("/certificates/<int:certificate_id>/badge.jwt", view_func=holder.badge,
                methods=["GET"])

# certificates.views.hr: revoke and reinstate (one handler), correct the holder's name
for change in hr.STATUS_CHANGES:
    bp.add_url_rule(f"/certificates/<int:certificate_id>/{change}", endpoint=change,
                    view_func=hr.change_status, methods=["POST"], defaults={"change": change})
bp.add_url_rule("/certificates/<int:certificate_id>/name", view_func=hr.correct_name,
                methods=["POST"])

# certificates.views.approvals
bp.add_url_rule("/certificates/approvals", view_func=approvals.approvals, methods=["GET"])
bp.add_url_rule("/certificates/approvals/<int:approval_id>", view_func=approvals.decide,
                methods=["POST"])

# certificates.views.settings: a path's certification settings (admins)
bp.add_url_rule("/admin/certification", view_func=settings.settings_list, methods=["GET"])
bp.add_url_rule("/admin/certification/<int:path_id>", view_func=settings.settings,
                methods=["GET", "POST"])
bp.add_url_rule("/admin/certification/<int:path_id>/recert-slots",
                view_func=settings.add_recert_slot, methods=["POST"])
bp.add_url_rule("/admin/certification/<int:path_id>/recert-slots/<int:slot_id>/remove",
                view_func=settings.remove_recert_slot, methods=["POST"])

# certificates.views.design (admins)
bp.add_url_rule("/admin/certificate-design", view_func=design.design, methods=["GET", "POST"])
bp.add_url_rule("/admin/certificate-design/sample.pdf", view_func=design.design_sample,
                methods=["GET"])

# certificates.views.batches (HR)
bp.add_url_rule("/certificates/batches", view_func=batches.batch_list, methods=["GET", "POST"])
bp.add_url_rule("/certificates/batches/<int:batch_id>", view_func=batches.batch_page,
                methods=["GET"])
bp.add_url_rule("/certificates/batches/<int:batch_id>.json", view_func=batches.batch_progress,
                methods=["GET"])
bp.add_url_rule("/certificates/batches/<int:batch_id>/download",
                view_func=batches.batch_download, methods=["GET"])

# certificates.views.public: verification and Open Badges documents, no sign-in
bp.add_url_rule("/verify", view_func=public.verify_form, methods=["GET", "POST"])
bp.add_url_rule("/verify/<path:code>", view_func=public.verify, methods=["GET"])
bp.add_url_rule("/verify/badge", view_func=public.verify_badge, methods=["POST"])
bp.add_url_rule("/badges/issuer", view_func=public.issuer, methods=["GET"])
bp.add_url_rule("/badges/jwks.json", view_func=public.jwks, methods=["GET"])
bp.add_url_rule("/badges/revocations", view_func=public.revocations, methods=["GET"])
bp.add_url_rule("/badges/achievements/<code>", view_func=public.achievement, methods=["GET"])
bp.add_url_rule("/badges/<code>", view_func=public.public_badge, methods=["GET"])
