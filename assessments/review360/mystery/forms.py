"""Forms of the mystery-shopper screens; the rules live in the services."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.core.forms import Form, OptionalIdField, choices
from lms.core.i18n import LANGUAGE_NAMES


class ProgrammeForm(Form):
    team_id = SelectField(_l("Team"), coerce=int)
    visits_per_month = IntegerField(_l("Agents shopped each month"), default=2,
                                    validators=[InputRequired()])
    link_days = IntegerField(_l("Days a shopper's link lives"), default=14,
                             validators=[InputRequired()])
    feeds_360 = BooleanField(_l("Answers count in the customer group of the agent's open 360 "
                                "review"), default=True)
    active = BooleanField(_l("Active (scheduled every month)"), default=True)


class ShopperForm(Form):
    name = StringField(_l("Shopper's name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    language = SelectField(_l("Language of their e-mails"),
                           choices=choices(LANGUAGE_NAMES.items()))


class ConfirmForm(Form):
    """A button or an answer sheet that only needs the CSRF token."""


class ChecklistItemForm(Form):
    section = SelectField(_l("Section"))
    text = TextAreaField(_l("What the shopper checks"),
                         validators=[DataRequired(), Length(max=1000)])
    text_zh = TextAreaField(_l("In Chinese"), validators=[Optional(), Length(max=1000)],
                            render_kw={"lang": "zh-Hans"})
    weight = DecimalField(_l("Weight"), places=None, default=1, validators=[InputRequired()])
    competency_id = OptionalIdField(_l("Competency it evidences"))


class ChecklistItemEditForm(ChecklistItemForm):
    place = IntegerField(_l("Place on the checklist (1 = first)"),
                         validators=[InputRequired()])
