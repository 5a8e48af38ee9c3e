"""The admin's form for the organisation's name."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.forms import Form


class OrganisationNameForm(Form):
    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=200)])
