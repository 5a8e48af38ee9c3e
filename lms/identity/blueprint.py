"""Every URL rule of this package, listed in one place: a view module nobody lists here
fails tests/test_layout.py instead of answering 404 in production."""

from flask import Blueprint, url_for

from lms.core.extensions import csrf, db
from lms.core.routes import add_rules
from lms.identity.services.providers import enabled_providers
from lms.identity.views import admin, scim, signin

bp = Blueprint("identity", __name__)

# lms.identity.views.signin, lms.identity.views.admin
add_rules(bp, {"signin": signin, "admin": admin}, """
    GET       /sso/<key>/start                              signin.start
    GET       /sso/<key>/callback                           signin.callback
    GET       /sso/<key>/saml/metadata                      signin.saml_metadata
    POST      /sso/<key>/acs                                signin.saml_acs
    GET       /admin/sign-in                                admin.sign_in_admin
    POST      /admin/sign-in/settings                       admin.save_settings
    GET POST  /admin/sign-in/providers/new                  admin.provider_form  provider_id=None
    GET POST  /admin/sign-in/providers/new-saml             admin.provider_form
              provider_id=None  protocol=saml  endpoint=provider_form_saml
    GET POST  /admin/sign-in/providers/<int:provider_id>    admin.provider_form
    POST      /admin/sign-in/scim-tokens                    admin.scim_token_new
    POST      /admin/sign-in/scim-tokens/<int:token_id>/revoke  admin.scim_token_revoke
""")

# SCIM clients send JSON with a bearer token, never a browser's cookie: no CSRF token.
scim_bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
csrf.exempt(scim_bp)
scim_bp.before_request(scim.require_token)
scim_bp.register_error_handler(Exception, scim.error_response)

# lms.identity.views.scim
add_rules(scim_bp, {"scim": scim}, """
    GET            /ServiceProviderConfig        scim.service_provider_config
    GET            /Schemas                      scim.schemas
    GET            /ResourceTypes                scim.resource_types
    GET POST       /Users                        scim.users
    GET PUT PATCH  /Users/<person_id>            scim.user
    DELETE         /Users/<person_id>            scim.user_delete
    GET POST       /Groups                       scim.groups
    GET PUT PATCH  /Groups/<team_id>             scim.group
    DELETE         /Groups/<team_id>             scim.group_delete
""")


def sign_in_options() -> dict:
    """Template context: `sign_in_providers()` lists the enabled providers' buttons (read only
    by the pages that call it: the sign-in page)."""

    def sign_in_providers() -> list[dict]:
        return [{"name": p.name, "url": url_for("identity.start", key=p.key)}
                for p in enabled_providers(db.session)]

    return {"sign_in_providers": sign_in_providers}
