"""Forms for the framework admin screens: areas, competencies and the proficiency scale.

Forms check types and lengths; the rules (unique codes, ranges, the scale's limits) live in
the services, whose messages land beside the field they name.
"""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.core.forms import Form

CHINESE = {"lang": "zh-Hans"}



class AreaForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=120)],
                          render_kw=CHINESE)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    description_zh = TextAreaField(_l("Description in Chinese"),
                                   validators=[Optional(), Length(max=2000)], render_kw=CHINESE)
    position = IntegerField(_l("Position"), default=0, validators=[InputRequired()])


class CompetencyForm(Form):
    area_id = SelectField(_l("Area"), coerce=int, validators=[InputRequired()])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=120)],
                          render_kw=CHINESE)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    description_zh = TextAreaField(_l("Description in Chinese"),
                                   validators=[Optional(), Length(max=2000)], render_kw=CHINESE)
    position = IntegerField(_l("Position in its area"), default=0, validators=[InputRequired()])
    active = BooleanField(_l("Active (deactivated competencies leave the matrix but keep their "
                             "history)"), default=True)


class LevelForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=80)],
                          render_kw=CHINESE)
    description = TextAreaField(_l("What this level looks like in practice"),
                                validators=[Optional(), Length(max=2000)])
    description_zh = TextAreaField(_l("What this level looks like in practice, in Chinese"),
                                   validators=[Optional(), Length(max=2000)], render_kw=CHINESE)
