"""Forms for signing in, accounts, people and teams."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.forms import Form, OptionalIdField, choices
from lms.people.models import ROLES

ROLE_LABELS = {
    "agent": _l("Agent"),
    "mentor": _l("Mentor"),
    "manager": _l("Manager"),
    "hr": _l("HR"),
    "admin": _l("Administrator"),
}


class LoginForm(Form):
    login = StringField(_l("Email or employee ID"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class ResetPasswordForm(Form):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class LanguageForm(Form):
    locale = SelectField(_l("Language"), choices=[])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonForm(Form):
    employee_id = StringField(_l("Employee ID"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    team_id = OptionalIdField(_l("Team"))
    manager_id = OptionalIdField(_l("Manager"))
    mentor_id = OptionalIdField(_l("Mentor"))
    hire_date = DateField(_l("Hire date"), validators=[Optional()])
    tier_id = OptionalIdField(_l("Current tier"))
    roles = MultiCheckboxField(
        _l("Roles"), choices=choices((r, ROLE_LABELS[r]) for r in ROLES),
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )
    password = PasswordField(
        _l("Initial password (leave empty to send a reset link instead)"),
        validators=[Optional(), Length(max=200)],
    )


class ActiveForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])


class TeamForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=500)])
    parent_id = OptionalIdField(_l("Part of department"))
    active = BooleanField(_l("Active"), default=True)


class ImportForm(Form):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
