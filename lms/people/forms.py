"""Forms for signing in, accounts, people and teams."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup, escape
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
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

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


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )


class LanguageForm(Form):
    locale = SelectField(_l("Language"), choices=[])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonPickerInput(TextInput):
    """A text box that suggests people as one types (static/js/person-picker.js fills its
    datalist from the server); without script, typing an employee ID works as well."""

    def __call__(self, field, **kwargs):
        options = f"{field.id}-options"
        kwargs.setdefault("list", options)
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("data-person-search", field.search_url or "")
        kwargs.setdefault("placeholder", str(_l("Name or employee ID")))
        return super().__call__(field, **kwargs) + Markup(
            f'<datalist id="{escape(options)}"></datalist>')


class PersonPickerField(StringField):
    """One person chosen by name or employee ID ("王芳 (E0011)" or "E0011"); `data` is their
    id, or None when left empty. The view sets `lookup` (text -> Person or None, among the
    people allowed here) and `search_url` (the suggestions); an unknown person is refused."""

    widget = PersonPickerInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.lookup = None
        self.search_url = None
        self.text = ""

    def process_data(self, value):
        self.data = value  # an id from the object, shown as its person below

    def process_formdata(self, valuelist):
        self.text = (valuelist[0] if valuelist else "").strip()[:300]
        self.data = None

    def _value(self):
        if self.text:
            return self.text
        person = self.show(self.data) if self.data and self.show else None
        return f"{person.name} ({person.employee_id})" if person else ""

    show = None  # id -> Person, set by the view to display the current choice

    def pre_validate(self, form):
        if not self.text:
            self.data = None
            return
        person = self.lookup(self.text) if self.lookup else None
        if person is None:
            raise ValidationError(_l("Nobody who can be chosen here has that name or "
                                     "employee ID."))
        self.data = person.id


class PersonForm(Form):
    employee_id = StringField(_l("Employee ID"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    team_id = OptionalIdField(_l("Team"))
    manager_id = PersonPickerField(_l("Manager"))
    mentor_id = PersonPickerField(_l("Mentor"))
    hire_date = DateField(_l("Hire date"), validators=[Optional()])
    tier_id = OptionalIdField(_l("Current tier"))
    roles = MultiCheckboxField(
        _l("Roles"), choices=choices((r, ROLE_LABELS[r]) for r in ROLES),
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )
    password = PasswordField(
        _l("Initial password (leave empty to e-mail a first sign-in link instead)"),
        validators=[Optional(), Length(max=200)],
    )


class ActiveForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])


class TeamForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=500)])
    parent_id = OptionalIdField(_l("Part of department"))
    active = BooleanField(_l("Active"), default=True)


class ImportForm(Form):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
