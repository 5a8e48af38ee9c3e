"""The audit log's filter form (a GET form: no CSRF token, nothing changes)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from lms.core.forms import Form, OptionalIdField, choices
from lms.people.forms import MultiCheckboxField
from reports.services.columns import OPTIONAL_COLUMNS
from reports.services.tokens import SCOPES


class AuditFilterForm(Form):
    """Filters for /reports/audit and its CSV; an unknown action or type is refused."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who"), validators=[Optional(), Length(max=100)],
                        render_kw={"placeholder": _l("Name, email or employee ID")})
    action = SelectField(_l("Action"), validators=[Optional()], choices=[])
    object_type = SelectField(_l("Object type"), validators=[Optional()], choices=[])
    object_id = StringField(_l("Object ID"), validators=[Optional(), Length(max=60)])
    date_from = DateField(_l("Date from"), validators=[Optional()])
    date_to = DateField(_l("Date to"), validators=[Optional()])
    reason = StringField(_l("Reason contains"), validators=[Optional(), Length(max=200)])

    def set_choices(self, actions: list[tuple[str, str]],
                    object_types: list[tuple[str, str]]) -> None:
        """Offer `actions` ((value, label) pairs) and `object_types`, each after "all"."""
        self.action.choices = choices([("", _l("All actions"))] + actions)
        self.object_type.choices = choices([("", _l("All types"))]
                                           + object_types)

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


# Forms of the API token screens.
class TokenForm(Form):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("What the token is for, e.g. \u201cHR system sync\u201d."))
    person = OptionalIdField(_l("Reads as"), validators=[DataRequired()],
                             blank_label=_l("— choose a person —"),
                         description=_l("The token sees exactly the people this person may "
                                        "see."))
    scopes = MultiCheckboxField(_l("Scopes"), validators=[DataRequired()])
    expires_on = DateField(_l("Valid until (optional)"), validators=[Optional()])

    def __init__(self, people, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.person.set_choices((p.id, f"{p.name} ({p.employee_id})") for p in people)
        self.scopes.choices = choices((name, f"{name} \u2014 {label}")
                                      for name, label in SCOPES.items())


class RevokeForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


# Forms of the KPI reports (GET forms: nothing changes).
class KpiTrendForm(Form):
    """Which team's KPI trend; blank is everyone the reader sees."""

    class Meta:
        csrf = False

    team = OptionalIdField(_l("Team"), blank_label=_l("All my teams"))


class TrainingImpactForm(Form):
    """How many periods before and after certification to compare."""

    class Meta:
        csrf = False

    periods = IntegerField(_l("Periods before and after"), default=3,
                           validators=[Optional(), NumberRange(min=1, max=12)])


class ColumnsForm(Form):
    """The HR table's optional columns to show (reports.services.columns)."""

    shown = MultiCheckboxField(_l("Columns to show"), choices=choices(OPTIONAL_COLUMNS.items()))
