"""Forms for identity providers, sign-in settings and SCIM tokens."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional

from lms.core.forms import Form, OptionalIdField


class ProviderForm(Form):
    """What every identity provider has: its button, its key, how new accounts are made.
    The protocol's forms add how to reach the provider and which claim is the employee ID."""

    name = StringField(_l("Name shown on the sign-in button"),
                       validators=[DataRequired(), Length(max=120)])
    key = StringField(_l("Key (in the provider's redirect address)"),
                      validators=[DataRequired(), Length(max=40)])
    provisioning = BooleanField(_l("Create an account on first sign-in for an unknown "
                                   "employee ID"))
    default_team_id = OptionalIdField(_l("Team for new accounts"))
    default_tier_id = OptionalIdField(_l("Tier for new accounts"))
    mapping_text = TextAreaField(_l("Claim mapping (one rule a line)"),
                                 validators=[Optional(), Length(max=5000)])
    enabled = BooleanField(_l("Enabled"), default=True)


class OidcProviderForm(ProviderForm):
    issuer = StringField(_l("Issuer URL"), validators=[
        DataRequired(), Length(max=500), URL(require_tld=False)])
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=300)])
    client_secret = PasswordField(_l("Client secret"), validators=[Optional(), Length(max=500)])
    scopes = StringField(_l("Scopes"), default="openid profile email",
                         validators=[DataRequired(), Length(max=300)])
    employee_id_claim = StringField(_l("Claim that carries the employee ID"),
                                    default="employee_id",
                                    validators=[DataRequired(), Length(max=100)])


class SamlProviderForm(ProviderForm):
    idp_metadata_xml = TextAreaField(_l("Identity provider metadata (XML)"),
                                     validators=[DataRequired(), Length(max=200_000)])
    employee_id_claim = StringField(_l("Attribute that carries the employee ID"),
                                    default="employeeNumber",
                                    validators=[DataRequired(), Length(max=100)])


class SignInSettingsForm(Form):
    local_passwords = BooleanField(_l("People may sign in with a password"))


class ScimTokenForm(Form):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=120)])
