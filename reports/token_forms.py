"""Forms of the API token screens."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.forms import OptionalIdField, choices
from lms.people.forms import MultiCheckboxField
from reports.tokens import SCOPES


class TokenForm(FlaskForm):
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


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
