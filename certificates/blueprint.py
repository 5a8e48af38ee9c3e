"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint

from certificates.views import pages

bp = Blueprint("certificates", __name__)

# certificates.views.pages
bp.context_processor(pages._helpers)
bp.add_url_rule("/certificates", view_func=pages.mine, methods=["GET"])
bp.add_url_rule("/people/<int:person_id>/certification", view_func=pages.person_page,
                methods=["GET"])
bp.add_url_rule("/people/<int:person_id>/certification/evaluate", view_func=pages.evaluate,
                methods=["POST"])
bp.add_url_rule("/people/<int:person_id>/transcript.pdf", view_func=pages.transcript,
                methods=["GET"])
bp.add_url_rule("/certificates/<int:certificate_id>", view_func=pages.detail, methods=["GET"])
bp.add_url_rule("/certificates/<int:certificate_id>/certificate.pdf", view_func=pages.pdf,
                methods=["GET"])
bp.add_url_rule("/certificates/<int:certificate_id>/badge.jwt", view_func=pages.badge,
                methods=["GET"])
bp.add_url_rule("/certificates/<int:certificate_id>/revoke", view_func=pages.revoke,
                methods=["POST"])
bp.add_url_rule("/certificates/<int:certificate_id>/reinstate", view_func=pages.reinstate,
                methods=["POST"])
bp.add_url_rule("/certificates/<int:certificate_id>/name", view_func=pages.correct_name,
                methods=["POST"])
bp.add_url_rule("/certificates/approvals", view_func=pages.approvals, methods=["GET"])
bp.add_url_rule("/certificates/approvals/<int:approval_id>", view_func=pages.decide,
                methods=["POST"])
bp.add_url_rule("/admin/certification", view_func=pages.settings_list, methods=["GET"])
bp.add_url_rule("/admin/certification/<int:path_id>", view_func=pages.settings,
                methods=["GET", "POST"])
bp.add_url_rule("/admin/certification/<int:path_id>/recert-slots", view_func=pages.add_recert_slot,
                methods=["POST"])
bp.add_url_rule("/admin/certification/<int:path_id>/recert-slots/<int:slot_id>/remove",
                view_func=pages.remove_recert_slot, methods=["POST"])
bp.add_url_rule("/admin/certificate-design", view_func=pages.design, methods=["GET", "POST"])
bp.add_url_rule("/admin/certificate-design/sample.pdf", view_func=pages.design_sample,
                methods=["GET"])
bp.add_url_rule("/certificates/batches", view_func=pages.batch_list, methods=["GET", "POST"])
bp.add_url_rule("/certificates/batches/<int:batch_id>", view_func=pages.batch_page,
                methods=["GET"])
bp.add_url_rule("/certificates/batches/<int:batch_id>.json", view_func=pages.batch_progress,
                methods=["GET"])
bp.add_url_rule("/certificates/batches/<int:batch_id>/download", view_func=pages.batch_download,
                methods=["GET"])
bp.add_url_rule("/verify", view_func=pages.verify_form, methods=["GET", "POST"])
bp.add_url_rule("/verify/<path:code>", view_func=pages.verify, methods=["GET"])
bp.add_url_rule("/verify/badge", view_func=pages.verify_badge, methods=["POST"])
bp.add_url_rule("/badges/issuer", view_func=pages.issuer, methods=["GET"])
bp.add_url_rule("/badges/jwks.json", view_func=pages.jwks, methods=["GET"])
bp.add_url_rule("/badges/revocations", view_func=pages.revocations, methods=["GET"])
bp.add_url_rule("/badges/achievements/<code>", view_func=pages.achievement, methods=["GET"])
bp.add_url_rule("/badges/<code>", view_func=pages.public_badge, methods=["GET"])
